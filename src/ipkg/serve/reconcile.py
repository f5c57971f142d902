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

The views translate HTTP to ``ipkg.reconciliation`` (the index, the scoring,
the match decision) and back. A malformed request is a ``ProtocolError``
(400) naming the query and the field. JSONP (``callback=``, optional in 0.2)
is served only for a callback name that is a plain JavaScript identifier.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import defaultdict
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, request
from markupsafe import escape
from rdflib import URIRef

from ipkg import __version__
from ipkg.deadline import deadline
from ipkg.errors import NotFound
from ipkg.namespaces import IPKGO
from ipkg.reconciliation import (
    DEFAULT_LIMIT,
    DEFAULT_TYPES,
    IDENTIFIER_SPACE,
    MAX_LIMIT,
    SCHEMA_SPACE,
    Condition,
    Entity,
    Index,
    Query,
    Scored,
    Term,
    candidate_json,
    extension_cells,
    normalize,
    reconcile,
    resolve,
    short_id,
    suggest_rank,
)
from ipkg.serve.protocol import ProtocolError
from ipkg.serve.state import state

bp = Blueprint("reconcile", __name__)

VERSIONS = ("0.2",)
"""API versions the manifest declares (the manifest, results and sub-services follow 0.2)."""
SERVICE_NAME = "ipkg"
BATCH_SIZE = 50
"""Announced as ``batch_size``; a batch of more than ``MAX_BATCH`` queries is refused."""
MAX_BATCH = 500
PREVIEW_SIZE = (400, 140)
CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]*")
MAX_CALLBACK = 128
QUERY_FIELDS = frozenset({"query", "type", "limit", "properties", "type_strict"})
DRAFT_FIELDS = frozenset({"type", "limit", "conditions", "lang", "dir"})
CONDITION_FIELDS = frozenset(
    {"matchType", "propertyId", "propertyValue", "required", "matchQuantifier", "matchQualifier", "lang", "dir"}
)


# --------------------------------------------------------------------------- the index of the current snapshot


