"""One test per inference the ontology promises, named by its OWL 2 RL rule (OWL 2 Profiles §4.3).

Each test reasons over a few asserted triples and checks three things: the
consequence is in the inferred graph, the asserted graph is unchanged, and
the union answers the question. Shipped-data checks follow at the end.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD
from rdflib.term import Node

from ipkg.build.reason import infer
from ipkg.errors import InconsistentData
from ipkg.namespaces import FOAF, GRAPH_INFERRED, IPKG, IPKGO, ORG, WD, WDT

PROV_ACTIVITY = URIRef("http://www.w3.org/ns/prov#Activity")
SCHEMA_EVENT = URIRef("https://schema.org/Event")

Triple = tuple[Node, Node, Node]


def consequences(ontology: Graph, *asserted: Triple) -> Graph:
    """Reason over ``asserted``; check the input is untouched and return the inferred graph."""
    data = Graph()
    for triple in asserted:
        data.add(triple)
    before = set(data)
    inferred = infer(ontology, [data])
    assert set(data) == before, "reasoning must not modify the asserted graph"
    assert not before & set(inferred), "inferred graph repeats asserted triples"
    return inferred


def union(inferred: Graph, *asserted: Triple) -> Graph:
    graph = Graph()
    for triple in (*asserted, *inferred):
        graph.add(triple)
    return graph


def test_prp_inv1_member_of_implies_has_member(ontology: Graph) -> None:
    asserted = ((IPKG.belarus, IPKGO.memberOf, IPKG.wipo),)
    inferred = consequences(ontology, *asserted)
    assert (IPKG.wipo, IPKGO.hasMember, IPKG.belarus) in inferred
    assert union(inferred, *asserted).value(IPKG.wipo, IPKGO.hasMember) == IPKG.belarus


def test_prp_inv2_participated_in_implies_participant(ontology: Graph) -> None:
    inferred = consequences(ontology, (IPKG.gurry, IPKGO.participatedIn, IPKG.visit))
    assert (IPKG.visit, IPKGO.participant, IPKG.gurry) in inferred


def test_prp_spo2_accession_implies_party_to(ontology: Graph) -> None:
    asserted = (
        (IPKG.acc, RDF.type, IPKGO.Accession),
        (IPKG.acc, IPKGO.consentingState, IPKG.belarus),
        (IPKG.acc, IPKGO.treaty, IPKG.marrakesh),
    )
    inferred = consequences(ontology, *asserted)
    assert (IPKG.belarus, IPKGO.consentedIn, IPKG.acc) in inferred
    assert (IPKG.belarus, IPKGO.partyTo, IPKG.marrakesh) in inferred
    assert (IPKG.marrakesh, IPKGO.hasParty, IPKG.belarus) in inferred


def test_prp_spo2_signature_alone_does_not_imply_party_to(ontology: Graph) -> None:
    asserted = (
        (IPKG.sig, RDF.type, IPKGO.Signing),
        (IPKG.sig, IPKGO.signer, IPKG.belarus),
        (IPKG.sig, IPKGO.signedDocument, IPKG.tlt),
    )
    inferred = consequences(ontology, *asserted)
    assert (IPKG.tlt, IPKGO.signatory, IPKG.belarus) in inferred
    assert (IPKG.belarus, IPKGO.partyTo, IPKG.tlt) not in inferred


def test_prp_spo2_membership_node_implies_member_of(ontology: Graph) -> None:
    asserted = (
        (IPKG.m, RDF.type, IPKGO.Membership),
        (IPKG.m, IPKGO.member, IPKG.belarus),
        (IPKG.m, IPKGO.organization, IPKG.wipo),
    )
    inferred = consequences(ontology, *asserted)
    assert (IPKG.belarus, IPKGO.memberOf, IPKG.wipo) in inferred
    assert (IPKG.belarus, ORG.memberOf, IPKG.wipo) in inferred
    assert (IPKG.belarus, WDT.P463, IPKG.wipo) in inferred


def test_prp_spo2_ended_membership_is_not_current(ontology: Graph) -> None:
    """A membership with an end date gives no member-of: the build keeps only current memberships.

    The chain hasMembership o organization (prp-spo2) would give it; the reasoner's output filter
    drops member-of, its Wikidata form wdt:P463, org:memberOf and has-member for a member and
    organization whose every membership has ended. The membership node and its dates stay.
    """
    asserted = (
        (IPKG.m, RDF.type, IPKGO.Membership),
        (IPKG.m, IPKGO.member, IPKG.belarus),
        (IPKG.m, IPKGO.organization, IPKG.committee),
        (IPKG.m, IPKGO.endDate, Literal("2021", datatype=XSD.gYear)),
        (IPKG.current, RDF.type, IPKGO.Membership),
        (IPKG.current, IPKGO.member, IPKG.belarus),
        (IPKG.current, IPKGO.organization, IPKG.wipo),
    )
    inferred = consequences(ontology, *asserted)
    for ended in (
        (IPKG.belarus, IPKGO.memberOf, IPKG.committee),
        (IPKG.belarus, WDT.P463, IPKG.committee),
        (IPKG.belarus, ORG.memberOf, IPKG.committee),
        (IPKG.committee, IPKGO.hasMember, IPKG.belarus),
    ):
        assert ended not in inferred, ended
    assert (IPKG.belarus, IPKGO.hasMembership, IPKG.m) in inferred
    assert (IPKG.belarus, IPKGO.memberOf, IPKG.wipo) in inferred
    assert (IPKG.belarus, WDT.P463, IPKG.wipo) in inferred


def test_prp_spo2_ended_membership_stated_directly_stays(ontology: Graph) -> None:
    """A direct member-of statement (e.g. an imported wdt:P463) is not undone by an ended membership."""
    asserted = (
        (IPKG.m, RDF.type, IPKGO.Membership),
        (IPKG.m, IPKGO.member, IPKG.belarus),
        (IPKG.m, IPKGO.organization, IPKG.committee),
        (IPKG.m, IPKGO.endDate, Literal("2021", datatype=XSD.gYear)),
        (IPKG.belarus, WDT.P463, IPKG.committee),
    )
    inferred = consequences(ontology, *asserted)
    assert (IPKG.belarus, IPKGO.memberOf, IPKG.committee) in inferred


def test_prp_spo2_sub_event_takes_the_place_of_the_whole(ontology: Graph) -> None:
    """subEventOf o location ⊑ contextLocation ⊑ location: a meeting during a visit to Belarus was in Belarus."""
    asserted = (
        (IPKG.visit, IPKGO.location, IPKG.belarus),
        (IPKG.meeting, IPKGO.subEventOf, IPKG.visit),
        (IPKG.talk, IPKGO.subEventOf, IPKG.meeting),
    )
    inferred = consequences(ontology, *asserted)
    assert (IPKG.meeting, IPKGO.contextLocation, IPKG.belarus) in inferred
    assert (IPKG.meeting, IPKGO.location, IPKG.belarus) in inferred
    assert (IPKG.meeting, WDT.P276, IPKG.belarus) in inferred
    assert (IPKG.talk, IPKGO.location, IPKG.belarus) in inferred  # nested: the chain applies again
    assert (IPKG.meeting, IPKGO.partOf, IPKG.visit) in inferred


def test_prp_spo1_sub_event_is_during_the_period_of_the_whole(ontology: Graph) -> None:
    """subEventOf ⊑ duringPeriodOf: the meeting lies within the visit's dates, and gets no date of its own."""
    asserted = (
        (IPKG.visit, IPKGO.startDate, Literal("2019-06-03", datatype=XSD.date)),
        (IPKG.visit, IPKGO.endDate, Literal("2019-06-05", datatype=XSD.date)),
        (IPKG.meeting, IPKGO.subEventOf, IPKG.visit),
    )
    inferred = consequences(ontology, *asserted)
    assert (IPKG.meeting, IPKGO.duringPeriodOf, IPKG.visit) in inferred
    assert (IPKG.meeting, RDF.type, IPKGO.Event) in inferred
    for date_property in (IPKGO.date, IPKGO.startDate, IPKGO.endDate, WDT.P585, WDT.P580, WDT.P582):
        assert (IPKG.meeting, date_property, None) not in inferred, date_property


