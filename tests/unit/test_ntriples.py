"""ipkg's N-Triples / N-Quads reader and writer: exact round trips, linear time, clear errors."""

from __future__ import annotations

import time

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from ipkg.build.load import parse_text
from ipkg.errors import LoadError
from ipkg.ntriples import NTriplesError, read_quads, write_quads

QUADS = [
    (
        URIRef("http://a.test/s"),
        URIRef("http://a.test/p"),
        Literal('q"b\\c\nd\té😀\x01', lang="en-GB"),
        URIRef("urn:g"),
    ),
    (BNode("N1"), URIRef("http://a.test/p"), Literal("1", datatype=XSD.string), URIRef("urn:g")),
    (BNode("N1"), URIRef("http://a.test/p"), Literal("1"), URIRef("urn:g")),
    (URIRef("http://a.test/s"), URIRef("http://a.test/n"), Literal("42", datatype=XSD.integer), URIRef("urn:h")),
    (URIRef("http://a.test/s"), URIRef("http://a.test/d"), Literal("x", datatype=XSD.dateTime), URIRef("urn:h")),
]


def test_round_trip_keeps_every_term_exactly() -> None:
    text = write_quads(QUADS)
    back = list(read_quads(text, labels=True))
    assert len(back) == len(QUADS) and set(back) == set(QUADS)
    assert text == write_quads(reversed(QUADS)), "the same quads give the same text"


def test_rdflib_reads_what_is_written() -> None:
    from rdflib import Dataset

    dataset = Dataset()
    dataset.parse(data=write_quads(QUADS[:1] + QUADS[3:]), format="nquads")
    assert len(dataset) == 3


def test_labels_are_fresh_per_document_unless_kept() -> None:
    text = "_:a <http://a.test/p> _:a .\n_:b <http://a.test/p> _:a .\n"
    (s1, _, o1, _), (s2, _, o2, _) = read_quads(text)
    assert s1 == o1 == o2 and s1 != s2 and str(s1) != "a"
    assert next(read_quads(text, labels=True))[0] == BNode("a")


def test_a_megabyte_literal_is_read_in_linear_time() -> None:
    line = '<http://a.test/s> <http://a.test/p> "' + "x" * 9_000_000 + '" .\n'
    started = time.perf_counter()
    (quad,) = read_quads(line)
    assert len(quad[2]) == 9_000_000
    assert time.perf_counter() - started < 5  # rdflib's parser takes minutes


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('<http://a.test/s> <http://a.test/p> "x .\n', 1, "not closed"),
        ("\n<http://a.test/s> <http://a.test/p> .\n", 2, "subject, a predicate and an object"),
        ('"x" <http://a.test/p> "y" .\n', 1, "literal can only be an object"),
        ('<http://a.test/s> <http://a.test/p> "a\\qb" .\n', 1, "escape"),
        ("<http://a.test/s> <http://a.test/p> <http://a.test/o>", 1, "expected"),
        ("<http://a.test/s> <http://a.test/p> <http://a.test/o> <urn:g> <urn:h> .", 1, "after the graph"),
    ],
)
def test_errors_name_line_and_reason(text: str, line: int, words: str) -> None:
    with pytest.raises(NTriplesError) as caught:
        list(read_quads(text))
    assert caught.value.line == line and words in caught.value.reason


def test_n_triples_has_no_graph_names() -> None:
    with pytest.raises(LoadError, match="no graph names"):
        parse_text("<urn:a> <urn:b> <urn:c> <urn:g> .\n", "nt")
    graph = parse_text("<urn:a> <urn:b> <urn:c> <urn:g> .\n", "nquads")
    assert (URIRef("urn:a"), URIRef("urn:b"), URIRef("urn:c")) in graph


def test_parse_text_reports_line_and_column() -> None:
    with pytest.raises(LoadError) as caught:
        parse_text('<urn:a> <urn:b> "c" .\n<urn:a> <urn:b> "c .\n', "nt", source="body")
    assert (caught.value.line, caught.value.column) == (2, 17)
    assert isinstance(parse_text('<urn:a> <urn:b> "c" .\n', "nt"), Graph)
