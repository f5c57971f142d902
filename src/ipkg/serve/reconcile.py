"""The W3C Entity Reconciliation API, version 0.2, at ``/reconcile`` (what OpenRefine speaks).

Routes (the spec's sections in brackets):

- ``GET /reconcile`` with no query: the service manifest [Service Manifest];
- ``GET|POST /reconcile`` with ``queries={"q0": {...}}`` (query string or form
  field), a single ``query=``, or a JSON body: reconciliation queries
  [Reconciliation Queries]. A JSON body may also be a 1.0-draft batch
  (``{"queries": [{"conditions": [...]}]}``, also at ``POST /reconcile/match``),
  answered in the 1.0-draft shape (``{"results": [{"candidates": [...]}]}``);
- ``GET|POST /reconcile`` with ``extend={"ids": [...], "properties": [...]}``
  and ``GET /reconcile/propose_properties?type=…``: data extension [Data Extension];
- ``GET /reconcile/preview?id=…``: an HTML card [Preview Service];
- ``GET /reconcile/suggest/{entity,type,property}?prefix=…`` and
  ``/reconcile/flyout/{entity,type,property}?id=…`` [Suggest Services].

The views translate HTTP to ``ipkg.reconcile`` (the index, the scoring,
the match decision) and back. A malformed request is a ``ProtocolError``
(400) naming the query and the field; in a batch, only that query fails: it is
answered with an empty result and an ``"error"`` note, the others normally. JSONP (``callback=``, optional in 0.2)
is served only for a callback name that is a plain JavaScript identifier.

The work is split by job, and every name this module had stays importable from here:
``ipkg.reconcile.requests`` turns requests into queries,
``ipkg.reconcile.documents`` builds the manifest, preview, suggest,
flyout and data extension payloads; this module holds the routes, the
HTTP helpers and the index of the current snapshot.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from flask import Blueprint, Response, current_app, request

from ipkg.errors import NotFound, ProtocolError, ResponseTooLarge
from ipkg.reconcile import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Entity,
    Index,
    ReconciliationQuery,
    Scored,
    candidate_json,
    normalize,
    reconcile,
)
from ipkg.reconcile.documents import (
    PREVIEW_SIZE,
    SERVICE_NAME,
    VERSIONS,
    entity_flyout,
    entity_suggestions,
    extend,
    manifest,
    preview_html,
    property_proposals,
    term_flyout,
    term_suggestions,
)
from ipkg.reconcile.requests import (
    BATCH_SIZE,
    CONDITION_FIELDS,
    DRAFT_FIELDS,
    MAX_BATCH,
    QUERY_FIELDS,
    QueryProblem,
    make_condition,
    parse_batch,
    parse_draft_batch,
    parse_draft_query,
    parse_json,
    parse_limit,
    parse_query,
    resolve_id,
    resolve_property,
    resolve_type,
)
from ipkg.serve.state import public_root, state
from ipkg.sparql.deadline import check_deadline, deadline

__all__ = [
    "BATCH_SIZE",
    "CALLBACK",
    "CONDITION_FIELDS",
    "DRAFT_FIELDS",
    "MAX_BATCH",
    "MAX_CALLBACK",
    "PREVIEW_SIZE",
    "QUERY_FIELDS",
    "SERVICE_NAME",
    "QueryProblem",
    "VERSIONS",
    "IndexCache",
    "bp",
    "endpoint",
    "extend",
    "flyout",
    "index",
    "make_condition",
    "manifest",
    "match",
    "parse_batch",
    "parse_draft_batch",
    "parse_draft_query",
    "parse_json",
    "parse_limit",
    "parse_query",
    "preview",
    "propose_properties",
    "resolve_id",
    "resolve_property",
    "resolve_type",
    "suggest_entity",
    "suggest_property",
    "suggest_type",
]

bp = Blueprint("reconcile", __name__)

CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]*")
MAX_CALLBACK = 128


# --------------------------------------------------------------------------- the index of the current snapshot


class IndexCache:
    """One index per published snapshot: rebuilt (once, under a lock) after a committed change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = -1
        self._index: Index | None = None

    def get(self) -> Index:
        store = state().store
        with self._lock:
            if self._index is None or self._generation != store.generation:
                snapshot = store.snapshot()
                self._index = Index.build(snapshot)
                self._generation = snapshot.generation
            return self._index


def index() -> Index:
    cache = current_app.extensions.setdefault("ipkg.reconcile", IndexCache())
    assert isinstance(cache, IndexCache)
    return cache.get()