class IndexCache:
    """One index per published snapshot: rebuilt (once, under a lock) after a committed change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._source: object | None = None
        self._index: Index | None = None

    def get(self) -> Index:
        kg = state().store.knowledge_graph
        with self._lock:
            if self._index is None or self._source is not kg:
                self._index = Index.build(kg.dataset)
                self._source = kg
            return self._index


def index() -> Index:
    cache = current_app.extensions.setdefault("ipkg.reconcile", IndexCache())
    assert isinstance(cache, IndexCache)
    return cache.get()


# --------------------------------------------------------------------------- parsing queries


def parse_json(text: str, parameter: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ProtocolError(f"parameter {parameter!r} is not valid JSON: {exc}") from None
    except RecursionError:
        raise ProtocolError(f"parameter {parameter!r} is nested too deeply") from None


def parse_batch(batch: Any, idx: Index) -> list[Query]:
    """A 0.2 batch ``{"q0": {...}, ...}``.

    Raises:
        ProtocolError: not an object of query objects, or a query is malformed (the message names it).
    """
    if not isinstance(batch, dict) or not batch:
        raise ProtocolError('parameter \'queries\' must be a JSON object of queries, e.g. {"q0": {"query": "Belarus"}}')
    if len(batch) > MAX_BATCH:
        raise ProtocolError(f"{len(batch)} queries in one batch; send at most {MAX_BATCH} (batch_size: {BATCH_SIZE})")
    return [parse_query(str(key), value, idx) for key, value in batch.items()]


def parse_query(key: str, given: Any, idx: Index) -> Query:
    """One 0.2 query object (or a bare string, as version 0.1 allowed for ``query=``)."""
    where = f"query {key!r}"
    if isinstance(given, str):
        given = {"query": given}
    if not isinstance(given, dict):
        raise ProtocolError(f"{where} must be a JSON object with a 'query' string")
    unknown = sorted(set(given) - QUERY_FIELDS)
    if unknown:
        raise ProtocolError(f"{where}: unknown field {unknown[0]!r} (allowed: {', '.join(sorted(QUERY_FIELDS))})")
    text = given.get("query")
    if text is not None and not isinstance(text, str):
        raise ProtocolError(f"{where}: 'query' must be a string")
    text = text.strip() if text and text.strip() else None
    raw_types = given.get("type") or []
    raw_types = [raw_types] if isinstance(raw_types, str) else raw_types
    if not isinstance(raw_types, list) or not all(isinstance(t, str) for t in raw_types):
        raise ProtocolError(f"{where}: 'type' must be a type id or a list of them")
    strict = given.get("type_strict", "any")
    if strict not in ("any", "should", "all"):
        raise ProtocolError(f"{where}: 'type_strict' must be 'any', 'should' or 'all', not {strict!r}")
    properties = given.get("properties", [])
    if not isinstance(properties, list):
        raise ProtocolError(f'{where}: \'properties\' must be a list of {{"pid": …, "v": …}}')
    conditions = []
    for number, prop in enumerate(properties):
        if not isinstance(prop, dict) or not isinstance(prop.get("pid"), str) or "v" not in prop:
            raise ProtocolError(f'{where}: properties[{number}] must be {{"pid": "<property id>", "v": <value>}}')
        conditions.append(make_condition(f"{where}: properties[{number}]", prop["pid"], prop["v"], idx))
    if text is None and not conditions:
        raise ProtocolError(f"{where} has neither a 'query' string nor 'properties'")
    return Query(
        key,
        text,
        tuple(resolve_type(t, idx, where) for t in raw_types),
        strict,
        parse_limit(given.get("limit"), where),
        tuple(conditions),
    )


def parse_draft_batch(batch: Any, idx: Index) -> list[Query]:
    """A 1.0-draft batch ``{"queries": [{"conditions": [...], "type": …, "limit": …}]}``."""
    queries = batch.get("queries") if isinstance(batch, dict) else None
    if not isinstance(queries, list) or not queries:
        raise ProtocolError('a 1.0-draft batch is {"queries": [{"conditions": [...]}, ...]} with at least one query')
    if len(queries) > MAX_BATCH:
        raise ProtocolError(f"{len(queries)} queries in one batch; send at most {MAX_BATCH}")
    return [parse_draft_query(number, given, idx) for number, given in enumerate(queries)]


def parse_draft_query(number: int, given: Any, idx: Index) -> Query:
    where = f"queries[{number}]"
    if not isinstance(given, dict):
        raise ProtocolError(f"{where} must be an object")
    unknown = sorted(set(given) - DRAFT_FIELDS)
    if unknown:
        raise ProtocolError(f"{where}: unknown field {unknown[0]!r} (allowed: {', '.join(sorted(DRAFT_FIELDS))})")
    conditions = given.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        raise ProtocolError(f"{where}: 'conditions' must be a non-empty list")
    texts: list[str] = []
    ids: list[str] = []
    props: list[Condition] = []
    for position, cond in enumerate(conditions):
        at = f"{where}.conditions[{position}]"
        if not isinstance(cond, dict) or "propertyValue" not in cond:
            raise ProtocolError(f"{at} must be an object with 'matchType' and 'propertyValue'")
        unknown = sorted(set(cond) - CONDITION_FIELDS)
        if unknown:
            raise ProtocolError(f"{at}: unknown field {unknown[0]!r}")
        kind, value = cond.get("matchType"), cond["propertyValue"]
        values = value if isinstance(value, list) else [value]
        if kind == "name":
            texts.extend(v for v in values if isinstance(v, str) and v.strip())
        elif kind == "id":
            ids.extend(str(v["id"] if isinstance(v, dict) else v) for v in values)
        elif kind == "property" and isinstance(cond.get("propertyId"), str):
            quantifier = cond.get("matchQuantifier", "any")
            if quantifier not in ("any", "all", "none"):
                raise ProtocolError(f"{at}: 'matchQuantifier' must be 'any', 'all' or 'none'")
            base = make_condition(at, cond["propertyId"], value, idx)
            props.append(
                Condition(base.pid, base.predicate, base.values, bool(cond.get("required", False)), quantifier)
            )
        else:
            raise ProtocolError(f"{at}: 'matchType' must be 'name', 'id' or 'property' (with a 'propertyId')")
    if len(texts) > 1:
        raise ProtocolError(f"{where}: give one 'name' condition (got {len(texts)})")
    given_type = given.get("type")
    if given_type is not None and not isinstance(given_type, str):
        raise ProtocolError(f"{where}: 'type' must be one type id")
    types = (resolve_type(given_type, idx, where),) if given_type else ()
    return Query(
        str(number),
        texts[0].strip() if texts else None,
        types,
        "any",
        parse_limit(given.get("limit"), where),
        tuple(props),
        tuple(ids),
    )


def parse_limit(value: Any, where: str) -> int:
    if value is None:
        return DEFAULT_LIMIT
    number_like = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not number_like or value != int(value) or value < 1:
        raise ProtocolError(f"{where}: 'limit' must be a positive integer, not {value!r}")
    return min(int(value), MAX_LIMIT)


def resolve_id(given: str, where: str) -> URIRef:
    """A type or property id as an IRI (see ``reconciliation.resolve``).

    Raises:
        ProtocolError: ``given`` cannot be an identifier.
    """
    iri = resolve(given, SCHEMA_SPACE)
    if iri is None:
        raise ProtocolError(f"{where} {given!r} is not an identifier (a name like 'State', 'ipkgo:State' or an IRI)")
    return iri


def resolve_type(given: str, idx: Index, where: str) -> URIRef:
    iri = resolve_id(given, f"{where}: type")
    if iri not in idx.classes and iri not in idx.used_types and iri not in idx.superclasses:
        raise ProtocolError(f"{where}: unknown type {given!r}; the types are listed at /reconcile/suggest/type")
    return iri


def resolve_property(given: str, idx: Index, where: str) -> URIRef:
    iri = resolve_id(given, f"{where}: property")
    if iri not in idx.properties and not idx.union.has_predicate(iri):
        raise ProtocolError(
            f"{where}: unknown property {given!r}; the properties are listed at /reconcile/suggest/property"
        )
    return iri


def make_condition(where: str, pid: str, value: Any, idx: Index) -> Condition:
    values = value if isinstance(value, list) else [value]
    for v in values:
        if not (isinstance(v, str | int | float | bool) or (isinstance(v, dict) and isinstance(v.get("id"), str))):
            raise ProtocolError(f'{where}: a value must be a string, a number, a boolean or {{"id": …}}')
    return Condition(pid, resolve_property(pid, idx, where), tuple(values))


# --------------------------------------------------------------------------- HTTP


def _root() -> str:
    return request.url_root.rstrip("/")


def _param(name: str) -> str | None:
    """A parameter from the query string or the form; given twice is an error."""
    given = request.args.getlist(name) + (request.form.getlist(name) if request.method == "POST" else [])
    if len(given) > 1:
        raise ProtocolError(f"parameter {name!r} given {len(given)} times; give it once")
    return given[0] if given else None


def _reply(payload: Any) -> Response:
    """JSON, or JSONP when ``callback=`` names a plain JavaScript identifier (0.2 §CORS and JSONP)."""
    body = json.dumps(payload, ensure_ascii=False)
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


def manifest(idx: Index) -> dict[str, Any]:
    """The 0.2 service manifest; URLs are absolute, from the request's own root."""
    root = _root()
    service = root + "/reconcile"

    def suggest(kind: str) -> dict[str, str]:
        return {
            "service_url": service,
            "service_path": f"/suggest/{kind}",
            "flyout_service_path": f"/flyout/{kind}?id=${{id}}",
        }

    width, height = PREVIEW_SIZE
    return {
        "versions": list(VERSIONS),
        "name": SERVICE_NAME,
        "identifierSpace": IDENTIFIER_SPACE,
        "schemaSpace": SCHEMA_SPACE,
        "serviceVersion": __version__,
        "documentation": root + "/",
        "view": {"url": root + "/id/{{id}}"},
        "preview": {"url": service + "/preview?id={{id}}", "width": width, "height": height},
        "defaultTypes": [idx.type_json(IPKGO[name]) for name in DEFAULT_TYPES if IPKGO[name] in idx.classes],
        "suggest": {"entity": suggest("entity"), "type": suggest("type"), "property": suggest("property")},
        "extend": {
            "propose_properties": {"service_url": service, "service_path": "/propose_properties"},
            "property_settings": [
                {
                    "name": "limit",
                    "label": "Limit",
                    "type": "number",
                    "default": 0,
                    "help_text": "Maximum number of values per entity (0: all of them)",
                }
            ],
        },
        "batch_size": BATCH_SIZE,
    }


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
        return _reply(extend(idx, parse_json(given["extend"], "extend")))
    return _reply(manifest(idx))


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


