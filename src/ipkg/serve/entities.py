"""Entity pages: every resource IRI of the graph dereferences at the endpoint.

``/id/<slug>`` answers for ``https://w3id.org/ipkg/id/<slug>`` (sources and
sentences included: ``/id/source/…``), ``/ontology`` for the ontology and its
terms (``…/ontology#Term``; the fragment never reaches the server, so the
page has one anchor per term). Both negotiate like the rest of the endpoint
(``Accept`` or ``format=``): Turtle, JSON-LD, N-Triples, RDF/XML, TriG,
N-Quads, or HTML for a browser.

A resource's description is every triple with the resource as subject, in
any graph of the dataset, plus the incoming triples (resource as object), plus
the blank nodes its values lead to. A triple is *inferred* when the
``…/graph/inferred`` graph is the only one holding it. The quad formats keep
the named graphs, so they show the same split as the HTML page.

This module holds the routes and the content negotiation; the data is read in
``entity_data``, and the HTML pages are built in ``entity_page`` and
``ontology_page`` (with ``page_terms`` for how a node is shown).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Blueprint, Response, render_template, request
from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from ipkg import jsonld
from ipkg.errors import NotFound
from ipkg.namespaces import GRAPH_ONTOLOGY, IPKG
from ipkg.protocol.negotiation import GRAPH_TYPES, Choice, negotiate, prefers_html
from ipkg.serve.entity_data import Description
from ipkg.serve.entity_page import EntityPage
from ipkg.serve.ontology_page import OntologyPage
from ipkg.serve.responses import rdf_response
from ipkg.serve.state import context_url, state

__all__ = ["bp", "entity", "ontology"]

bp = Blueprint("entities", __name__, template_folder="templates")

HTML_FORMATS = frozenset({"html", "text/html"})
"""``format=`` values that ask for the HTML page."""

_UCSCHAR = "".join(
    f"\\U{low:08x}-\\U{high:08x}"
    for low, high in [(0xA0, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFEF), (0xE1000, 0xEFFFD)]
    + [(plane * 0x10000, plane * 0x10000 + 0xFFFD) for plane in range(1, 14)]
)
SLUG = re.compile(rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/{_UCSCHAR}]|%[0-9A-Fa-f]{{2}})*")
"""An IRI path (RFC 3987 ``ipath``: no controls, spaces, <>"{}|^`\\, private-use or non-characters): any
other slug names no resource, and is never handed to a store (Oxigraph refuses such IRIs outright)."""


# --------------------------------------------------------------------------- routes


@bp.route("/id/<path:slug>")
def entity(slug: str) -> Response:
    """The description of ``https://w3id.org/ipkg/id/<slug>``.

    Raises:
        NotFound: no triple of the dataset mentions the resource.
    """
    if not SLUG.fullmatch(slug):
        raise NotFound(f"no resource {str(IPKG)}{slug} in the knowledge graph (not a valid IRI)")
    iri = URIRef(str(IPKG) + slug)
    description = Description(state().store.snapshot(), iri)
    if not description.outgoing and not description.incoming:
        raise NotFound(f"no resource <{iri}> in the knowledge graph; browse from the query page at /")
    choice = _choose()
    if choice is None:
        return _html(render_template("entity.html", page=EntityPage(description)))
    return _rdf(description.quads(), choice, frame=iri if _wants_frame() else None)


@bp.route("/ontology")
def ontology() -> Response:
    """The ontology graph: an HTML listing of its classes and properties, or RDF."""
    snapshot = state().store.snapshot()
    graph = Graph()
    for s, p, o, _ in snapshot.quads(graph=GRAPH_ONTOLOGY):
        graph.add((s, p, o))
    choice = _choose()
    if choice is None:
        return _html(render_template("ontology.html", page=OntologyPage(snapshot, graph)))
    return _rdf(((s, p, o, GRAPH_ONTOLOGY) for s, p, o in graph), choice)


# --------------------------------------------------------------------------- negotiation


def _choose() -> Choice | None:
    """The RDF representation asked for, or None for HTML.

    Raises:
        NotAcceptable / BadFormatParameter: through the error table.
    """
    formats = [v for v in request.args.getlist("format") if v]
    accept = request.headers.get("Accept")
    if formats:
        if formats[0].strip().lower() in HTML_FORMATS:
            return None
        return negotiate(GRAPH_TYPES, accept, formats)
    if prefers_html(accept):
        return None
    return negotiate(GRAPH_TYPES, accept)


def _html(body: str) -> Response:
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


def _wants_frame() -> bool:
    """``frame=true``: JSON-LD framed on the entity (one tree) instead of a flat ``@graph``."""
    return request.args.get("frame", "").strip().lower() in ("1", "true", "yes")


def _rdf(quads: Iterable[tuple[Node, Node, Node, URIRef]], choice: Choice, *, frame: URIRef | None = None) -> Response:
    """Serialise quads: quad formats keep the graphs, triple formats merge them (a fresh graph).

    With ``frame`` and JSON-LD, the entity is the root of a framed tree; its
    incoming links, which a frame rooted at the entity cannot hold, are left out.
    """
    target: Graph
    if choice.serializer in ("trig", "nquads"):
        dataset = Dataset()
        for s, p, o, g in quads:
            dataset.graph(g).add((s, p, o))
        target = dataset
    else:
        target = Graph()
        for s, p, o, _ in quads:
            target.add((s, p, o))
    if frame is None or choice.serializer != "jsonld":
        return rdf_response(target, choice)
    body = jsonld.dumps(jsonld.compact(target, frame_id=str(frame), context_url=context_url()))
    response = Response(body, content_type=choice.content_type)
    response.headers["Vary"] = "Accept"
    return response
