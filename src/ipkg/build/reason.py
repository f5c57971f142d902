"""OWL 2 RL reasoning (owlrl) whose consequences are kept apart from asserted facts.

owlrl works in place and adds much a user would never query: reflexive
``owl:sameAs`` for every term, ``owl:Thing`` typing, triples about the RDF/OWL
vocabulary itself, and triples with literal subjects (not RDF 1.1). ``infer``
reasons on a scratch copy and returns only the new, useful triples;
``is_useful`` is the filter, tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterable

import owlrl
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from ipkg.errors import InconsistentData

VOCABULARY_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD), str(ERRNS))
"""Subjects in these namespaces are the reasoner's axioms, not knowledge about the domain."""

REFLEXIVE_NOISE = frozenset(
    {OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf}
)
TRIVIAL_TYPES = frozenset({OWL.Thing, RDFS.Resource, OWL.NamedIndividual})

Triple = tuple[Node, Node, Node]


def infer(ontology: Graph, asserted: Iterable[Graph]) -> Graph:
    """The OWL 2 RL consequences of ``ontology`` plus ``asserted`` not already stated.

    Raises:
        InconsistentData: owlrl reported an inconsistency (e.g. rule cax-dw: an
            individual in two disjoint classes), with owlrl's messages.
    """
    work = Graph()
    for graph in (ontology, *asserted):
        for triple in graph:
            work.add(triple)
    stated = set(work)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    errors = [str(message) for message in work.objects(None, ERRNS.error)]
    if errors:
        raise InconsistentData(errors)
    schema_bnodes = {term for triple in ontology for term in triple if isinstance(term, BNode)}
    inferred = Graph()
    for triple in work:
        if triple not in stated and is_useful(triple, schema_bnodes):
            inferred.add(triple)
    return inferred


def is_useful(triple: Triple, schema_bnodes: frozenset[BNode] | set[BNode] = frozenset()) -> bool:
    """Whether an inferred triple is worth keeping for users.

    Dropped: literal subjects; reflexive sameAs/equivalence/subclass triples;
    typing as owl:Thing or rdfs:Resource; axioms about the RDF, RDFS, OWL and
    XSD vocabularies; triples about the ontology's anonymous class expressions.
    """
    s, p, o = triple
    if isinstance(s, Literal):
        return False
    if s == o and p in REFLEXIVE_NOISE:
        return False
    if p == RDF.type and o in TRIVIAL_TYPES:
        return False
    if p == RDFS.subClassOf and o == OWL.Thing:
        return False
    if str(s).startswith(VOCABULARY_NAMESPACES):
        return False
    return s not in schema_bnodes and o not in schema_bnodes
