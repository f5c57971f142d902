"""SERVICE (SPARQL 1.1 Federated Query) evaluated with a time limit, a real User-Agent and clear errors.

rdflib's own ``evalServiceQuery`` calls urllib with no timeout and the User-Agent
``rdflibForAnUser``, follows redirects to any host, ignores ``SILENT`` and
raises a bare ``Exception`` when the endpoint fails. :func:`install` (called by
``ipkg.sparql.engine.install``, never at import) registers
:func:`evaluate_service` in ``rdflib.plugins.sparql.CUSTOM_EVALS``, which
evaluates every ``ServiceGraphPattern`` instead:

- the sub-query goes out as ``query=`` (GET, or a POST form when long) with
  ``Accept: application/sparql-results+json`` and ``User-Agent: ipkg/<version> (+https://w3id.org/ipkg/)``;
- the call may take what is left of the query's time limit (``ipkg.sparql.deadline``),
  or ``DEFAULT_TIMEOUT`` seconds when the query has no limit;
- an HTTP error, a timeout, a refused connection, a redirect to another host or
  an answer that is not SPARQL JSON results raises ``RemoteServiceError``
  (HTTP 502) naming the endpoint and the cause;
- ``SERVICE SILENT`` turns those failures into one empty solution (Federated
  Query §4), so the rest of the query still answers.

Which endpoints may be called at all is decided before evaluation, on the
algebra, by ``store.guard.check_remote`` (the ``service_allowlist`` setting);
this module does not widen it and refuses ``SERVICE ?variable`` outright.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import rdflib.plugins.sparql
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.evaluate import _yieldBindingsFromServiceCallResult
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import FrozenBindings, QueryContext

from ipkg.errors import Forbidden, RemoteServiceError
from ipkg.sparql.deadline import check_deadline, remaining

log = logging.getLogger("ipkg.federation")

try:
    _VERSION = version("ipkg")
except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
    _VERSION = "0.0.0"

USER_AGENT = f"ipkg/{_VERSION} (+https://w3id.org/ipkg/)"
"""Sent with every SERVICE call, so endpoint operators can see who calls (Wikimedia's User-Agent policy)."""
ACCEPT = "application/sparql-results+json"
DEFAULT_TIMEOUT = 10.0
"""Seconds a SERVICE call may take when the query runs without a time limit."""
MAX_ANSWER_BYTES = 32 * 1024 * 1024
"""Largest answer read from an endpoint; a bigger one is an error, not a memory exhaustion."""
MAX_GET_URL = 2000
"""Longer request URLs are sent as a POST form instead (SPARQL 1.1 Protocol §2.1.2)."""
MAX_REDIRECTS = 3
CUSTOM_EVAL_NAME = "ipkg-service"
"""The key of :func:`evaluate_service` in ``rdflib.plugins.sparql.CUSTOM_EVALS``."""

_SERVICE_TEXT = re.compile(
    r"^\s*SERVICE\s+(?:SILENT\s+)?(?:<[^>]*>|\S+?)\s*\{(?P<body>.*)\}\s*$", re.IGNORECASE | re.DOTALL
)
_VARIABLE = re.compile(r"[?$]([A-Za-z0-9_\u00b7\u00c0-\uffff]+)")


def evaluate_service(ctx: QueryContext, part: CompValue) -> Iterator[FrozenBindings]:
    """The ``CUSTOM_EVALS`` entry: evaluate a ``ServiceGraphPattern``, leave every other node to rdflib.

    Raises:
        NotImplementedError: ``part`` is not a SERVICE pattern (rdflib then evaluates it itself).
        RemoteServiceError: the endpoint failed and the pattern is not ``SILENT`` (when iterated).
        QueryTimeout: the query's time limit has passed (when iterated).
    """
    if part.name != "ServiceGraphPattern":
        raise NotImplementedError
    return _solutions(ctx, part)


def _solutions(ctx: QueryContext, part: CompValue) -> Iterator[FrozenBindings]:
    try:
        solutions = call_service(ctx, part)
    except RemoteServiceError as error:
        if not part.silent:
            raise
        log.warning("SERVICE SILENT: %s; going on with one empty solution", error.problem)
        solutions = [FrozenBindings(ctx, {})]
    yield from solutions


def call_service(ctx: QueryContext, part: CompValue) -> list[FrozenBindings]:
    """Send the pattern's sub-query to its endpoint and read the solutions (all of them, before any is used).

    Raises:
        Forbidden: the endpoint is a variable.
        RemoteServiceError: see the module docstring.
        QueryTimeout: the query's time limit has passed.
    """
    check_deadline()
    term: Any = part.term
    if not isinstance(term, URIRef):
        shown = term.n3() if isinstance(term, Variable) else str(term)
        raise Forbidden(
            f"SERVICE {shown}: the endpoint must be an IRI, not a variable (only allow-listed endpoints are called)"
        )
    service = str(term)
    if urllib.parse.urlsplit(service).scheme not in ("http", "https"):
        raise RemoteServiceError(service, "is not an http(s) endpoint")
    query = build_query(ctx, service_body(ctx, part))
    left = remaining()
    timeout = DEFAULT_TIMEOUT if left is None else left
    started = time.monotonic()
    answer, content_type = _fetch(service, query, timeout)
    log.info("SERVICE <%s> answered %d bytes in %.1f ms", service, len(answer), (time.monotonic() - started) * 1000)
    return _solutions_from(ctx, service, answer, content_type)


# --------------------------------------------------------------------------- the sub-query


_checked: dict[int, tuple[CompValue, str]] = {}
"""Verified body text per SERVICE node (the node is kept so its id is not reused)."""
_CHECKED_MAX = 256


def service_body(ctx: QueryContext, part: CompValue) -> str:
    """The text between the braces of this SERVICE clause, as written in the query.

    rdflib records the text of a SERVICE clause by searching the whole query
    for the first SERVICE clause, so in a query with two of them both get the
    text of the first. The text is therefore parsed again and compared with
    the pattern rdflib evaluates; a mismatch is refused rather than sending
    another clause's pattern to this endpoint.

    Raises:
        RemoteServiceError: the clause's text cannot be recovered.
    """
    known = _checked.get(id(part))
    if known is not None and known[0] is part:
        return known[1]
    service = str(part.term)
    match = _SERVICE_TEXT.match(str(part.get("service_string") or ""))
    if match is None or not _same_pattern(ctx, part, match.group("body")):
        raise RemoteServiceError(
            service,
            "cannot be called: rdflib gives every SERVICE clause of a query the text of the first one, "
            "so ipkg cannot recover this clause's pattern; put each SERVICE clause in a query of its own",
        )
    body = match.group("body")
    if len(_checked) >= _CHECKED_MAX:
        _checked.clear()
    _checked[id(part)] = (part, body)
    return body


def _same_pattern(ctx: QueryContext, part: CompValue, body: str) -> bool:
    prologue = ctx.prologue
    prefixes = {} if prologue is None else {p: str(ns) for p, ns in prologue.namespace_manager.namespaces()}
    base = None if prologue is None else prologue.base
    text = f"SELECT * WHERE {{ SERVICE <{part.term}> {{{body}}} }}"
    try:
        again = translateQuery(parseQuery(text), base=base, initNs=prefixes)
    except Exception:  # noqa: BLE001 - rdflib raises plain exceptions for patterns it cannot read
        return False
    found = [node for node in _nodes(again.algebra) if node.name == "ServiceGraphPattern"]
    return len(found) == 1 and _canonical(found[0].graph) == _canonical(part.graph)


def _nodes(node: Any) -> Iterator[CompValue]:
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _nodes(value)


def _canonical(node: Any) -> Any:
    """A comparable form of a parsed pattern: blank nodes (fresh at every parse) all look alike."""
    if isinstance(node, CompValue):
        return (node.name, tuple((key, _canonical(value)) for key, value in node.items()))
    if isinstance(node, list | tuple):
        return tuple(_canonical(value) for value in node)
    if isinstance(node, BNode):
        return "_:"
    return node


def build_query(ctx: QueryContext, body: str) -> str:
    """The query sent to the endpoint: the clause's pattern, its prefixes, and the bindings known so far.

    A sub-select is sent as it is; a group pattern is wrapped in ``SELECT REDUCED *``.
    The variables of the pattern that the evaluation has already bound are
    passed along as a ``VALUES`` block (as rdflib does), so the endpoint only
    returns compatible solutions.
    """
    lines = []
    prologue = ctx.prologue
    if prologue is not None:
        if prologue.base:
            lines.append(f"BASE <{prologue.base}>")
        for prefix, namespace in prologue.namespace_manager.namespaces():
            if prefix and re.search(rf"(?<![\w.:-]){re.escape(prefix)}:", body):
                lines.append(f"PREFIX {prefix}: <{namespace}>")
    stripped = body.strip()
    is_subselect = re.match(r"SELECT\b", stripped, re.IGNORECASE) is not None
    text = stripped if is_subselect else f"SELECT REDUCED * WHERE {{{body}}}"
    used = set(_VARIABLE.findall(body))
    bound: list[tuple[Variable, URIRef | Literal]] = []
    for variable in ctx.solution():
        value = ctx[variable]
        if isinstance(variable, Variable) and str(variable) in used and isinstance(value, URIRef | Literal):
            bound.append((variable, value))
    if bound:
        names = " ".join(v.n3() for v, _ in bound)
        values = " ".join(value.n3() for _, value in bound)
        text += f"\nVALUES ({names}) {{ ({values}) }}"
    return "\n".join([*lines, text])


# --------------------------------------------------------------------------- HTTP


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the same scheme, host and port as the allow-listed endpoint."""

    max_redirections = MAX_REDIRECTS

    def __init__(self, service: str) -> None:
        self.service = service
        self.origin = _origin(service)

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if _origin(newurl) != self.origin:
            fp.close()
            raise RemoteServiceError(
                self.service, f"redirected (HTTP {code}) to another host, {newurl}; ipkg does not follow it"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def _opener(service: str) -> urllib.request.OpenerDirector:
    """HTTP(S) only (no file:, ftp: or data: handlers), same-host redirects, environment proxies."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _SameHostRedirects(service),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _fetch(service: str, query: str, timeout: float) -> tuple[bytes, str]:
    """GET (or POST a form) ``query`` to ``service`` and read the whole answer within ``timeout`` seconds.

    Raises:
        RemoteServiceError: HTTP error status, timeout, refused or broken connection, oversized answer.
    """
    headers = {"Accept": ACCEPT, "User-Agent": USER_AGENT}
    form = urllib.parse.urlencode({"query": query})
    separator = "&" if urllib.parse.urlsplit(service).query else "?"
    if len(service) + 1 + len(form) <= MAX_GET_URL:
        request = urllib.request.Request(service + separator + form, headers=headers)  # noqa: S310 - http(s) only
    else:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(service, data=form.encode("ascii"), headers=headers)  # noqa: S310
    end = time.monotonic() + timeout
    waited = f"within {timeout:.3g} s"
    if remaining() is not None:
        waited += " (what was left of the query's time limit)"
    try:
        with _opener(service).open(request, timeout=max(timeout, 0.001)) as response:
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(64 * 1024):
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise RemoteServiceError(service, f"sent more than {MAX_ANSWER_BYTES} bytes")
                if time.monotonic() > end:
                    raise RemoteServiceError(service, f"did not finish its answer {waited}")
                chunks.append(chunk)
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        detail = _snippet(error.read(4096) if error.fp is not None else b"")
        error.close()
        raise RemoteServiceError(service, f"answered HTTP {error.code} {error.reason}{detail}") from None
    except urllib.error.URLError as error:
        raise RemoteServiceError(service, _network_problem(error.reason, waited)) from None
    except TimeoutError as error:
        raise RemoteServiceError(service, _network_problem(error, waited)) from None
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise RemoteServiceError(service, f"could not be read: {error or type(error).__name__}") from None
    return b"".join(chunks), content_type


def _network_problem(reason: object, waited: str) -> str:
    if isinstance(reason, TimeoutError):  # socket.timeout is TimeoutError
        return f"did not answer {waited}"
    if isinstance(reason, ConnectionRefusedError):
        return "refused the connection"
    if isinstance(reason, socket.gaierror):
        return f"cannot be resolved ({reason.strerror})"
    return f"could not be reached: {reason}"


def _snippet(body: bytes, limit: int = 200) -> str:
    text = " ".join(body.decode("utf-8", "replace").split())
    if not text:
        return ""
    return ": " + (text[:limit] + "…" if len(text) > limit else text)


# --------------------------------------------------------------------------- the answer


def _solutions_from(ctx: QueryContext, service: str, answer: bytes, content_type: str) -> list[FrozenBindings]:
    """SPARQL 1.1 Query Results JSON → solutions, through rdflib's own reader of a binding.

    Raises:
        RemoteServiceError: the answer is not JSON, not a SELECT result, or holds a malformed binding.
    """
    try:
        document = json.loads(answer)
    except ValueError:
        kind = f" (Content-Type {content_type})" if content_type else ""
        problem = f"did not answer with SPARQL JSON results{kind}{_snippet(answer)}"
        raise RemoteServiceError(service, problem) from None
    try:
        variables = document["head"]["vars"]
        bindings = document["results"]["bindings"]
        if not isinstance(variables, list) or not isinstance(bindings, list):
            raise TypeError("head.vars and results.bindings must be arrays")
        solutions: list[FrozenBindings] = []
        for row in bindings:
            check_deadline()
            solutions.extend(_yieldBindingsFromServiceCallResult(ctx, row, [str(v) for v in variables]))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise RemoteServiceError(service, f"answered JSON that is not SELECT results: {error}") from None
    known = ctx.solution()
    return [solution for solution in solutions if _compatible(known, solution)]


def _compatible(known: FrozenBindings, solution: FrozenBindings) -> bool:
    """Whether the endpoint's solution agrees with the bindings sent as VALUES.

    rdflib merges a SERVICE solution into the current one without checking, so
    an endpoint that ignores the VALUES block would otherwise produce joins of
    unrelated rows.
    """
    for variable, value in solution.items():
        bound = known.get(variable)
        if bound is not None and bound != value:
            return False
    return True


def install() -> None:
    """Register :func:`evaluate_service` with rdflib (idempotent)."""
    rdflib.plugins.sparql.CUSTOM_EVALS[CUSTOM_EVAL_NAME] = evaluate_service


__all__ = [
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "build_query",
    "call_service",
    "evaluate_service",
    "install",
    "service_body",
]
