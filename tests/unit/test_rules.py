"""The compiled OWL 2 RL rules give exactly owlrl's filtered consequences (differential tests).

owlrl is the reference: every case runs both engines through ``reason.infer`` and
compares the inferred graphs triple for triple.
"""

from __future__ import annotations

import io
import os

import pytest
from rdflib import Graph

from ipkg.build import reason
from ipkg.build.load import load_sources
from ipkg.build.rules import Unsupported, compile_rules, is_tbox
from ipkg.config import Settings
from ipkg.errors import InconsistentData
from ipkg.generate import generate
from tests.support import REPO

PREFIXES = """\
@prefix ipkg: <https://w3id.org/ipkg/id/> .
@prefix ipkgo: <https://w3id.org/ipkg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Graph, Graph]:
    """(ontology, asserted data) of the repository."""
    sources = load_sources(Settings(root=REPO, state_dir=tmp_path_factory.mktemp("state")))
    data = Graph()
    for graph in sources.asserted_graphs().values():
        for triple in graph:
            data.add(triple)
    return sources.ontology, data


def both(ontology: Graph, data: Graph) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    rules = set(reason.infer(ontology, [data], engine="rules"))
    owlrl = set(reason.infer(ontology, [data], engine="owlrl"))
    return rules, owlrl


def assert_same(rules: set[tuple[object, ...]], owlrl: set[tuple[object, ...]]) -> None:
    missing, extra = owlrl - rules, rules - owlrl
    assert not missing and not extra, f"missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}"


def test_shipped_graph_gives_owlrls_consequences(shipped: tuple[Graph, Graph]) -> None:
    rules, owlrl = both(*shipped)
    assert len(rules) > 1000
    assert_same(rules, owlrl)


EDGE_CASES = {
    "same-as-chains-and-copies": """
        ipkg:a a ipkgo:State ; rdfs:label "A"@en ; owl:sameAs wd:Q1 .
        wd:Q1 owl:sameAs wd:Q2 .
        ipkg:m a ipkgo:Membership ; ipkgo:member ipkg:a ; ipkgo:organization ipkg:org .
        ipkg:org a ipkgo:Organization ; rdfs:label "Org"@en ; owl:sameAs wd:Q3 .
    """,
    "functional-property-merges-individuals": """
        ipkg:m a ipkgo:Membership ; ipkgo:member ipkg:x , ipkg:y ; ipkgo:organization ipkg:org .
        ipkg:x rdfs:label "X"@en . ipkg:y rdfs:label "Y"@en .
        ipkg:org a ipkgo:Organization .
    """,
    "ended-membership-is-not-current": """
        ipkg:m a ipkgo:Membership ; ipkgo:member ipkg:s ; ipkgo:organization ipkg:o ;
            ipkgo:startDate "2000"^^xsd:gYear ; ipkgo:endDate "2001"^^xsd:gYear .
        ipkg:s a ipkgo:State . ipkg:o a ipkgo:Organization .
    """,
    "nested-organs-are-transitively-part-of": """
        ipkg:c a ipkgo:Organ ; ipkgo:partOf ipkg:b . ipkg:b a ipkgo:Organ ; ipkgo:partOf ipkg:a .
        ipkg:a a ipkgo:Organization .
    """,
    "wikidata-aligned-properties-in-both-directions": """
        wd:Q10 wdt:P463 wd:Q11 . ipkg:s owl:sameAs wd:Q10 . ipkg:s a ipkgo:State .
    """,
}


@pytest.mark.parametrize("case", sorted(EDGE_CASES))
def test_edge_cases_give_owlrls_consequences(shipped: tuple[Graph, Graph], case: str) -> None:
    ontology, _ = shipped
    data = Graph().parse(data=PREFIXES + EDGE_CASES[case], format="turtle")
    rules, owlrl = both(ontology, data)
    assert rules, "the case infers something"
    assert_same(rules, owlrl)


def test_disjoint_classes_are_inconsistent_in_both_engines(shipped: tuple[Graph, Graph]) -> None:
    ontology, _ = shipped
    data = Graph().parse(data=PREFIXES + "ipkg:x a ipkgo:State , ipkgo:Person .", format="turtle")
    for engine in ("rules", "owlrl"):
        with pytest.raises(InconsistentData):
            reason.infer(ontology, [data], engine=engine)


def test_an_ontology_outside_the_rules_falls_back_to_owlrl(shipped: tuple[Graph, Graph]) -> None:
    ontology, _ = shipped
    extended = Graph()
    for triple in ontology:
        extended.add(triple)
    extended.parse(
        data=PREFIXES
        + """ipkgo:Host owl:equivalentClass [ a owl:Restriction ; owl:onProperty ipkgo:hosted ;
               owl:someValuesFrom ipkgo:Event ] .""",
        format="turtle",
    )
    tbox = Graph()
    for triple in extended:
        if is_tbox(triple):
            tbox.add(triple)
    with pytest.raises(Unsupported):
        compile_rules(tbox)
    data = Graph().parse(data=PREFIXES + "ipkg:x ipkgo:hosted ipkg:e . ipkg:e a ipkgo:Event .", format="turtle")
    rules, owlrl = both(extended, data)
    assert_same(rules, owlrl)


GENERATED_SIZES = [10_000] + ([100_000] if os.environ.get("IPKG_DIFFERENTIAL_100K") == "1" else [])
"""10^5 triples take owlrl minutes: that size runs with IPKG_DIFFERENTIAL_100K=1 (the README gives the figures)."""


@pytest.mark.parametrize("size", GENERATED_SIZES)
def test_generated_graphs_give_owlrls_consequences(shipped: tuple[Graph, Graph], size: int) -> None:
    ontology, _ = shipped
    text = io.StringIO()
    generate(text, size, seed=size, fmt="ntriples")
    data = Graph().parse(data=text.getvalue(), format="nt")
    rules, owlrl = both(ontology, data)
    assert len(rules) > size // 2
    assert_same(rules, owlrl)
