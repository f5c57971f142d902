"""SPARQL 1.1 queries over the dataset: parsing with positions, evaluation, result formats.

rdflib spends most of a cheap query parsing it, so parsed queries are cached
by their text. Syntax errors become ``QuerySyntaxError`` with line and column.
Like the Wikidata Query Service, ipkg's prefixes (``ipkg:``, ``ipkgo:``, ``wd:``,
``wdt:`` …, see ``namespaces.PREFIXES``) are predeclared: a query may use them
without PREFIX lines, and its own PREFIX lines take precedence.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pyparsing import ParseBaseException
from rdflib import Graph, Literal, URIRef
from rdflib.paths import InvPath, NegatedPath, Path
from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query, Update
from rdflib.query import Result
from rdflib.term import Node

from ipkg.errors import QueryEvaluationError, QuerySyntaxError
from ipkg.namespaces import PREFIXES, sparql_prologue

_INIT_NS = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
_UPDATE_PROLOGUE = sparql_prologue()
_UPDATE_PROLOGUE_LINES = _UPDATE_PROLOGUE.count("\n")

RESULT_FORMATS = ("table", "json", "xml", "csv", "tsv")
"""Formats of SELECT/ASK results on the command line."""


CACHED_TEXT_LIMIT = 16 * 1024
"""Longer query texts are parsed every time: the caches must not hold megabytes per entry."""


def prepare_query(text: str, base: str | None = None) -> Query:
    """Parse and translate a query once; later calls with the same (short) text reuse it.

    Raises:
        QuerySyntaxError: the text is not a SPARQL 1.1 query (with line and column).
    """
    if len(text) <= CACHED_TEXT_LIMIT:
        return _prepare_query_cached(text, base)
    return _prepare_query(text, base)


@lru_cache(maxsize=512)
def _prepare_query_cached(text: str, base: str | None) -> Query:
    return _prepare_query(text, base)


def _prepare_query(text: str, base: str | None) -> Query:
    try:
        query = translateQuery(parseQuery(text), base=base, initNs=_INIT_NS)
    except ParseBaseException as exc:
        raise QuerySyntaxError(_parse_message(exc), line=exc.lineno, column=exc.col) from exc
    except Exception as exc:  # noqa: BLE001 - rdflib raises plain exceptions for some bad queries
        raise QuerySyntaxError(str(exc) or type(exc).__name__) from exc
    _refuse_unsupported_paths(query.algebra)
    return query


def _refuse_unsupported_paths(algebra: Any) -> None:
    """rdflib translates ``!^p`` into a path it cannot evaluate; say so before evaluation, as a 400.

    Raises:
        QueryEvaluationError: the query uses a negated inverse property path.
    """
    stack, seen = [algebra], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, NegatedPath) and any(not isinstance(a, URIRef | InvPath) for a in node.args):
            raise QueryEvaluationError(
                "negated inverse property paths (!^p) are not supported by ipkg's SPARQL engine; "
                "write the inverse as a FILTER NOT EXISTS instead"
            )
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple | set):
            stack.extend(node)
        elif isinstance(node, Path):
            stack.extend(getattr(node, "args", ()))
            stack.extend(x for x in (getattr(node, "path", None), getattr(node, "arg", None)) if x is not None)


def prepare_update(text: str, base: str | None = None) -> Update:
    """Parse and translate a SPARQL 1.1 Update request.

    The predeclared prefixes are put in front of the text instead of going
    through rdflib's ``initNs``: rdflib binds ``initNs`` again before every
    operation of a request, and rebinding ``dcterms:`` silently unbinds a
    user's ``PREFIX dc:`` for the same IRI, so a later operation using ``dc:``
    failed (W3C protocol test ``update_dataset_default_graph``). Reported line
    numbers are the user's own.

    Raises:
        QuerySyntaxError: the text is not a SPARQL 1.1 update (with line and column).
    """
    try:
        return translateUpdate(parseUpdate(_UPDATE_PROLOGUE + text), base=base)
    except ParseBaseException as exc:
        line = max(exc.lineno - _UPDATE_PROLOGUE_LINES, 1)
        raise QuerySyntaxError(_parse_message(exc), line=line, column=exc.col) from exc
    except Exception as exc:  # noqa: BLE001
        raise QuerySyntaxError(str(exc) or type(exc).__name__) from exc


def _parse_message(exc: ParseBaseException) -> str:
    line = exc.line or ""
    caret = " " * max(exc.col - 1, 0) + "^"
    return f"{exc.msg}\n  {line}\n  {caret}"


def run_query(graph: Graph, text: str, **options: Any) -> Result:
    """Evaluate ``text`` over ``graph`` (a Graph or Dataset); ``options`` go to rdflib (initBindings …)."""
    return graph.query(prepare_query(text), **options)


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


class CachingProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor, parsing each distinct query text once.

    pySHACL runs a SPARQL-based constraint once per focus node with the same
    text; rdflib would parse it every time (parsing dominates validation).
    Registered as rdflib's ``sparql`` processor by ``build``.
    """

    def query(  # type: ignore[override]
        self,
        strOrQuery: str | Query,  # noqa: N803 - rdflib's parameter names
        initBindings: Mapping[str, Any] | None = None,  # noqa: N803
        initNs: Mapping[str, Any] | None = None,  # noqa: N803
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803
    ) -> Mapping[str, Any]:
        query = strOrQuery
        if isinstance(query, str):
            namespaces = tuple(sorted((k, str(v)) for k, v in (initNs or {}).items()))
            translate = _translate_cached if len(query) <= CACHED_TEXT_LIMIT else _translate
            query = translate(query, base, namespaces)
        return evalQuery(self.graph, query, dict(initBindings or {}), base)


def _translate(text: str, base: str | None, namespaces: tuple[tuple[str, str], ...]) -> Query:
    return translateQuery(parseQuery(text), base=base, initNs=dict(namespaces))


_translate_cached = lru_cache(maxsize=1024)(_translate)
