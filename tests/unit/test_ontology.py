"""The ontology: every term labelled and defined, the axioms reasoning relies on present."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ipkg.namespaces import IPKGO

KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


def terms(ontology: Graph) -> list[URIRef]:
    return sorted(
        {s for kind in KINDS for s in ontology.subjects(RDF.type, kind) if str(s).startswith(str(IPKGO))}, key=str
    )


def test_ontology_has_terms(ontology: Graph) -> None:
    assert len(terms(ontology)) > 100


def test_every_term_has_one_english_label_and_a_definition(ontology: Graph) -> None:
    problems = []
    for term in terms(ontology):
        labels = [label for label in ontology.objects(term, RDFS.label) if getattr(label, "language", None) == "en"]
        if len(labels) != 1:
            problems.append(f"{term}: {len(labels)} English labels")
        if (term, SKOS.definition, None) not in ontology:
            problems.append(f"{term}: no skos:definition")
    assert not problems, problems


def test_every_referenced_ipkg_term_is_declared(ontology: Graph) -> None:
    declared = set(terms(ontology))
    used = {
        node for triple in ontology for node in triple if isinstance(node, URIRef) and str(node).startswith(str(IPKGO))
    }
    assert used <= declared, sorted(used - declared)


@pytest.mark.parametrize(
    ("prop", "chain"),
    [
        (IPKGO.partyTo, [IPKGO.consentedIn, IPKGO.treaty]),
        (IPKGO.memberOf, [IPKGO.hasMembership, IPKGO.organization]),
        (IPKGO.holdsPost, [IPKGO.hasTenure, IPKGO.post]),
        (IPKGO.signatory, [IPKGO.signingEvent, IPKGO.signer]),
    ],
)
def test_property_chains(ontology: Graph, prop: URIRef, chain: list[URIRef]) -> None:
    from rdflib.collection import Collection

    heads = list(ontology.objects(prop, OWL.propertyChainAxiom))
    assert [list(Collection(ontology, head)) for head in heads] == [chain]


def test_part_of_is_transitive_and_states_organizations_people_treaties_disjoint(ontology: Graph) -> None:
    from rdflib.collection import Collection

    assert (IPKGO.partOf, RDF.type, OWL.TransitiveProperty) in ontology
    groups = [
        set(Collection(ontology, m))
        for d in ontology.subjects(RDF.type, OWL.AllDisjointClasses)
        for m in ontology.objects(d, OWL.members)
    ]
    assert {IPKGO.State, IPKGO.Organization, IPKGO.Person, IPKGO.Treaty} in groups
