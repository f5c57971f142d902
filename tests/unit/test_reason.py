"""The reasoner wrapper: inconsistencies stop the build, and only useful triples are kept."""

from __future__ import annotations

import owlrl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ipkg.build.reason import MembershipIndex, SameAsIndex, infer, is_useful, is_wikidata_property
from ipkg.errors import InconsistentData
from ipkg.namespaces import IPKG, IPKGO, WD, WDT

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


def test_disjointness_violation_raises_naming_the_rule_and_the_resource(ontology: Graph) -> None:
    data = Graph()
    data.add((A, RDF.type, IPKGO.State))
    data.add((A, RDF.type, IPKGO.Person))
    with pytest.raises(InconsistentData) as caught:
        infer(ontology, [data])
    assert "cax-adc" in str(caught.value)  # the ontology's AllDisjointClasses
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


# --- one name per vocabulary, current memberships ---------------------------------------------


def _same() -> SameAsIndex:
    graph = Graph()
    graph.add((IPKG.belarus, OWL.sameAs, WD.Q184))
    graph.add((WD.Q177773, OWL.sameAs, IPKG.wipo))
    return SameAsIndex(graph)


@pytest.mark.parametrize(
    ("triple", "keep"),
    [
        ((IPKG.belarus, IPKGO.memberOf, IPKG.wipo), True),
        ((WD.Q184, IPKGO.memberOf, WD.Q177773), False),
        ((WD.Q184, IPKGO.memberOf, IPKG.wipo), False),
        ((IPKG.belarus, IPKGO.memberOf, WD.Q177773), False),
        ((WD.Q184, RDF.type, IPKGO.State), False),
        ((WD.Q184, RDFS.label, Literal("Belarus", lang="en")), False),
        ((IPKG.visit, IPKGO.participant, IPKG.gurry), True),  # no equivalents: untouched
        ((WD.Q184, WDT.P463, WD.Q177773), True),
        ((IPKG.belarus, WDT.P463, WD.Q177773), True),  # a resource's own Wikidata-aligned statement
        ((WD.Q184, WDT.P463, IPKG.wipo), False),
        ((IPKG.belarus, WDT.P463, IPKG.wipo), False),
        ((IPKG.meeting, WDT.P710, WD.Q184), True),
        ((IPKG.meeting, WDT.P710, IPKG.belarus), False),
        ((WD.Q184, OWL.sameAs, IPKG.belarus), True),  # the links stay
    ],
)
def test_same_as_copies_keep_one_name_per_vocabulary(triple: tuple, keep: bool) -> None:  # type: ignore[type-arg]
    assert _same().is_canonical(triple) is keep


def test_wikidata_properties_are_recognised_by_namespace() -> None:
    assert is_wikidata_property(WDT.P463)
    assert is_wikidata_property(URIRef("http://www.wikidata.org/prop/statement/P463"))
    assert not is_wikidata_property(IPKGO.memberOf)
    assert not is_wikidata_property(WD.Q184)


def test_membership_index_ends_a_pair_only_when_every_membership_has_ended(ontology: Graph) -> None:
    data = Graph()
    for node, org, end in ((IPKG.m1, IPKG.cc, "2021"), (IPKG.m2, IPKG.wipo, None), (IPKG.m3, IPKG.wipo, "1990")):
        data.add((node, RDF.type, IPKGO.Membership))
        data.add((node, IPKGO.member, IPKG.belarus))
        data.add((node, IPKGO.organization, org))
        if end:
            data.add((node, IPKGO.endDate, Literal(end, datatype=XSD.gYear)))
    work = Graph()
    for triple in (*ontology, *data):
        work.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    index = MembershipIndex(work, set(data), SameAsIndex(work))
    assert not index.is_current((IPKG.belarus, IPKGO.memberOf, IPKG.cc))
    assert not index.is_current((IPKG.belarus, WDT.P463, IPKG.cc))
    assert not index.is_current((IPKG.cc, IPKGO.hasMember, IPKG.belarus))
    assert index.is_current((IPKG.belarus, IPKGO.memberOf, IPKG.wipo))  # one open membership is enough
    assert index.is_current((IPKG.belarus, IPKGO.hasMembership, IPKG.m1))  # the node itself stays


def test_inferred_graph_has_no_mixed_same_as_copies(kg) -> None:  # type: ignore[no-untyped-def]
    from ipkg.namespaces import GRAPH_INFERRED

    inferred = kg.dataset.graph(GRAPH_INFERRED)
    same = SameAsIndex(kg.dataset)
    mixed = [t for t in inferred if not same.is_canonical(t)]
    assert not mixed, mixed[:10]
    assert (IPKG.belarus, OWL.sameAs, WD.Q184) in kg.dataset
    assert (WD.Q184, IPKGO.partyTo, None) not in inferred
    assert (WD.Q184, WDT.P1344, None) in inferred