# --------------------------------------------------------------------------- HTTP


def _param(name: str) -> str | None:
    """A parameter from the query string or the form; given twice is an error."""
    given = request.args.getlist(name) + (request.form.getlist(name) if request.method == "POST" else [])
    if len(given) > 1:
        raise ProtocolError(f"parameter {name!r} given {len(given)} times; give it once")
    return given[0] if given else None


def _reply(payload: Any) -> Response:
    """JSON, or JSONP when ``callback=`` names a plain JavaScript identifier (0.2 §CORS and JSONP)."""
    body = json.dumps(payload, ensure_ascii=False)
    limit = state().settings.max_response_bytes
    if len(body) > limit:  # characters; at least as many bytes
        raise ResponseTooLarge(
            f"the answer would be more than {limit} bytes (max_response_bytes); "
            "send fewer queries or ids per request, or ask for fewer candidates or properties"
        )
    callback = _param("callback")
    if callback is None:
        return Response(body + "\n", content_type="application/json; charset=utf-8")
    if len(callback) > MAX_CALLBACK or not CALLBACK.fullmatch(callback):
        raise ProtocolError(
            f"parameter 'callback': {callback[:40]!r} is not a JavaScript identifier "
            "(letters, digits, '_', '$' and '.', not starting with a digit)"
        )
    response = Response(f"/**/{callback}({body});\n", content_type="application/javascript; charset=utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/reconcile", methods=["GET", "POST"])
def endpoint() -> Response:
    """Manifest, reconciliation queries (0.2 batch, single query, 1.0-draft JSON body) or data extension."""
    idx = index()
    body = _json_body()
    given = {name: _param(name) for name in ("queries", "query", "extend")}
    present = [name for name, value in given.items() if value is not None]
    if body is not None:
        present.append("JSON body")
    if len(present) > 1:
        raise ProtocolError(f"give one of 'queries', 'query', 'extend' or a JSON body, not {' and '.join(present)}")
    if body is not None:
        if isinstance(body, dict) and isinstance(body.get("queries"), list):
            return _draft_results(idx, parse_draft_batch(body, idx))
        if isinstance(body, dict) and isinstance(body.get("queries"), str | dict) and len(body) == 1:
            inner = body["queries"]
            body = parse_json(inner, "queries") if isinstance(inner, str) else inner
        return _results(idx, parse_batch(body, idx))
    if given["queries"] is not None:
        return _results(idx, parse_batch(parse_json(given["queries"], "queries"), idx))
    if given["query"] is not None:
        text = given["query"]
        single = parse_json(text, "query") if text.lstrip().startswith("{") else text
        query = parse_query("query", single, idx)
        return _reply({"result": [candidate_json(idx, c) for c in _run(idx, [query])[0]]})
    if given["extend"] is not None:
        settings = state().settings
        query = parse_json(given["extend"], "extend")
        return _reply(extend(idx, query, timeout=settings.query_timeout, max_ids=settings.max_extend_ids))
    return _reply(manifest(idx, public_root().rstrip("/")))


@bp.route("/reconcile/match", methods=["POST"])
def match() -> Response:
    """The 1.0-draft route: a JSON body ``{"queries": [...]}``."""
    idx = index()
    body = _json_body()
    if body is None:
        raise ProtocolError('POST /reconcile/match takes a JSON body {"queries": [{"conditions": [...]}]}')
    return _draft_results(idx, parse_draft_batch(body, idx))


def _json_body() -> Any:
    if request.method != "POST" or request.mimetype != "application/json":
        return None
    try:
        text = request.get_data().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"the request body is not valid UTF-8 (byte {exc.start})") from None
    return parse_json(text, "request body")


def _run(idx: Index, queries: list[ReconciliationQuery]) -> list[list[Scored]]:
    answers = []
    with deadline(state().settings.query_timeout):
        for query in queries:
            check_deadline()
            answers.append(reconcile(idx, query))
    return answers


def _answers(idx: Index, batch: list[ReconciliationQuery | QueryProblem]) -> list[tuple[str, list[Any], str | None]]:
    """(key, candidates as JSON, error note) per query of a batch; a malformed query gets no candidates."""
    good = [q for q in batch if isinstance(q, ReconciliationQuery)]
    found = dict(zip((q.key for q in good), _run(idx, good), strict=True))
    return [
        (q.key, [candidate_json(idx, c) for c in found[q.key]], None)
        if isinstance(q, ReconciliationQuery)
        else (q.key, [], q.message)
        for q in batch
    ]


