"""Parse a SPARQL 1.1 query or update once, into the object that flows from the view to the store.

Prepared queries are cached by their text. Later steps need the query form (for
content negotiation before any work), the dataset clause (FROM / FROM NAMED,
SPARQL 1.1 §13.2), the SERVICE targets (checked against the allow-list by
``guard``) and the IRIs named (``hints``). The tokens settle these for most
queries (``scan``: microseconds); otherwise rdflib parses the query and one walk
of its algebra learns them. rdflib's translation, which only the in-memory
engine evaluates, is made on first use (``PreparedQuery.query``): the Oxigraph
and remote stores never pay rdflib's milliseconds for a query they parse
themselves. Updates are always parsed by rdflib (they are evaluated by it).
Syntax errors become ``QuerySyntaxError`` with line, column and a caret.

Like the Wikidata Query Service, ipkg's prefixes (``ipkg:``, ``ipkgo:``,
``wd:``, ``wdt:`` …, see ``namespaces.PREFIXES``) are predeclared: a query may
use them without PREFIX lines, and its own PREFIX lines take precedence.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from pyparsing import ParseBaseException
from rdflib import URIRef
from rdflib.paths import InvPath, NegatedPath, Path
from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query, Update

from ipkg.errors import IpkgError, QueryEvaluationError, QuerySyntaxError, QueryTimeout
from ipkg.namespaces import PREFIXES, sparql_prologue
from ipkg.sparql.deadline import remaining
from ipkg.sparql.scan import scan_query
from ipkg.sparql.syntax import UNKNOWN_PREFIX, bracket_problem, unknown_prefix

_INIT_NS = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
_UPDATE_PROLOGUE = sparql_prologue()
_UPDATE_PROLOGUE_LINES = _UPDATE_PROLOGUE.count("\n")

CACHED_TEXT_LIMIT = 16 * 1024
"""Longer query texts are parsed every time: the caches must not hold megabytes per entry."""

GRAPH_FORMS = frozenset({"CONSTRUCT", "DESCRIBE"})
_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}

NEGATED_INVERSE = (
    "negated inverse property paths (!^p) are not supported by the in-memory engine (rdflib); "
    "write the inverse as a FILTER NOT EXISTS, or use the default Oxigraph store"
)

PARSER_LOCK = threading.RLock()
"""rdflib's grammar (pyparsing) is not thread-safe: its parse actions are wrapped lazily on first use,
and two threads doing that at once can break the grammar for the life of the process. Every parse in
ipkg holds this lock, and ``engine.install`` makes every pyparsing parse take it too (pySHACL, rdflib's
own ``prepareQuery`` and update processor); parsing is short (the cache spares repeated texts) and
evaluation runs unlocked. Re-entrant, so a parse inside a parse (or ipkg's explicit lock) is fine."""


@dataclass(frozen=True)
class PreparedQuery:
    """A query and what it says about itself, learnt once; rdflib's translation only when asked for."""

    text: str
    base: str | None
    form: str
    """SELECT, ASK, CONSTRUCT or DESCRIBE."""
    default_graphs: tuple[str, ...]
    """FROM graphs (SPARQL 1.1 §13.2), in order."""
    named_graphs: tuple[str, ...]
    """FROM NAMED graphs."""
    remote_targets: tuple[tuple[str, str], ...]
    """(keyword, IRI) of every SERVICE in the query."""
    iris: tuple[URIRef, ...] = ()
    """The IRIs the query names, each once, in the order the text first names them (for ``hints``)."""

    @property
    def returns_graph(self) -> bool:
        """CONSTRUCT and DESCRIBE answer with RDF, SELECT and ASK with result sets."""
        return self.form in GRAPH_FORMS

    @cached_property
    def query(self) -> Query:
        """rdflib's translated query, without its dataset clause (the store applies the dataset).

        Parsed on first use: only the in-memory engine evaluates it; Oxigraph and remote
        servers parse the text themselves.

        Raises:
            QuerySyntaxError: rdflib cannot parse the text (with line and column).
            QueryEvaluationError: it holds a negated inverse path (``!^p``), which rdflib cannot evaluate.
            QueryTimeout: the parser stayed busy past the thread's deadline.
        """
        query, walk, _ = _translate(self.text, self.base)
        if walk.negated_inverse:
            raise QueryEvaluationError(NEGATED_INVERSE)
        return query


@dataclass(frozen=True)
class PreparedUpdate:
    """A parsed, translated update request and its LOAD / SERVICE targets."""

    text: str
    update: Update
    remote_targets: tuple[tuple[str, str], ...]


def prepare_query(text: str, base: str | None = None, *, wait: float | None = None) -> PreparedQuery:
    """Parse and translate a query once; later calls with the same (short) text reuse it.

    ``wait``: the longest to wait for the parser while other threads parse (their turns count
    against this query's time limit); past it the query is stopped like one past its limit. A
    text already prepared never waits.

    Raises:
        QuerySyntaxError: the text is not a SPARQL 1.1 query (with line and column).
        QueryTimeout: the parser stayed busy for ``wait`` seconds.
    """
    _waiting.seconds = wait
    try:
        if len(text) <= CACHED_TEXT_LIMIT:
            return _prepare_query_cached(text, base)
        return _prepare_query(text, base)
    finally:
        _waiting.seconds = None


_waiting = threading.local()
"""How long the current thread's parse may wait for the parser lock (None: as long as it takes)."""


def _parse_query(text: str) -> Any:
    wait = getattr(_waiting, "seconds", None)
    if wait is None:
        wait = remaining()  # a query parsed lazily by its store waits no longer than its deadline
    if not PARSER_LOCK.acquire(timeout=-1 if wait is None else max(wait, 0.001)):
        raise QueryTimeout(round(wait or 0, 3))
    try:
        return parseQuery(text)
    finally:
        PARSER_LOCK.release()


@lru_cache(maxsize=512)
def _prepare_query_cached(text: str, base: str | None) -> PreparedQuery:
    return _prepare_query(text, base)


def _prepare_query(text: str, base: str | None) -> PreparedQuery:
    """From the tokens when they settle everything (``scan``), else from rdflib's translation."""
    scan = scan_query(text, base, _INIT_NS)
    if scan is not None:
        return PreparedQuery(text, base, scan.form, scan.default_graphs, scan.named_graphs, (), scan.iris)
    query, walk, clause = _translate(text, base)
    prepared = PreparedQuery(
        text=text,
        base=base,
        form=_FORMS[query.algebra.name],
        default_graphs=tuple(str(c.default) for c in clause if c.default is not None),
        named_graphs=tuple(str(c.named) for c in clause if c.named is not None),
        remote_targets=walk.targets,
        iris=tuple(sorted(walk.iris, key=lambda iri: (_position(text, iri), str(iri)))),
    )
    if not walk.negated_inverse:
        prepared.__dict__["query"] = query  # translated already: the cached_property keeps it
    return prepared


def _translate(text: str, base: str | None) -> tuple[Query, _Walk, list[Any]]:
    """rdflib's translation (without the dataset clause), one walk of its algebra, and the dataset clause."""
    try:
        parsed = _parse_query(text)
        query = translateQuery(parsed, base=base, initNs=_INIT_NS)
    except QueryTimeout:
        raise
    except ParseBaseException as exc:
        raise _syntax_error(text, exc, exc.lineno) from exc
    except Exception as exc:  # noqa: BLE001 - rdflib raises plain exceptions for some bad queries
        raise _syntax_error(text, exc) from exc
    walk = _walk(query.algebra)
    # Attribute access, not ``.get``: rdflib's CompValue.get(name) returns ``name`` itself for a
    # missing key, which is truthy; attribute access gives None.
    clause = query.algebra.datasetClause or []
    if clause:
        algebra = CompValue(query.algebra.name, **{k: v for k, v in query.algebra.items() if k != "datasetClause"})
        query = Query(query.prologue, algebra)
    return query, walk, clause


def explain_refusal(prepared: PreparedQuery, refused: IpkgError) -> IpkgError:
    """For a query an engine refused: rdflib's syntax error if rdflib refuses the text too, else ``refused``.

    Most queries reach Oxigraph or a remote server without rdflib having parsed them (``scan``);
    rdflib parses only the ones refused, for its message: line, column, caret, closest prefix.
    """
    try:
        prepared.query  # noqa: B018 - parsed for its error
    except QuerySyntaxError as explained:
        return explained
    except IpkgError:
        pass
    return refused


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
        raise _syntax_error(text, exc, max(exc.lineno - _UPDATE_PROLOGUE_LINES, 1)) from exc
    except Exception as exc:  # noqa: BLE001 - rdflib raises plain exceptions for some bad updates
        raise _syntax_error(text, exc) from exc
    walk = _walk(update.algebra)
    if walk.negated_inverse:
        raise QueryEvaluationError(NEGATED_INVERSE)
    return PreparedUpdate(text=text, update=update, remote_targets=walk.targets)


@dataclass(frozen=True)
class _Walk:
    targets: tuple[tuple[str, str], ...]
    iris: set[URIRef]
    negated_inverse: bool


def _walk(algebra: Any) -> _Walk:
    """One pass over the algebra: SERVICE / LOAD targets, every IRI, and whether it holds a ``!^p`` path.

    rdflib translates a negated inverse property path into a path it cannot evaluate; where rdflib
    evaluates (updates, the in-memory backend) such a query is refused with ``NEGATED_INVERSE``.
    """
    targets: list[tuple[str, str]] = []
    iris: set[URIRef] = set()
    negated_inverse = False
    stack, seen = [algebra], set()
    while stack:
        node = stack.pop()
        if isinstance(node, URIRef):
            iris.add(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                targets.append(("SERVICE", str(node.get("term"))))
            elif node.name == "Load":
                targets.append(("LOAD", str(node.get("iri"))))
            stack.extend(node.values())
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple | set | frozenset):
            stack.extend(node)
        elif isinstance(node, Path):
            if isinstance(node, NegatedPath) and any(not isinstance(a, URIRef | InvPath) for a in node.args):
                negated_inverse = True
            stack.extend(getattr(node, "args", ()))
            stack.extend(x for x in (getattr(node, "path", None), getattr(node, "arg", None)) if x is not None)
    return _Walk(tuple(targets), iris, negated_inverse)


def _position(text: str, iri: URIRef) -> int:
    """Where the query text first names ``iri`` (full or prefixed), or after the end."""
    full = text.find(f"<{iri}>")
    local = str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    short = text.find(":" + local) if local else -1
    found = [p for p in (full, short) if p >= 0]
    return min(found) if found else len(text)


def _syntax_error(text: str, exc: Exception, line: int | None = None) -> QuerySyntaxError:
    """The error to report: an unbalanced bracket or an unknown prefix where it is, else the parser's message.

    The grammar reports a missing ``}`` or ``)`` as "Expected SelectQuery" where the clause began, and an
    unknown prefix without a position; ``syntax`` finds the bracket, or the prefix and its closest match.
    """
    problem = None
    if isinstance(exc, ParseBaseException):
        problem = bracket_problem(text)
        if problem is None:
            return QuerySyntaxError(_parse_message(exc), line=line, column=exc.col)
    elif (unknown := UNKNOWN_PREFIX.search(str(exc))) is not None:
        problem = unknown_prefix(text, unknown.group(1), _INIT_NS)
    if problem is None:
        return QuerySyntaxError(str(exc) or type(exc).__name__)
    shown = text.splitlines()[problem.line - 1] if text.splitlines() else ""
    return QuerySyntaxError(
        _parse_message(problem.message, shown, problem.column), line=problem.line, column=problem.column
    )


def _parse_message(exc: ParseBaseException | str, line: str | None = None, column: int | None = None) -> str:
    """The message with the line it is about and a caret under the column."""
    message = exc if isinstance(exc, str) else exc.msg
    if isinstance(exc, ParseBaseException):
        line, column = exc.line, exc.col
    caret = " " * max((column or 1) - 1, 0) + "^"
    return f"{message}\n  {line or ''}\n  {caret}"
