"""What the remote store and a SPARQL server say to each other: query text, terms, result bodies.

No I/O here. The query text: ipkg's predeclared prefixes put in front (on the
first line, so line numbers stay true) and FROM / FROM NAMED taken out (the
dataset goes as protocol parameters), found by the tokenizer of ``sparql.scan``.
Terms: ipkg's blank nodes as skolem IRIs (RDF 1.1 §3.5) on the way out and
back again on the way in, ``xsd:string`` literals plain, Virtuoso's
``"1"^^xsd:boolean`` as ``true``. Data: N-Triples lines per graph in chunks,
as DELETE DATA / INSERT DATA or Graph Store bodies. Results: SPARQL JSON
(old-style ``typed-literal`` and Virtuoso's one-row ASK too) into rdflib
results, and a row count of a passed-through body.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, cast
from urllib.parse import quote, unquote

from rdflib import BNode, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Identifier, Node, Variable

from ipkg.namespaces import BASE, PREFIXES
from ipkg.ntriples import term as nt_term
from ipkg.sparql.scan import declared_prefixes, without_dataset_clause
from ipkg.store.base import Quad
from ipkg.store.remote_http import Reply

SKOLEM = BASE + ".well-known/genid/"
"""Where ipkg's blank nodes live on a remote store (RDF 1.1 §3.5 skolem IRIs): ``_:b1`` is ``…/genid/b1``."""

SKOLEM_BYTES = SKOLEM.encode("ascii")

NO_GRAPH = "urn:x-ipkg:no-graph"
"""A graph name that holds nothing: the dataset sent when a request names no graph ipkg holds."""

CHUNK_TRIPLES = 2_000
CHUNK_BYTES = 1024 * 1024
"""Largest DELETE DATA / INSERT DATA / Graph Store POST of a write or load, in triples and bytes of text."""

RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}

GRAPH_ACCEPT = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8, application/rdf+xml;q=0.5"
GRAPH_PARSERS = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/rdf+xml": "xml"}
N_TRIPLES = ("application/n-triples", "text/plain", "text/ntriples", "application/ntriples")

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_XSD_BOOLEAN = _XSD + "boolean"

# --------------------------------------------------------------------------- query text


def remote_query_text(text: str, base: str | None) -> str:
    """What the remote server is sent: BASE and ipkg's predeclared prefixes on the first line, no FROM clauses."""
    declared = declared_prefixes(text)
    prologue = [f"BASE <{base}>"] if base else []
    prologue += [f"PREFIX {prefix}: <{namespace}>" for prefix, namespace in PREFIXES.items() if prefix not in declared]
    return " ".join(prologue) + " " + without_dataset_clause(text)


# --------------------------------------------------------------------------- terms


def skolem(node: BNode) -> URIRef:
    """The IRI a blank node of ipkg has on the remote store."""
    return URIRef(SKOLEM + quote(str(node), safe=""))


def sparql_term(node: Node) -> str:
    """A term of ipkg's data in SPARQL syntax for the remote store (blank nodes skolemised, xsd:string plain)."""
    if isinstance(node, BNode):
        node = skolem(node)
    if isinstance(node, Literal) and not node.language and str(node.datatype or "") == _XSD_STRING:
        node = Literal(str(node))
    return nt_term(node)


def _iri(value: str) -> URIRef | BNode:
    if value.startswith(SKOLEM):
        return BNode(unquote(value[len(SKOLEM) :]))
    return URIRef(value)


def _literal(value: str, datatype: str | None, language: str | None, virtuoso: bool) -> Literal:
    if language:
        return Literal(value, lang=language)
    if not datatype or datatype == _XSD_STRING:
        return Literal(value)
    if virtuoso and datatype == _XSD_BOOLEAN and value in ("0", "1"):
        value = "true" if value == "1" else "false"  # Virtuoso keeps booleans as integers
    return Literal(value, datatype=URIRef(datatype))


