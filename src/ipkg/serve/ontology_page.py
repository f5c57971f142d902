"""The HTML listing of the ontology: its header, classes and properties, one anchor per term.

Ontology terms are ``…/ontology#Term`` IRIs whose fragment never reaches the
server, so one page lists them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS
from rdflib.term import Node

from ipkg.namespaces import IPKGO
from ipkg.serve.page_terms import ALTERNATES, ONTOLOGY_IRI, Labels, Term, first_literal
from ipkg.store.base import Snapshot
from ipkg.store.union import Union, node_key


@dataclass
class OntologyTerm:
    """A class or property of the ontology, as listed."""

    anchor: str
    curie: str
    label: str
    definition: str | None
    facts: list[tuple[str, list[Term]]] = field(default_factory=list)
    count: int | None = None


class OntologyPage:
    """The ontology's header, classes and properties."""

    KINDS = (
        ("Classes", OWL.Class),
        ("Object properties", OWL.ObjectProperty),
        ("Datatype properties", OWL.DatatypeProperty),
        ("Annotation properties", OWL.AnnotationProperty),
    )
    CLASS_FACTS = (
        ("subclass of", RDFS.subClassOf),
        ("equivalent to", OWL.equivalentClass),
        ("disjoint with", OWL.disjointWith),
    )
    PROPERTY_FACTS = (
        ("subproperty of", RDFS.subPropertyOf),
        ("domain", RDFS.domain),
        ("range", RDFS.range),
        ("inverse of", OWL.inverseOf),
        ("equivalent to", OWL.equivalentProperty),
    )

    def __init__(self, snapshot: Snapshot, graph: Graph) -> None:
        self.union = Union(snapshot)
        self.graph = graph
        self.labels = Labels(self.union)
        self.iri = str(ONTOLOGY_IRI)
        self.title = str(
            first_literal(graph.objects(ONTOLOGY_IRI, DCTERMS.title))
            or self.labels.label(ONTOLOGY_IRI)
            or "ipkg ontology"
        )
        self.definition = self.labels.definition(ONTOLOGY_IRI)
        version = first_literal(graph.objects(ONTOLOGY_IRI, OWL.versionInfo))
        self.version = None if version is None else str(version)
        self.license = [self.labels.term(v) for v in graph.objects(ONTOLOGY_IRI, DCTERMS.license)]
        self.alternates = [(name, "?format=" + fmt) for name, fmt in ALTERNATES]
        self.triples = len(graph)

    @cached_property
    def sections(self) -> list[tuple[str, list[OntologyTerm]]]:
        """(heading, terms) per kind of term, terms sorted by label."""
        out = []
        for heading, kind in self.KINDS:
            terms = []
            for node in set(self.graph.subjects(RDF.type, kind)):
                if not isinstance(node, URIRef) or not str(node).startswith(str(IPKGO)):
                    continue
                terms.append(self._term(node, kind))
            terms.sort(key=lambda t: t.anchor.lower())
            if terms:
                out.append((heading, terms))
        return out

    def _term(self, node: URIRef, kind: URIRef) -> OntologyTerm:
        local = str(node)[len(str(IPKGO)) :]
        facts_spec = self.CLASS_FACTS if kind == OWL.Class else self.PROPERTY_FACTS
        facts = []
        for name, predicate in facts_spec:
            values = [self._value(v) for v in sorted(self.graph.objects(node, predicate), key=node_key)]
            if values:
                facts.append((name, values))
        count = None
        if kind == OWL.Class:
            count = len(self.union.subjects(RDF.type, node))
        return OntologyTerm(
            local, f"ipkgo:{local}", self.labels.label(node) or local, self.labels.definition(node), facts, count
        )

    def _value(self, node: Node) -> Term:
        if isinstance(node, BNode):
            return Term(self._describe_bnode(node))
        return self.labels.term(node)

    def _describe_bnode(self, node: BNode) -> str:
        """A short Manchester-like text of an OWL restriction or class expression."""
        on = _first_node(self.graph.objects(node, OWL.onProperty))
        for predicate, word in ((OWL.hasValue, "value"), (OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only")):
            value = _first_node(self.graph.objects(node, predicate))
            if on is not None and value is not None:
                return f"{self.labels.name(on)} {word} {self.labels.name(value)}"
        for predicate, word in ((OWL.unionOf, " or "), (OWL.intersectionOf, " and ")):
            head = _first_node(self.graph.objects(node, predicate))
            if head is not None:
                from rdflib.collection import Collection

                return "(" + word.join(self.labels.name(m) for m in Collection(self.graph, head)) + ")"
        return "(class expression)"


def _first_node(values: Iterable[Node]) -> Node | None:
    return next(iter(values), None)
