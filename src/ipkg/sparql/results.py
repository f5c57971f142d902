"""SPARQL 1.1 result formats: JSON and XML (rdflib's writers), CSV and TSV (§2, §3), and a table for people."""

from __future__ import annotations

import csv
import io

from rdflib import Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from ipkg.namespaces import PREFIXES

RESULT_FORMATS = ("table", "json", "xml", "csv", "tsv")
"""Formats of SELECT/ASK results on the command line."""


def format_result(result: Result, fmt: str) -> bytes:
    """SELECT/ASK results as ``table``, SPARQL ``json``/``xml``, ``csv`` or ``tsv``."""
    if fmt == "table":
        return render_table(result).encode("utf-8")
    if fmt == "csv":
        return _csv(result)
    if fmt == "tsv":
        return _tsv(result)
    return result.serialize(format=fmt) or b""


def _csv(result: Result) -> bytes:
    """SPARQL 1.1 CSV results (§2): CRLF rows, plain values, blank nodes as _:label."""
    if result.type == "ASK":
        return f"{'true' if result.askAnswer else 'false'}\r\n".encode()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    variables = [str(v) for v in result.vars or []]
    writer.writerow(variables)
    for row in _solutions(result):
        writer.writerow(["" if term is None else _csv_term(term) for term in row])
    return out.getvalue().encode("utf-8")


def _tsv(result: Result) -> bytes:
    """SPARQL 1.1 TSV results (§3): ``?var`` header, terms in N-Triples syntax, LF rows."""
    if result.type == "ASK":
        return f"?_askResult\n{'true' if result.askAnswer else 'false'}\n".encode()
    variables = [str(v) for v in result.vars or []]
    lines = ["\t".join(f"?{v}" for v in variables)]
    for row in _solutions(result):
        lines.append("\t".join("" if term is None else nt_term(term) for term in row))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _solutions(result: Result) -> list[list[Node | None]]:
    """Each solution's terms in the order of ``result.vars``, empty solutions included.

    Iterating an rdflib Result skips solutions that bind no variable; the
    formats must still write them (a row of empty fields).
    """
    variables = result.vars or []
    return [[solution.get(v) for v in variables] for solution in result.bindings]


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def nt_term(term: Node) -> str:
    """A term in N-Triples syntax, on one line (tabs and newlines escaped)."""
    if isinstance(term, Literal):
        text = f'"{str(term).translate(_ESCAPES)}"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and str(term.datatype) != "http://www.w3.org/2001/XMLSchema#string":
            return f"{text}^^<{term.datatype}>"
        return text
    if isinstance(term, URIRef):
        return f"<{term}>"
    return f"_:{term}"


def _csv_term(term: Node) -> str:
    if isinstance(term, URIRef | Literal):
        return str(term)
    return f"_:{term}"


def render_table(result: Result) -> str:
    """A plain-text table for people, with prefixed names."""
    if result.type == "ASK":
        return ("true" if result.askAnswer else "false") + "\n"
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        return result.graph.serialize(format="turtle")
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    names = [str(v) for v in result.vars or []]
    rows = [["" if t is None else t.n3(graph.namespace_manager) for t in row] for row in _solutions(result)]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]

    def line(cells: list[str]) -> str:
        return " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    body = [line(names), rule, *(line(r) for r in rows)]
    return "\n".join(body) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})\n"