def _run(idx: Index, queries: list[Query]) -> list[list[Scored]]:
    with deadline(state().settings.query_timeout):
        return [reconcile(idx, q) for q in queries]


def _results(idx: Index, queries: list[Query]) -> Response:
    answers = _run(idx, queries)
    return _reply(
        {q.key: {"result": [candidate_json(idx, c) for c in found]} for q, found in zip(queries, answers, strict=True)}
    )


def _draft_results(idx: Index, queries: list[Query]) -> Response:
    answers = _run(idx, queries)
    return _reply({"results": [{"candidates": [candidate_json(idx, c) for c in found]} for found in answers]})


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
    entity = _entity(idx)
    page = f"{_root()}/id/{quote(entity.id, safe='/')}"
    types = ", ".join(idx.type_json(t)["name"] for t in entity.shown_types)
    description = f'<p class="d">{escape(entity.description)}</p>' if entity.description else ""
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(entity.name)}</title>
<style>body{{font:0.9rem/1.35 system-ui,sans-serif;margin:0.5rem;color:#222}}h1{{font-size:1.1rem;margin:0}}
.t{{color:#555;margin:0.15rem 0}}.d{{margin:0.3rem 0}}a{{color:#0645ad}}</style></head>
<body><h1><a href="{escape(page)}" target="_blank" rel="noopener">{escape(entity.name)}</a></h1>
<p class="t">{escape(types)} · <code>{escape(entity.id)}</code></p>{description}</body></html>
"""
    response = Response(html, content_type="text/html; charset=utf-8")
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
    ranked = []
    pool = idx.entities.values() if not prefix else (idx.entities[i] for i in idx.find(prefix))
    for entity in pool:
        rank = suggest_rank(prefix, entity.names, (entity.id,))
        if rank is not None and all(idx.has_type(entity, t) for t in types):
            ranked.append((rank, len(entity.name), entity.name, entity))
    items = []
    for *_, entity in sorted(ranked, key=lambda r: r[:3]):
        item: dict[str, Any] = {"id": entity.id, "name": entity.name}
        if entity.description:
            item["description"] = entity.description
        item["notable"] = [idx.type_json(t) for t in entity.shown_types]
        items.append(item)
    return _reply({"result": _page(items)})


def _suggest_terms(terms: Mapping[URIRef, Term], with_broader: bool) -> Response:
    idx = index()
    prefix = _prefix()
    ranked = []
    for term in terms.values():
        rank = suggest_rank(prefix, (normalize(term.name),), (term.id,))
        if rank is not None:
            ranked.append((rank, term.name, term))
    items = []
    for *_, term in sorted(ranked, key=lambda r: r[:2]):
        item = idx.type_json(term.iri, broader=True) if with_broader else {"id": term.id, "name": term.name}
        if term.description:
            item["description"] = term.description
        items.append(item)
    return _reply({"result": _page(items)})


@bp.route("/reconcile/suggest/type")
def suggest_type() -> Response:
    return _suggest_terms(index().classes, True)


@bp.route("/reconcile/suggest/property")
def suggest_property() -> Response:
    return _suggest_terms(index().properties, False)


@bp.route("/reconcile/flyout/<kind>")
def flyout(kind: str) -> Response:
    """0.2 flyout: ``{"id": …, "html": …}``, a line or two shown beside a suggestion."""
    idx = index()
    if kind == "entity":
        entity = _entity(idx)
        types = ", ".join(idx.type_json(t)["name"] for t in entity.shown_types)
        html = f"<p><strong>{escape(entity.name)}</strong> ({escape(types)})</p>"
        if entity.description:
            html += f"<p>{escape(entity.description)}</p>"
        return _reply({"id": entity.id, "html": html})
    terms = {"type": idx.classes, "property": idx.properties}.get(kind)
    if terms is None:
        raise NotFound(f"no flyout service {kind!r}; there are entity, type and property")
    given = request.args.get("id", "")
    iri = resolve_id(given, "parameter 'id'")
    if iri not in terms:
        raise NotFound(f"no {kind} {given!r} in the ontology")
    term = terms[iri]
    html = f"<p><strong>{escape(term.name)}</strong> <code>{escape(term.id)}</code></p>"
    if term.description:
        html += f"<p>{escape(term.description)}</p>"
    return _reply({"id": term.id, "html": html})


# --------------------------------------------------------------------------- data extension


@bp.route("/reconcile/propose_properties")
def propose_properties() -> Response:
    """Properties the entities of ``type`` have, most used first (0.2 Data Extension, property proposals)."""
    idx = index()
    given = request.args.get("type")
    if not given:
        raise ProtocolError("parameter 'type' is required, e.g. ?type=State")
    cls_iri = resolve_type(given, idx, "parameter 'type'")
    limit = _limit_param()
    counts: dict[URIRef, int] = defaultdict(int)
    for entity in idx.entities.values():
        if idx.has_type(entity, cls_iri):
            for _, p, _ in idx.union.triples((entity.iri, None, None)):
                if isinstance(p, URIRef) and p in idx.properties:
                    counts[p] += 1
    ranked = sorted(counts, key=lambda p: (-counts[p], idx.properties[p].name))[:limit]
    return _reply(
        {
            "type": given,
            "limit": limit,
            "properties": [{"id": idx.properties[p].id, "name": idx.properties[p].name} for p in ranked],
        }
    )


def _limit_param() -> int:
    given = request.args.get("limit", str(DEFAULT_LIMIT))
    try:
        return max(1, min(int(given), MAX_LIMIT))
    except ValueError:
        raise ProtocolError(f"parameter 'limit': {given!r} is not an integer") from None


def extend(idx: Index, query: Any) -> dict[str, Any]:
    """A 0.2 data extension: values of the asked properties for each id.

    Raises:
        ProtocolError: not ``{"ids": [...], "properties": [{"id": …}]}``, or an unknown property.
    """
    if (
        not isinstance(query, dict)
        or not isinstance(query.get("ids"), list)
        or not isinstance(query.get("properties"), list)
        or not all(isinstance(p, dict) and isinstance(p.get("id"), str) for p in query["properties"])
    ):
        raise ProtocolError('parameter \'extend\' must be {"ids": ["belarus"], "properties": [{"id": "country"}]}')
    meta, columns = [], []
    for number, prop in enumerate(query["properties"]):
        predicate = resolve_property(prop["id"], idx, f"extend: properties[{number}]")
        settings = prop.get("settings") or {}
        try:
            if not isinstance(settings, dict):
                raise TypeError("settings must be an object")
            limit = int(settings.get("limit", 0))
        except (TypeError, ValueError, OverflowError):
            raise ProtocolError(f"extend: properties[{number}]: setting 'limit' must be a number") from None
        term = idx.properties.get(predicate)
        meta.append({"id": prop["id"], "name": term.name if term else short_id(predicate)})
        columns.append((prop["id"], predicate, limit))
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with deadline(state().settings.query_timeout):
        for given in query["ids"]:
            entity = idx.lookup(str(given))
            rows[str(given)] = {
                pid: extension_cells(idx, [] if entity is None else idx.union.objects(entity.iri, predicate), limit)
                for pid, predicate, limit in columns
            }
    return {"meta": meta, "rows": rows}
