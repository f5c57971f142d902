"""The /sparql endpoint: SPARQL 1.1 query and update over HTTP (Protocol §2), and the VoID description.

The view only translates: ``protocol.parse_request`` reads the request,
``negotiation.negotiate`` picks the representation, the store evaluates. GET
without a query answers with the service description (or the query UI for a
browser). VoID lives here too because it describes this endpoint's dataset
and shares the description's statistics cache.
"""

from __future__ import annotations

import hmac
import logging
import time

from flask import Blueprint, Response, current_app, request

from ipkg.errors import Forbidden, QueryTimeout, Unauthorized
from ipkg.hints import HEADER as WARNING_HEADER
from ipkg.hints import Vocabulary, VocabularyCache, header_value, query_warnings
from ipkg.protocol.negotiation import GRAPH_TYPES, RESULT_TYPES, negotiate, prefers_html, prefers_json
from ipkg.protocol.requests import NoOperation, QueryRequest, UpdateRequest, parse_request
from ipkg.serve.description import service_description, void_description
from ipkg.serve.responses import rdf_response
from ipkg.serve.state import public_root, public_url, state
from ipkg.sparql.prepare import PreparedQuery, prepare_query, prepare_update

log = logging.getLogger("ipkg.serve")
bp = Blueprint("sparql", __name__)


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """Query (GET, POST form, POST sparql-query) or update (POST form, POST sparql-update)."""
    app_state = state()
    operation = parse_request(
        request.method,
        list(request.args.items(multi=True)),
        request.headers.get("Content-Type"),
        request.get_data(cache=True),
        max_timeout=app_state.settings.query_timeout,
        max_query_bytes=app_state.settings.max_query_bytes,
    )
    if isinstance(operation, NoOperation):
        return describe_service(operation.formats)
    if isinstance(operation, UpdateRequest):
        return run_update(operation)
    return run_query(operation)


def run_query(operation: QueryRequest) -> Response:
    """Negotiate first (406 before any work), then evaluate within the limits, then serialise."""
    app_state = state()
    settings = app_state.settings
    request.environ["ipkg.query"] = operation.query
    started = time.monotonic()
    limit = operation.timeout or settings.query_timeout
    try:
        prepared = prepare_query(operation.query, public_url("sparql"), wait=limit)
    except QueryTimeout:
        raise QueryTimeout(limit) from None
    offered = GRAPH_TYPES if prepared.returns_graph else RESULT_TYPES
    choice = negotiate(offered, request.headers.get("Accept"), operation.formats)
    timeout = max(0.05, limit - (time.monotonic() - started))  # parsing (and waiting to parse) counts too
    rows, base = settings.max_result_rows, public_url("sparql")
    try:
        if prepared.returns_graph:
            result = app_state.store.query(
                prepared, dataset=operation.dataset, timeout=timeout, max_rows=rows, base=base
            )
            assert result.graph is not None
            return warn(rdf_response(result.graph, choice), prepared, operation)
        body = app_state.store.answer(
            prepared,
            results_format=choice.serializer,
            dataset=operation.dataset,
            timeout=timeout,
            max_rows=rows,
            base=base,
        )
    except QueryTimeout:
        raise QueryTimeout(limit) from None
    response = Response(body, content_type=choice.content_type)
    response.headers["Vary"] = "Accept"
    return warn(response, prepared, operation)


def warn(response: Response, prepared: PreparedQuery, operation: QueryRequest) -> Response:
    """Add the ``Ipkg-Warning`` header when the query names unknown ipkg IRIs or leaves out what it asks for."""
    cache = current_app.extensions.setdefault("ipkg.hints", VocabularyCache())
    vocabulary = Vocabulary.of(state().store.snapshot(), cache)
    dataset = operation.dataset
    explicit = dataset.explicit or bool(prepared.default_graphs or prepared.named_graphs)
    warnings = query_warnings(prepared, vocabulary, infer=dataset.infer, explicit=explicit)
    if warnings:
        response.headers[WARNING_HEADER] = header_value(warnings)
    return response


def run_update(operation: UpdateRequest) -> Response:
    """Authorise, then apply the update as one transaction."""
    app_state = state()
    authorize_write()
    request.environ["ipkg.write"] = True
    request.environ["ipkg.query"] = operation.update
    base = public_url("sparql")
    prepared = prepare_update(operation.update, base)
    with app_state.writes.admit():  # 503 at once when writes are queued (max_pending_writes)
        outcome = app_state.store.update(
            prepared,
            base=base,
            timeout=operation.timeout or app_state.settings.query_timeout,
            using_graphs=operation.using_graphs,
            using_named_graphs=operation.using_named_graphs,
        )
    if prefers_json(request.headers.get("Accept")):
        import json

        payload = {
            "status": "committed",
            "added": outcome.added,
            "removed": outcome.removed,
            "generation": outcome.generation,
        }
        return Response(json.dumps(payload) + "\n", content_type="application/json; charset=utf-8")
    return Response(outcome.summary() + "\n", content_type="text/plain; charset=utf-8")


def authorize_write() -> None:
    """Writes need a configured token and ``Authorization: Bearer <token>`` (constant-time compare).

    Raises:
        Forbidden: writes are disabled, or the token is wrong.
        Unauthorized: no bearer token was sent.
    """
    expected = state().settings.update_token
    if not expected:
        raise Forbidden(
            "updates are disabled on this server: start it with an update token "
            "(IPKG_UPDATE_TOKEN or 'ipkg serve --update-token')"
        )
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("this operation needs 'Authorization: Bearer <token>'")
    if not hmac.compare_digest(token.strip().encode("utf-8"), expected.encode("utf-8")):
        raise Forbidden("the bearer token is not valid")


def describe_service(formats: tuple[str, ...]) -> Response:
    """The service description in RDF, or the query UI for a browser."""
    if not formats and prefers_html(request.headers.get("Accept")):
        from ipkg.serve.ui import render_ui

        return render_ui()
    app_state = state()
    choice = negotiate(GRAPH_TYPES, request.headers.get("Accept"), formats)
    graph = service_description(
        public_url("sparql"),
        app_state.store,
        app_state.statistics,
        update_enabled=bool(app_state.settings.update_token),
        federation=bool(app_state.settings.service_allowlist),
    )
    return rdf_response(graph, choice)


@bp.route("/.well-known/void", methods=["GET"])
@bp.route("/void", methods=["GET"])
def void() -> Response:
    """The VoID description (RFC 8615 well-known location, and a short alias), by negotiation.

    Statistics come from the same per-generation cache as the service
    description, so they follow committed updates without recounting on every
    request.
    """
    app_state = state()
    choice = negotiate(GRAPH_TYPES, request.headers.get("Accept"), request.args.getlist("format"))
    graph = void_description(public_root(), app_state.store, app_state.statistics)
    return rdf_response(graph, choice)
