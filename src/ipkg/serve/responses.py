"""Building RDF responses: one function for every view that answers with a graph."""

from __future__ import annotations

from flask import Response, request
from rdflib import Graph

from ipkg.errors import ProtocolError
from ipkg.export import CONTEXT_FORMS, serialize_graph
from ipkg.protocol.negotiation import Choice
from ipkg.serve.state import context_url


def rdf_response(graph: Graph, choice: Choice, *, status: int = 200) -> Response:
    """``graph`` in the negotiated format; varies on Accept.

    JSON-LD carries ipkg's context inline, so a client that fetches no remote
    document can read it; ``?context=remote`` refers to this server's
    ``/context.jsonld`` instead (a smaller answer).

    Raises:
        ProtocolError: ``context`` is neither ``embed`` nor ``remote``.
    """
    form = request.args.get("context", "embed")
    if form not in CONTEXT_FORMS:
        raise ProtocolError(f"parameter 'context': {form!r} is not one of {', '.join(CONTEXT_FORMS)}")
    body = serialize_graph(graph, choice.serializer, context_url=context_url(), context=form)
    response = Response(body, status=status, content_type=choice.content_type)
    response.headers["Vary"] = "Accept"
    return response