def test_prp_trp_during_period_of_is_transitive(ontology: Graph) -> None:
    asserted = (
        (IPKG.signing, IPKGO.subEventOf, IPKG.session59),
        (IPKG.session59, IPKGO.inSeries, IPKG.assemblies),
    )
    inferred = consequences(ontology, *asserted)
    assert (IPKG.session59, IPKGO.duringPeriodOf, IPKG.assemblies) in inferred
    assert (IPKG.signing, IPKGO.duringPeriodOf, IPKG.assemblies) in inferred


def test_prp_spo2_non_party_observation_implies_not_party_to(ontology: Graph) -> None:
    asserted = (
        (IPKG.obs, RDF.type, IPKGO.NonPartyObservation),
        (IPKG.obs, IPKGO.nonPartyState, IPKG.belarus),
        (IPKG.obs, IPKGO.nonPartyTreaty, IPKG.beijing),
    )
    inferred = consequences(ontology, *asserted)
    assert (IPKG.belarus, IPKGO.hasNonPartyObservation, IPKG.obs) in inferred
    assert (IPKG.belarus, IPKGO.notPartyTo, IPKG.beijing) in inferred
    assert (IPKG.belarus, IPKGO.partyTo, IPKG.beijing) not in inferred


def test_prp_pdw_party_to_and_not_party_to_are_disjoint(ontology: Graph) -> None:
    """A consent act and a non-party observation for one state and treaty are inconsistent."""
    data = Graph()
    for triple in (
        (IPKG.acc, RDF.type, IPKGO.Accession),
        (IPKG.acc, IPKGO.consentingState, IPKG.belarus),
        (IPKG.acc, IPKGO.treaty, IPKG.beijing),
        (IPKG.obs, IPKGO.nonPartyState, IPKG.belarus),
        (IPKG.obs, IPKGO.nonPartyTreaty, IPKG.beijing),
    ):
        data.add(triple)
    with pytest.raises(InconsistentData):
        infer(ontology, [data])


