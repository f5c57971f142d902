"""Building RDF responses: one function for every view that answers with a graph."""

from __future__ import annotations

from flask import Response
from rdflib import Graph

from ipkg.export import serialize_graph
from ipkg.protocol.negotiation import Choice
from ipkg.serve.state import context_url


def rdf_response(graph: Graph, choice: Choice, *, status: int = 200) -> Response:
    """``graph`` in the negotiated format; JSON-LD refers to this server's context; varies on Accept."""
    body = serialize_graph(graph, choice.serializer, context_url=context_url())
    response = Response(body, status=status, content_type=choice.content_type)
    response.headers["Vary"] = "Accept"
    return response
