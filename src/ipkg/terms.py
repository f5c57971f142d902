"""RDF terms between rdflib (the pipeline, the views) and pyoxigraph (the embedded engine).

RDF 1.1 makes ``"a"`` and ``"a"^^xsd:string`` the same term; rdflib keeps them
apart, so a literal typed ``xsd:string`` comes back as rdflib's plain literal,
which is how the Turtle parser reads ``"a"``. Lexical forms are kept as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
Quad = tuple[Node, Node, Node, URIRef]


def to_ox(term: Node) -> OxTerm:
    """An rdflib term as a pyoxigraph term.

    Raises:
        ValueError: the term is not an IRI, blank node or literal (e.g. a variable).
    """
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise ValueError(f"not an RDF term: {term!r}")


def from_ox(term: OxTerm | ox.Triple | ox.DefaultGraph) -> Node:
    """A pyoxigraph term as an rdflib term.

    Raises:
        ValueError: an RDF-star triple term, or the default graph (ipkg uses neither).
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value) if datatype == XSD_STRING else Literal(term.value, datatype=URIRef(datatype))
    raise ValueError(f"not an RDF 1.1 term: {term!r}")


def quad_to_ox(s: Node, p: Node, o: Node, graph: URIRef) -> ox.Quad:
    """One quad of a named graph as a pyoxigraph quad."""
    return ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.NamedNode(str(graph)))  # type: ignore[arg-type]


def quads_from_ox(quads: Iterable[ox.Quad]) -> Iterator[Quad]:
    """Quads of named graphs as rdflib terms (quads of the default graph are skipped: ipkg keeps none)."""
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            yield from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object), URIRef(quad.graph_name.value)


def nt(term: OxTerm) -> str:
    """A term in N-Triples / SPARQL syntax (pyoxigraph's ``str`` writes exactly that)."""
    return str(term)