def test_prp_spo2_tenure_implies_holds_post(ontology: Graph) -> None:
    asserted = (
        (IPKG.t, RDF.type, IPKGO.Tenure),
        (IPKG.t, IPKGO.holder, IPKG.tang),
        (IPKG.t, IPKGO.post, IPKG.dg),
    )
    inferred = consequences(ontology, *asserted)
    assert (IPKG.tang, IPKGO.holdsPost, IPKG.dg) in inferred
    assert (IPKG.dg, IPKGO.heldBy, IPKG.tang) in inferred
    assert (IPKG.tang, WDT.P39, IPKG.dg) in inferred


def test_prp_trp_part_of_is_transitive(ontology: Graph) -> None:
    asserted = (
        (IPKG.signing, IPKGO.partOf, IPKG.session59),
        (IPKG.session59, IPKGO.partOf, IPKG.assemblies),
    )
    inferred = consequences(ontology, *asserted)
    assert (IPKG.signing, IPKGO.partOf, IPKG.assemblies) in inferred
    assert (IPKG.assemblies, IPKGO.hasPart, IPKG.signing) in inferred


def test_prp_spo1_organ_of_is_part_of_and_transitive_for_organs(ontology: Graph) -> None:
    asserted = (
        (IPKG.committee, IPKGO.organOf, IPKG.assembly),
        (IPKG.assembly, IPKGO.governingBodyOf, IPKG.wipo),
    )
    inferred = consequences(ontology, *asserted)
    assert (IPKG.assembly, IPKGO.organOf, IPKG.wipo) in inferred
    assert (IPKG.committee, IPKGO.partOf, IPKG.wipo) in inferred
    assert (IPKG.wipo, IPKGO.hasOrgan, IPKG.assembly) in inferred
    assert (IPKG.assembly, ORG.unitOf, IPKG.wipo) in inferred


