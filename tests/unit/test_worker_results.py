"""What a query worker writes: CSV rows that bind nothing, quoted blank lines, and rows counted in every format.

Runs the worker's ``_run`` on an in-memory Oxigraph store (the same code path as a worker process).
"""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from ipkg.store.workers import QueryJob, _run

FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


def job(query: str, fmt: str, max_rows: int | None = None) -> QueryJob:
    return QueryJob(
        snapshot="",
        query=query,
        base=None,
        prefixes={},
        union=True,
        default_graphs=None,
        named_graphs=None,
        results_format=fmt,
        max_rows=max_rows,
        max_bytes=None,
    )


def test_a_csv_row_binding_nothing_is_an_empty_field_and_quoted_blank_lines_are_kept() -> None:
    query = 'SELECT ?x WHERE { VALUES ?x { "a\\r\\n\\r\\nb" UNDEF "c" } }'
    body = _run(ox, ox.Store(), job(query, "csv"), FORMATS).body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert rows == [["x"], ["a\r\n\r\nb"], [""], ["c"]]


def test_an_empty_row_of_two_variables_is_left_as_oxigraph_writes_it() -> None:
    body = _run(ox, ox.Store(), job("SELECT ?x ?y WHERE { VALUES ?x { UNDEF } }", "csv"), FORMATS).body
    assert body == b"x,y\r\n,\r\n"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_rows_are_counted_in_every_format_once_the_body_may_hold_more_than_the_limit(fmt: str) -> None:
    query = 'SELECT ?n ?s WHERE { VALUES ?n { 1 2 3 4 5 6 7 8 9 10 } BIND("x\\r\\ny" AS ?s) }'
    reply = _run(ox, ox.Store(), job(query, fmt, max_rows=2), FORMATS)
    assert reply.rows == 10