def _results(idx: Index, batch: list[ReconciliationQuery | QueryProblem]) -> Response:
    """0.2 results: ``{"q0": {"result": [...]}}``, with ``"error"`` beside an empty result for a bad query."""
    return _reply(
        {key: {"result": result, **({"error": note} if note else {})} for key, result, note in _answers(idx, batch)}
    )


def _draft_results(idx: Index, batch: list[ReconciliationQuery | QueryProblem]) -> Response:
    return _reply(
        {
            "results": [
                {"candidates": result, **({"error": note} if note else {})} for _, result, note in _answers(idx, batch)
            ]
        }
    )


# --------------------------------------------------------------------------- preview, suggest, flyout


def _entity(idx: Index) -> Entity:
    given = request.args.get("id", "").strip()
    if not given:
        raise ProtocolError("parameter 'id' is required, e.g. ?id=belarus")
    entity = idx.lookup(given)
    if entity is None:
        raise NotFound(f"no entity {given!r} in the knowledge graph (ids are slugs such as 'belarus')")
    return entity


@bp.route("/reconcile/preview")
def preview() -> Response:
    """A small HTML card for an entity, to show in an iframe of ``PREVIEW_SIZE``."""
    idx = index()
    root = public_root().rstrip("/")
    response = Response(preview_html(idx, _entity(idx), root), content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _page(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The slice asked for with ``limit`` and ``cursor`` (0.2) or ``offset`` (1.0-draft)."""
    start_given = request.args.get("cursor", request.args.get("offset", "0"))
    limit_given = request.args.get("limit", str(DEFAULT_LIMIT))
    try:
        start, limit = int(start_given), int(limit_given)
    except ValueError:
        raise ProtocolError("parameters 'cursor'/'offset' and 'limit' must be integers") from None
    if start < 0 or limit < 1:
        raise ProtocolError("'cursor'/'offset' must be 0 or more and 'limit' 1 or more")
    return items[start : start + min(limit, MAX_LIMIT)]


def _prefix() -> str:
    prefix = request.args.get("prefix")
    if prefix is None:
        raise ProtocolError("parameter 'prefix' is required (the text typed so far; may be empty)")
    return normalize(prefix)


@bp.route("/reconcile/suggest/entity")
def suggest_entity() -> Response:
    idx = index()
    prefix = _prefix()
    types = [resolve_type(t, idx, "parameter 'type'") for t in request.args.getlist("type")]
    return _reply({"result": _page(entity_suggestions(idx, prefix, types))})


@bp.route("/reconcile/suggest/type")
def suggest_type() -> Response:
    idx = index()
    return _reply({"result": _page(term_suggestions(idx, idx.classes, _prefix(), True))})


@bp.route("/reconcile/suggest/property")
def suggest_property() -> Response:
    idx = index()
    return _reply({"result": _page(term_suggestions(idx, idx.properties, _prefix(), False))})


@bp.route("/reconcile/flyout/<kind>")
def flyout(kind: str) -> Response:
    """0.2 flyout: ``{"id": …, "html": …}``, a line or two shown beside a suggestion."""
    idx = index()
    if kind == "entity":
        return _reply(entity_flyout(idx, _entity(idx)))
    terms = {"type": idx.classes, "property": idx.properties}.get(kind)
    if terms is None:
        raise NotFound(f"no flyout service {kind!r}; there are entity, type and property")
    given = request.args.get("id", "")
    iri = resolve_id(given, "parameter 'id'")
    if iri not in terms:
        raise NotFound(f"no {kind} {given!r} in the ontology")
    return _reply(term_flyout(terms[iri]))


# --------------------------------------------------------------------------- data extension


@bp.route("/reconcile/propose_properties")
def propose_properties() -> Response:
    """Properties the entities of ``type`` have, most used first (0.2 Data Extension, property proposals)."""
    idx = index()
    given = request.args.get("type")
    if not given:
        raise ProtocolError("parameter 'type' is required, e.g. ?type=State")
    cls_iri = resolve_type(given, idx, "parameter 'type'")
    return _reply(property_proposals(idx, given, cls_iri, _limit_param()))


def _limit_param() -> int:
    given = request.args.get("limit", str(DEFAULT_LIMIT))
    try:
        return max(1, min(int(given), MAX_LIMIT))
    except ValueError:
        raise ProtocolError(f"parameter 'limit': {given!r} is not an integer") from None