def test_prp_spo1_headed_delegation_implies_participated(ontology: Graph) -> None:
    inferred = consequences(ontology, (IPKG.shumilin, IPKGO.headedDelegationAt, IPKG.session62))
    assert (IPKG.shumilin, IPKGO.participatedIn, IPKG.session62) in inferred
    assert (IPKG.session62, IPKGO.participant, IPKG.shumilin) in inferred
    assert (IPKG.shumilin, WDT.P1344, IPKG.session62) in inferred


def test_prp_dom_and_prp_rng_type_the_participants(ontology: Graph) -> None:
    inferred = consequences(ontology, (IPKG.visit, IPKGO.visitor, IPKG.gurry))
    assert (IPKG.visit, RDF.type, IPKGO.Visit) in inferred
    assert (IPKG.gurry, RDF.type, IPKGO.Agent) in inferred


def test_cax_sco_accession_is_an_event_and_a_prov_activity(ontology: Graph) -> None:
    inferred = consequences(ontology, (IPKG.acc, RDF.type, IPKGO.Accession))
    for cls in (IPKGO.ConsentToBeBound, IPKGO.TreatyAction, IPKGO.Event, PROV_ACTIVITY, SCHEMA_EVENT):
        assert (IPKG.acc, RDF.type, cls) in inferred, cls


def test_cax_sco_state_is_an_agent_and_a_place(ontology: Graph) -> None:
    inferred = consequences(ontology, (IPKG.belarus, RDF.type, IPKGO.State))
    for cls in (IPKGO.Agent, IPKGO.Place, FOAF.Agent):
        assert (IPKG.belarus, RDF.type, cls) in inferred, cls


def test_cls_hv1_state_is_wikidata_sovereign_state(ontology: Graph) -> None:
    inferred = consequences(ontology, (IPKG.belarus, RDF.type, IPKGO.State))
    assert (IPKG.belarus, WDT.P31, WD.Q3624078) in inferred


def test_cls_hv2_wikidata_human_is_a_person(ontology: Graph) -> None:
    inferred = consequences(ontology, (IPKG.someone, WDT.P31, WD.Q5))
    assert (IPKG.someone, RDF.type, IPKGO.Person) in inferred


def test_prp_eqp2_wikidata_member_of_is_member_of(ontology: Graph) -> None:
    inferred = consequences(ontology, (WD.Q184, WDT.P463, WD.Q177773))
    assert (WD.Q184, IPKGO.memberOf, WD.Q177773) in inferred


def test_eq_rep_same_as_answers_wikidata_style_question(ontology: Graph) -> None:
    asserted = (
        (IPKG.belarus, OWL.sameAs, WD.Q184),
        (IPKG.wipo, OWL.sameAs, WD.Q177773),
        (IPKG.belarus, IPKGO.memberOf, IPKG.wipo),
    )
    inferred = consequences(ontology, *asserted)
    assert (WD.Q184, WDT.P463, WD.Q177773) in inferred
    assert (WD.Q184, OWL.sameAs, IPKG.belarus) in inferred  # the links stay, both ways


def test_eq_rep_copies_keep_one_name_per_vocabulary(ontology: Graph) -> None:
    """Of the owl:sameAs copies (eq-rep-s/o), only those in one vocabulary's terms are kept.

    ipkgo (and RDF, PROV, ORG …) triples use the local names; a Wikidata property's object is
    the Wikidata item; the subject of a Wikidata property may be either name.
    """
    asserted = (
        (IPKG.belarus, OWL.sameAs, WD.Q184),
        (IPKG.wipo, OWL.sameAs, WD.Q177773),
        (IPKG.belarus, IPKGO.memberOf, IPKG.wipo),
        (IPKG.belarus, RDF.type, IPKGO.State),
    )
    inferred = consequences(ontology, *asserted)
    for mixed in (
        (WD.Q184, IPKGO.memberOf, WD.Q177773),
        (WD.Q184, IPKGO.memberOf, IPKG.wipo),
        (IPKG.belarus, IPKGO.memberOf, WD.Q177773),
        (WD.Q184, WDT.P463, IPKG.wipo),
        (IPKG.belarus, WDT.P463, IPKG.wipo),
        (WD.Q184, RDF.type, IPKGO.State),
        (IPKG.wipo, IPKGO.hasMember, WD.Q184),
    ):
        assert mixed not in inferred, mixed
    assert (IPKG.wipo, IPKGO.hasMember, IPKG.belarus) in inferred
    assert (WD.Q184, WDT.P463, WD.Q177773) in inferred
    assert (IPKG.belarus, WDT.P463, WD.Q177773) in inferred
    assert (WD.Q184, WDT.P31, WD.Q3624078) in inferred


