"""Parse a SPARQL 1.1 query or update once, into the object that flows from the view to the store.

rdflib spends most of a cheap query parsing it, so prepared queries are cached
by their text. One walk of the algebra learns everything later steps need:
the query form (for content negotiation before any work), the dataset clause
(FROM / FROM NAMED, SPARQL 1.1 §13.2), the SERVICE and LOAD targets (checked
against the allow-list by ``guard`` without another walk), and constructs
rdflib cannot evaluate (refused here as a 400 rather than failing later).
Syntax errors become ``QuerySyntaxError`` with line, column and a caret.

Like the Wikidata Query Service, ipkg's prefixes (``ipkg:``, ``ipkgo:``,
``wd:``, ``wdt:`` …, see ``namespaces.PREFIXES``) are predeclared: a query may
use them without PREFIX lines, and its own PREFIX lines take precedence.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pyparsing import ParseBaseException
from rdflib import URIRef
from rdflib.paths import InvPath, NegatedPath, Path
from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query, Update

from ipkg.errors import QueryEvaluationError, QuerySyntaxError
from ipkg.namespaces import PREFIXES, sparql_prologue

_INIT_NS = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
_UPDATE_PROLOGUE = sparql_prologue()
_UPDATE_PROLOGUE_LINES = _UPDATE_PROLOGUE.count("\n")

CACHED_TEXT_LIMIT = 16 * 1024
"""Longer query texts are parsed every time: the caches must not hold megabytes per entry."""

GRAPH_FORMS = frozenset({"CONSTRUCT", "DESCRIBE"})
_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}

PARSER_LOCK = threading.Lock()
"""rdflib's grammar (pyparsing) is not thread-safe: its parse actions are wrapped lazily on first use,
and two threads doing that at once can break the grammar for the life of the process. Every parse in
ipkg holds this lock; parsing is short (the cache spares repeated texts) and evaluation runs unlocked."""


@dataclass(frozen=True)
class PreparedQuery:
    """A parsed, translated query and what the algebra says about it, computed once."""

    text: str
    query: Query
    """rdflib's translated query, without its dataset clause (the store applies the dataset)."""
    form: str
    """SELECT, ASK, CONSTRUCT or DESCRIBE."""
    default_graphs: tuple[str, ...]
    """FROM graphs (SPARQL 1.1 §13.2), in order."""
    named_graphs: tuple[str, ...]
    """FROM NAMED graphs."""
    remote_targets: tuple[tuple[str, str], ...]
    """(keyword, IRI) of every SERVICE in the query."""

    @property
    def returns_graph(self) -> bool:
        """CONSTRUCT and DESCRIBE answer with RDF, SELECT and ASK with result sets."""
        return self.form in GRAPH_FORMS


@dataclass(frozen=True)
class PreparedUpdate:
    """A parsed, translated update request and its LOAD / SERVICE targets."""

    text: str
    update: Update
    remote_targets: tuple[tuple[str, str], ...]


def prepare_query(text: str, base: str | None = None) -> PreparedQuery:
    """Parse and translate a query once; later calls with the same (short) text reuse it.

    Raises:
        QuerySyntaxError: the text is not a SPARQL 1.1 query (with line and column).
        QueryEvaluationError: the query uses a construct ipkg's engine cannot evaluate.
    """
    if len(text) <= CACHED_TEXT_LIMIT:
        return _prepare_query_cached(text, base)
    return _prepare_query(text, base)


@lru_cache(maxsize=512)
def _prepare_query_cached(text: str, base: str | None) -> PreparedQuery:
    return _prepare_query(text, base)


def _prepare_query(text: str, base: str | None) -> PreparedQuery:
    try:
        with PARSER_LOCK:
            parsed = parseQuery(text)
        query = translateQuery(parsed, base=base, initNs=_INIT_NS)
    except ParseBaseException as exc:
        raise QuerySyntaxError(_parse_message(exc), line=exc.lineno, column=exc.col) from exc
    except Exception as exc:  # noqa: BLE001 - rdflib raises plain exceptions for some bad queries
        raise QuerySyntaxError(str(exc) or type(exc).__name__) from exc
    targets = _walk(query.algebra)
    # Attribute access, not ``.get``: rdflib's CompValue.get(name) returns ``name`` itself for a
    # missing key, which is truthy; attribute access gives None.
    clause = query.algebra.datasetClause or []
    if clause:
        algebra = CompValue(query.algebra.name, **{k: v for k, v in query.algebra.items() if k != "datasetClause"})
        query = Query(query.prologue, algebra)
    return PreparedQuery(
        text=text,
        query=query,
        form=_FORMS[query.algebra.name],
        default_graphs=tuple(str(c.default) for c in clause if c.default is not None),
        named_graphs=tuple(str(c.named) for c in clause if c.named is not None),
        remote_targets=targets,
    )


def prepare_update(text: str, base: str | None = None) -> PreparedUpdate:
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
        with PARSER_LOCK:
            parsed = parseUpdate(_UPDATE_PROLOGUE + text)
        update = translateUpdate(parsed, base=base)
    except ParseBaseException as exc:
        line = max(exc.lineno - _UPDATE_PROLOGUE_LINES, 1)
        raise QuerySyntaxError(_parse_message(exc), line=line, column=exc.col) from exc
    except Exception as exc:  # noqa: BLE001 - rdflib raises plain exceptions for some bad updates
        raise QuerySyntaxError(str(exc) or type(exc).__name__) from exc
    return PreparedUpdate(text=text, update=update, remote_targets=_walk(update.algebra))


def _walk(algebra: Any) -> tuple[tuple[str, str], ...]:
    """One pass over the algebra: collect SERVICE / LOAD targets, refuse what rdflib cannot evaluate.

    Raises:
        QueryEvaluationError: the query uses a negated inverse property path (``!^p``), which rdflib
            translates into a path it cannot evaluate.
    """
    targets: list[tuple[str, str]] = []
    stack, seen = [algebra], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                targets.append(("SERVICE", str(node.get("term"))))
            elif node.name == "Load":
                targets.append(("LOAD", str(node.get("iri"))))
            stack.extend(node.values())
        elif isinstance(node, NegatedPath) and any(not isinstance(a, URIRef | InvPath) for a in node.args):
            raise QueryEvaluationError(
                "negated inverse property paths (!^p) are not supported by ipkg's SPARQL engine; "
                "write the inverse as a FILTER NOT EXISTS instead"
            )
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple | set):
            stack.extend(node)
        elif isinstance(node, Path):
            stack.extend(getattr(node, "args", ()))
            stack.extend(x for x in (getattr(node, "path", None), getattr(node, "arg", None)) if x is not None)
    return tuple(targets)


def _parse_message(exc: ParseBaseException) -> str:
    line = exc.line or ""
    caret = " " * max(exc.col - 1, 0) + "^"
    return f"{exc.msg}\n  {line}\n  {caret}"
