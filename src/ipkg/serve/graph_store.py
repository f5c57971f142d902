"""SPARQL 1.1 Graph Store HTTP Protocol (W3C REC 2013), indirect graph identification.

``/graph-store?graph=<iri>`` or ``/graph-store?default``. GET and HEAD are
open; PUT, POST and DELETE need the update token and go through the same
transaction as SPARQL Update (validate, re-reason, commit or change nothing).
Writing to the default graph writes the facts graph. ``/graph/<name>`` reads
ipkg's own named graphs by their IRI path.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from rdflib import Graph, URIRef

from ipkg.build.load import is_valid_iri, parse_text
from ipkg.errors import Forbidden, NotFound, ProtocolError, UnsupportedMediaType
from ipkg.namespaces import GRAPH_BASE, GRAPH_INFERRED
from ipkg.protocol.negotiation import GRAPH_TYPES, negotiate
from ipkg.serve.responses import rdf_response
from ipkg.serve.sparql import authorize_write
from ipkg.serve.state import public_url, state
from ipkg.sparql.deadline import deadline

bp = Blueprint("graph_store", __name__)

BODY_FORMATS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}
"""Request body media types accepted by PUT and POST."""


@bp.route("/graph-store", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def graph_store() -> Response:
    """One handler per GSP method (§5.2–5.6)."""
    iri = _target()
    if request.method in ("GET", "HEAD"):
        return read(iri)
    authorize_write()
    request.environ["ipkg.write"] = True
    if iri == GRAPH_INFERRED:
        raise Forbidden(f"<{GRAPH_INFERRED}> is computed by the reasoner and cannot be written")
    app_state = state()
    store = app_state.store
    existed = store.read_graph(iri) is not None
    if request.method == "DELETE":
        if not existed:
            raise NotFound(f"graph <{iri or 'default'}> does not exist")
        with app_state.writes.admit():
            store.write_graph(iri, None, merge=False)
        return Response(status=204)
    graph = _body_graph()
    with app_state.writes.admit():  # 503 at once when writes are queued (max_pending_writes)
        store.write_graph(iri, graph, merge=request.method == "POST")
    return Response(status=201 if not existed and iri is not None else 204)


@bp.route("/graph/<path:name>", methods=["GET", "HEAD"])
def named_graph(name: str) -> Response:
    """ipkg's named graphs at their own IRIs (``…/graph/facts``)."""
    return read(URIRef(GRAPH_BASE + name))


def read(iri: URIRef | None) -> Response:
    """GET: the graph in the negotiated RDF format, 404 if it does not exist."""
    choice = negotiate(GRAPH_TYPES, request.headers.get("Accept"), request.args.getlist("format"))
    graph = state().store.read_graph(iri)
    if graph is None:
        raise NotFound(f"graph <{iri}> does not exist (see the service description for the graphs served)")
    return rdf_response(graph, choice)


def _target() -> URIRef | None:
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if default and graphs or len(graphs) > 1:
        raise ProtocolError("give exactly one of 'graph=<iri>' or 'default'")
    if graphs:
        if not is_valid_iri(graphs[0]):
            raise ProtocolError(
                f"parameter 'graph': {graphs[0]!r} is not an absolute IRI (a scheme, no spaces or <>\"{{}}|^`\\)"
            )
        return URIRef(graphs[0])
    if default:
        return None
    raise ProtocolError("missing parameter: 'graph=<iri>' or 'default' (Graph Store Protocol §4.2)")


def _body_graph() -> Graph:
    media = (request.mimetype or "").lower()
    fmt = BODY_FORMATS.get(media)
    if fmt is None:
        raise UnsupportedMediaType(
            f"Content-Type {media or '(none)'!r} is not an accepted RDF type; use one of {', '.join(BODY_FORMATS)}"
        )
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8", "us-ascii"):
        raise UnsupportedMediaType(f"charset {charset!r} is not supported; send UTF-8")
    try:
        text = request.get_data().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"the body is not valid UTF-8 (byte {exc.start})") from exc
    with deadline(state().settings.query_timeout):  # parsing is bounded like a query
        return parse_text(text, fmt, source="request body", base=public_url("graph-store"))