def from_json(binding: dict[str, Any], *, virtuoso: bool = False) -> Identifier:
    """A term of SPARQL JSON results (``typed-literal`` too), skolem IRIs as blank nodes.

    Raises:
        ValueError: an RDF-star triple term or an unknown kind.
    """
    kind, value = binding.get("type"), str(binding.get("value", ""))
    if kind == "uri":
        return _iri(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        return _literal(value, binding.get("datatype"), binding.get("xml:lang") or binding.get("lang"), virtuoso)
    raise ValueError(f"not an RDF 1.1 term in the remote store's results: {binding!r}")


def from_remote(node: Node, *, virtuoso: bool = False) -> Node:
    """An rdflib term read from the remote store, skolem IRIs as blank nodes, xsd:string as plain literals."""
    if isinstance(node, URIRef):
        return _iri(str(node))
    if isinstance(node, Literal):
        datatype = None if node.datatype is None else str(node.datatype)
        return _literal(str(node), datatype, node.language, virtuoso)
    return node


# --------------------------------------------------------------------------- data and results


def chunks(quads: Iterable[Quad]) -> Iterator[tuple[URIRef, list[str]]]:
    """N-Triples lines per graph, in chunks of at most CHUNK_TRIPLES triples and about CHUNK_BYTES."""
    by_graph: dict[URIRef, list[Quad]] = defaultdict(list)
    for quad in quads:
        by_graph[quad[3]].append(quad)
    for graph in sorted(by_graph):
        lines: list[str] = []
        size = 0
        for s, p, o, _ in by_graph[graph]:
            line = f"{sparql_term(s)} {sparql_term(p)} {sparql_term(o)} .\n"
            lines.append(line)
            size += len(line)
            if len(lines) >= CHUNK_TRIPLES or size >= CHUNK_BYTES:
                yield graph, lines
                lines, size = [], 0
        if lines:
            yield graph, lines


def data_operations(keyword: str, quads: Iterable[Quad]) -> Iterator[str]:
    """``DELETE DATA`` / ``INSERT DATA`` operations for ``quads``, one per chunk."""
    for graph, lines in chunks(quads):
        yield f"{keyword} DATA {{ GRAPH <{graph}> {{\n{''.join(lines)}}} }}"


def server_message(reply: Reply) -> str:
    """The server's error message on one line, without the copy of the query Virtuoso appends."""
    text = reply.body[:4000].decode("utf-8", "replace").split("\nSPARQL query:")[0]
    return " ".join(text.split())[:500]


def media_type(reply: Reply) -> str:
    return reply.header("Content-Type").split(";")[0].strip().lower()


def count_rows(body: bytes, fmt: str) -> int | None:
    """Rows of a serialised SELECT result (JSON, XML or TSV), or None when it does not parse as one."""
    import pyoxigraph as ox

    formats = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}
    try:
        parsed = ox.parse_query_results(body, formats[fmt])
        if not isinstance(parsed, ox.QuerySolutions):
            return None
        return sum(1 for _ in parsed)
    except (SyntaxError, ValueError, OSError):
        return None


def from_json_results(payload: dict[str, Any], form: str, virtuoso: bool) -> Result:
    """SPARQL JSON results as an rdflib result (Virtuoso's ASK, a one-row table of 1 or 0, too)."""
    if "boolean" in payload:
        result = Result("ASK")
        result.askAnswer = bool(payload["boolean"])
        return result
    rows = payload["results"]["bindings"]
    if form == "ASK":
        result = Result("ASK")
        values = [str(value.get("value", "")) for row in rows[:1] for value in row.values()]
        result.askAnswer = bool(values) and values[0] not in ("0", "false")
        return result
    result = Result("SELECT")
    result.vars = [Variable(v) for v in payload.get("head", {}).get("vars", [])]
    result.bindings = [
        {Variable(name): from_json(term, virtuoso=virtuoso) for name, term in row.items()} for row in rows
    ]
    return result


def mapped(result: Result, virtuoso: bool) -> Result:
    """An rdflib result with every term read back (skolem IRIs, xsd:string, Virtuoso's booleans)."""
    if result.type != "SELECT":
        return result
    mapped = Result("SELECT")
    mapped.vars = result.vars
    mapped.bindings = [
        {name: cast(Identifier, from_remote(term, virtuoso=virtuoso)) for name, term in row.items()}
        for row in result.bindings
    ]
    return mapped
