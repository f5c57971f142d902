"""The reasoner wrapper: inconsistencies stop the build, and only useful triples are kept."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ipkg.build.reason import infer, is_useful
from ipkg.errors import InconsistentData
from ipkg.namespaces import IPKG, IPKGO

A = IPKG["a"]


@pytest.mark.parametrize(
    ("triple", "keep"),
    [
        ((Literal("x"), RDF.type, RDFS.Literal), False),
        ((A, OWL.sameAs, A), False),
        ((A, RDF.type, OWL.Thing), False),
        ((A, RDF.type, RDFS.Resource), False),
        ((IPKGO.State, RDFS.subClassOf, IPKGO.State), False),
        ((IPKGO.State, RDFS.subClassOf, OWL.Thing), False),
        ((XSD.integer, RDF.type, RDFS.Datatype), False),
        ((OWL.sameAs, RDF.type, OWL.SymmetricProperty), False),
        ((A, RDF.type, IPKGO.Agent), True),
        ((A, IPKGO.memberOf, IPKG["b"]), True),
        ((IPKGO.Accession, RDFS.subClassOf, IPKGO.Event), True),
    ],
)
def test_is_useful_filters_reasoner_noise(triple: tuple, keep: bool) -> None:  # type: ignore[type-arg]
    assert is_useful(triple) is keep


def test_triples_about_schema_blank_nodes_are_dropped() -> None:
    restriction = BNode()
    assert not is_useful((restriction, RDF.type, OWL.Class), {restriction})
    assert not is_useful((IPKGO.State, RDFS.subClassOf, restriction), {restriction})


def test_inferred_graph_has_no_literal_subjects_or_reflexive_sameas(kg) -> None:  # type: ignore[no-untyped-def]
    from ipkg.namespaces import GRAPH_INFERRED

    inferred = kg.dataset.graph(GRAPH_INFERRED)
    assert len(inferred) > 0
    assert not any(isinstance(s, Literal) for s in inferred.subjects())
    assert not any(s == o for s, o in inferred.subject_objects(OWL.sameAs))
    assert (None, RDF.type, OWL.Thing) not in inferred


def test_inferred_triples_are_not_already_asserted(kg) -> None:  # type: ignore[no-untyped-def]
    from ipkg.namespaces import GRAPH_INFERRED

    inferred = set(kg.dataset.graph(GRAPH_INFERRED))
    asserted = {t for g in kg.dataset.graphs() if g.identifier != GRAPH_INFERRED for t in g}
    assert not inferred & asserted


def test_disjointness_violation_raises_with_owlrl_message(ontology: Graph) -> None:
    data = Graph()
    data.add((A, RDF.type, IPKGO.State))
    data.add((A, RDF.type, IPKGO.Person))
    with pytest.raises(InconsistentData) as caught:
        infer(ontology, [data])
    assert "Disjoint" in str(caught.value)
    assert str(A) in str(caught.value)


def test_infer_does_not_modify_its_inputs(ontology: Graph) -> None:
    data = Graph()
    data.add((A, RDF.type, IPKGO.State))
    before_data, before_ontology = set(data), len(ontology)
    infer(ontology, [data])
    assert set(data) == before_data
    assert len(ontology) == before_ontology


def test_unknown_iri_is_untouched(ontology: Graph) -> None:
    data = Graph()
    data.add((URIRef("http://example.org/x"), URIRef("http://example.org/p"), Literal(1)))
    inferred = infer(ontology, [data])
    assert not set(inferred.triples((URIRef("http://example.org/x"), None, None)))