def test_prp_symp_same_event_as_is_symmetric(ontology: Graph) -> None:
    inferred = consequences(ontology, (IPKG.a, IPKGO.sameEventAs, IPKG.b))
    assert (IPKG.b, IPKGO.sameEventAs, IPKG.a) in inferred


def test_prp_symp_conflicts_with_is_symmetric(ontology: Graph) -> None:
    inferred = consequences(ontology, (IPKG.c1, IPKGO.conflictsWith, IPKG.c2))
    assert (IPKG.c2, IPKGO.conflictsWith, IPKG.c1) in inferred


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (IPKGO.State, IPKGO.Person),
        (IPKGO.State, IPKGO.Organization),
        (IPKGO.Organization, IPKGO.Treaty),
        (IPKGO.Person, IPKGO.Treaty),
    ],
)
def test_cax_adc_rejects_an_individual_in_disjoint_classes(ontology: Graph, first: URIRef, second: URIRef) -> None:
    data = Graph()
    data.add((IPKG.x, RDF.type, first))
    data.add((IPKG.x, RDF.type, second))
    with pytest.raises(InconsistentData, match="Disjoint"):
        infer(ontology, [data])


def test_cax_adc_catches_a_bad_import_through_wikidata_typing(ontology: Graph) -> None:
    """An imported human that the data also calls a state is caught (cls-hv2 then cax-adc)."""
    data = Graph()
    data.add((IPKG.x, WDT.P31, WD.Q5))
    data.add((IPKG.x, RDF.type, IPKGO.State))
    with pytest.raises(InconsistentData):
        infer(ontology, [data])


# -- on the shipped data ------------------------------------------------------


def test_shipped_belarus_is_party_to_marrakesh_only_by_inference(kg) -> None:  # type: ignore[no-untyped-def]
    triple = (IPKG.belarus, IPKGO.partyTo, IPKG["marrakesh-treaty"])
    assert triple in kg.dataset.graph(GRAPH_INFERRED)
    assert triple not in kg.dataset.graph(URIRef("https://w3id.org/ipkg/graph/facts"))


def test_shipped_belarus_member_of_wipo_in_wikidata_terms(kg) -> None:  # type: ignore[no-untyped-def]
    """Once, under its Wikidata name; the Coordination Committee term (2020-2021) has ended."""
    rows = [row[0] for row in kg.dataset.query("SELECT ?org WHERE { wd:Q184 wdt:P463 ?org }")]
    assert rows == [WD.Q177773]


def test_shipped_meetings_of_the_visit_took_place_in_belarus(kg) -> None:  # type: ignore[no-untyped-def]
    """prp-spo2 on the shipped data: the meetings of Gurry's visit have the visit's place and period."""
    meeting = IPKG["2019-06-gurry-meeting-with-lukashenko"]
    visit = IPKG["2019-06-03-gurry-official-visit-to-belarus"]
    inferred = kg.dataset.graph(GRAPH_INFERRED)
    assert (meeting, IPKGO.location, IPKG.belarus) in inferred
    assert (meeting, IPKGO.duringPeriodOf, visit) in inferred
    assert (meeting, IPKGO.date, None) not in kg.dataset


def test_shipped_the_truthy_founding_date_is_the_preferred_one(kg) -> None:  # type: ignore[no-untyped-def]
    naive = [row[0] for row in kg.dataset.query("SELECT ?d WHERE { ipkg:wipo ipkgo:foundingDate ?d }")]
    wikidata = [row[0] for row in kg.dataset.query("SELECT ?d WHERE { wd:Q177773 wdt:P571 ?d }")]
    assert naive == wikidata == [Literal("1967-07-14", datatype=XSD.date)]
