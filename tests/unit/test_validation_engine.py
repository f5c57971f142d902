"""The compiled SHACL engine gives exactly pySHACL's results (differential tests).

pySHACL is the reference: each case validates one graph with both engines
(``validate(..., engine=...)``) and compares the results as multisets of
(focus node, path, value, source shape, constraint component, message):

- the shipped data, every shape fixture, and the W3C SHACL core tests whose shapes compile;
- generated data with violations planted by a seeded mutator (required values removed,
  second values added, ill-typed and wrong-typed literals, objects of the wrong class,
  broken labels, dates in the wrong order, untyped nodes, defective claims, observations
  and events), several seeds;
- focus mode on those graphs: the compiled engine's results at random sets of focus
  nodes are pySHACL's full results at those nodes; pySHACL's own ``focus_nodes`` agrees
  except on nested shapes, where it skips every value that is not itself a focus node.
"""

from __future__ import annotations

import io
import logging
import random
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlparse

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import PROV, RDF, RDFS, SH, XSD
from rdflib.term import Node

from ipkg.build.load import load_sources
from ipkg.build.shacl_compile import Unsupported, compile_shapes
from ipkg.build.validate import Report, validate
from ipkg.config import Settings
from ipkg.generate import generate
from ipkg.namespaces import IPKG, IPKGO, WIKIBASE
from ipkg.sparql import engine
from tests.support import REPO, SHACL_CORE_SUITE

Key = tuple[Node | None, ...]
T = TypeVar("T")
SEEDS = range(6)
NESTED = {SH.OrConstraintComponent, SH.NodeConstraintComponent}
NESTED |= {SH.QualifiedMinCountConstraintComponent, SH.QualifiedMaxCountConstraintComponent}
"""Components that validate value nodes against other shapes (where pySHACL's focus_nodes skips values)."""


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> tuple[Graph, Graph, Graph]:
    """(asserted data, ontology, shapes) of the repository."""
    engine.install()
    loaded = load_sources(Settings(root=REPO, state_dir=tmp_path_factory.mktemp("state")))
    data = Graph()
    for graph in loaded.asserted_graphs().values():
        data += graph
    return data, loaded.ontology, loaded.shapes


def results(report: Report, *, messages: bool = True) -> Counter[Key]:
    return Counter(
        (r.focus, r.path, r.value, r.shape, r.component, Literal(r.message) if messages else None)
        for r in report.results
    )


def from_graph(report: Report) -> Counter[Key]:
    """The results the report graph holds, read back as ``validate`` reads pySHACL's."""
    g = report.graph
    keys = [SH.focusNode, SH.resultPath, SH.value, SH.sourceShape, SH.sourceConstraintComponent]
    return Counter(tuple(g.value(r, k) for k in keys) for r in g.objects(None, SH.result))


def assert_same(compiled: Report, reference: Report, *, messages: bool = True) -> None:
    mine, theirs = results(compiled, messages=messages), results(reference, messages=messages)
    assert compiled.conforms == reference.conforms
    assert mine == theirs, (
        f"only compiled: {list((mine - theirs).items())[:5]}; only pySHACL: {list((theirs - mine).items())[:5]}"
    )


def test_shipped_data_conforms_in_both(sources: tuple[Graph, Graph, Graph]) -> None:
    data, ontology, shapes = sources
    compiled = validate(data, shapes, ontology)
    assert compiled.conforms, compiled.text()
    assert_same(compiled, validate(data, shapes, ontology, engine="pyshacl"))


FIXTURES = sorted((REPO / "tests" / "fixtures" / "shapes").glob("*/*.ttl")) + [
    REPO / "tests" / "fixtures" / "checks" / "violations.ttl"
]


def test_every_fixture_gives_pyshacls_results(sources: tuple[Graph, Graph, Graph]) -> None:
    _, ontology, shapes = sources
    broken = 0
    for path in FIXTURES:
        data = Graph().parse(path, format="turtle")
        compiled, reference = validate(data, shapes, ontology), validate(data, shapes, ontology, engine="pyshacl")
        assert_same(compiled, reference)
        assert from_graph(compiled) == Counter(k[:5] for k in results(compiled).elements())
        broken += not compiled.conforms
    assert broken >= 100, "the invalid fixtures should break their shapes"


def _w3c_tests() -> Iterator[tuple[str, Path, Path]]:
    mf = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
    sht = Namespace("http://www.w3.org/ns/shacl-test#")

    def path(iri: Node | None) -> Path:
        return Path(unquote(urlparse(str(iri)).path))

    manifests = [SHACL_CORE_SUITE / "manifest.ttl"]
    while manifests:
        manifest = Graph().parse(manifests.pop(), format="turtle")
        manifests += [path(i) for i in manifest.objects(None, mf.include)]
        for head in manifest.objects(None, mf.entries):
            for entry in Collection(manifest, head):
                action = manifest.value(entry, mf.action)
                data, shapes = manifest.value(action, sht.dataGraph), manifest.value(action, sht.shapesGraph)
                yield str(entry), path(data), path(shapes)


def test_w3c_core_tests_that_compile_give_pyshacls_results() -> None:
    compiled_tests = 0
    with warnings.catch_warnings():  # the suite holds ill-formed literals on purpose
        warnings.simplefilter("ignore")
        logging.getLogger("rdflib.term").disabled = True
        try:
            for name, data_path, shapes_path in _w3c_tests():
                data, shapes = Graph().parse(data_path), Graph().parse(shapes_path)
                try:
                    compile_shapes(shapes)
                except Unsupported:
                    continue
                compiled_tests += 1
                compiled, reference = validate(data, shapes), validate(data, shapes, engine="pyshacl")
                assert results(compiled, messages=False) == results(reference, messages=False), name
        finally:
            logging.getLogger("rdflib.term").disabled = False
    assert compiled_tests >= 50


# --------------------------------------------------------------------------- planted violations


def _terms(local_names: str) -> list[Node]:
    return [IPKGO[name] for name in local_names.split()]


class Mutator:
    """Plants violations of every kind the shapes check, chosen and placed by a seeded random generator."""

    REQUIRED = _terms("holder post member organization signer signedDocument visitor location")
    REQUIRED += _terms("quote paragraph sentenceNumber inSource confidence url date treaty")
    REQUIRED += [RDFS.label, PROV.wasDerivedFrom, IPKGO.consentingState, IPKGO.startDate, IPKGO.subEventOf]
    SINGLE = _terms("startDate endDate date holder post member organization quote paragraph")
    SINGLE += _terms("sentenceNumber inSource confidence url country treaty consentingState")
    SINGLE += [IPKGO.entryIntoForceDate, IPKGO.signedDocument, IPKGO.adoptionDate]
    DATES = _terms("startDate endDate date foundingDate entryIntoForceDate adoptionDate")
    LINKS = _terms("member organization holder post signer visitor signedDocument participant")
    LINKS += _terms("location country inSource treaty consentingState") + [PROV.wasDerivedFrom]

    def __init__(self, graph: Graph, ontology: Graph, seed: int) -> None:
        self.g = graph
        self.rnd = random.Random(seed)
        self.counts = sorted(ontology.subjects(RDF.type, IPKGO.CountProperty))
        self.made = 0

    def run(self, mutations: int) -> Graph:
        operations: list[Callable[[], None]] = [
            lambda: self.drop(self.pick(self.REQUIRED)),
            lambda: self.second(self.pick(self.SINGLE)),
            lambda: self.replace(self.pick(self.DATES), self.bad_date),
            lambda: self.replace(self.pick(self.LINKS), self.wrong_node),
            lambda: self.replace(self.pick([IPKGO.paragraph, IPKGO.sentenceNumber]), self.bad_number),
            lambda: self.replace(IPKGO.confidence, lambda _: self.pick([Literal("X"), Literal("H", lang="en")])),
            self.label,
            self.reverse_dates,
            self.untype,
            self.claim,
            self.second_document_date,
            self.observation,
        ]
        for _ in range(mutations):
            self.pick(operations)()
        return self.g

    def pick(self, items: Sequence[T]) -> T:
        return self.rnd.choice(items)

    def triples(self, predicate: Node) -> list[tuple[Node, Node, Node]]:
        return sorted(self.g.triples((None, predicate, None)), key=lambda t: tuple(x.n3() for x in t))

    def node(self, cls: Node) -> Node:
        nodes: list[Node] = sorted(self.g.subjects(RDF.type, cls), key=str)
        return self.pick(nodes or [IPKG["nowhere"]])

    def fresh(self, cls: Node, values: dict[Node, Node] | None = None) -> URIRef:
        """A new resource with a label and provenance, so that only what is planted on it is wrong."""
        self.made += 1
        node = IPKG[f"planted-{self.made}"]
        self.g.add((node, RDF.type, cls))
        self.g.add((node, RDFS.label, Literal(f"planted {self.made}", lang="en")))
        self.g.add((node, PROV.wasDerivedFrom, self.node(IPKGO.Sentence)))
        for predicate, value in (values or {}).items():
            self.g.add((node, predicate, value))
        return node

    def drop(self, predicate: Node) -> None:
        if found := self.triples(predicate):
            self.g.remove(self.pick(found))

    def second(self, predicate: Node) -> None:
        found = self.triples(predicate)
        if found:
            s, _, o = self.pick(found)
            others = sorted({t[2] for t in found} - {o}, key=str)
            self.g.add((s, predicate, self.pick(others) if others else Literal("2000", datatype=XSD.gYear)))

    def replace(self, predicate: Node, new: Callable[[Node], Node]) -> None:
        if found := self.triples(predicate):
            s, p, o = self.pick(found)
            self.g.remove((s, p, o))
            self.g.add((s, p, new(o)))

    def bad_date(self, old: Node) -> Node:
        text = str(old)
        options: list[Node] = [Literal("2021-13-45", datatype=XSD.date), Literal("2021-02-30", datatype=XSD.date)]
        options += [Literal(text), Literal(text, datatype=XSD.string), Literal(text, lang="en")]
        options += [Literal("2021-05-01T10:00:00", datatype=XSD.dateTime), IPKG["a-date"], BNode()]
        options += [Literal(text[:4] + "-06", datatype=XSD.gYearMonth), Literal(text[:4], datatype=XSD.gYear)]
        return self.pick(options)

    def wrong_node(self, old: Node) -> Node:
        blank = BNode()
        self.g.add((blank, RDF.type, self.pick([IPKGO.Person, IPKGO.Sentence, IPKGO.State])))
        options = [self.node(IPKGO.Sentence), self.node(IPKGO.Post), self.node(IPKGO.State), self.node(IPKGO.Source)]
        return self.pick([*options, IPKG["untyped"], Literal("oops"), blank])

    def bad_number(self, old: Node) -> Node:
        options = [Literal(0), Literal(-3), Literal("abc", datatype=XSD.integer), Literal("2.5", datatype=XSD.decimal)]
        options += [Literal("3"), Literal(4, datatype=XSD.positiveInteger), Literal(7), Literal(1.5)]
        return self.pick(options)

    def label(self) -> None:
        s, _, o = self.pick(self.triples(RDFS.label))
        change = self.rnd.randrange(7)
        if change < 4:
            self.g.remove((s, RDFS.label, o))
        new = [Literal("   ", lang="en"), Literal(str(o)), Literal(str(o), lang="de"), Literal("", lang="en")]
        new += [Literal(f"{o} bis", lang="en"), Literal(f"{o} (GB)", lang="en-GB"), Literal("un", lang="fr")]
        self.g.add((s, RDFS.label, new[change]))
        if change == 6:
            self.g.add((s, RDFS.label, Literal("deux", lang="FR")))

    def reverse_dates(self) -> None:
        spans = [(s, start) for s, _, start in self.triples(IPKGO.startDate) if (s, IPKGO.endDate, None) in self.g]
        if spans:
            s, start = self.pick(spans)
            self.g.set((s, IPKGO.endDate, Literal(str(int(str(start)[:4]) - 1), datatype=XSD.gYear)))

    def untype(self) -> None:
        s, _, o = self.pick(self.triples(RDF.type))
        self.g.remove((s, RDF.type, o))
        if self.rnd.random() < 0.5:
            self.g.add((s, RDF.type, self.pick([IPKGO.Post, IPKGO.Event, IPKGO.Agent, IPKGO.Document])))

    def claim(self) -> None:
        subject, value = self.node(IPKGO.Organization), Literal("1967", datatype=XSD.gYear)
        prop = self.pick([IPKGO.foundingDate, *self.counts])
        rank = self.pick([WIKIBASE.PreferredRank, WIKIBASE.NormalRank, WIKIBASE.DeprecatedRank, WIKIBASE.BestRank])
        stated = {IPKGO.claimSubject: subject, IPKGO.claimProperty: prop, IPKGO.claimValue: value, WIKIBASE.rank: rank}
        claim = self.fresh(IPKGO.Claim, stated)
        defect = self.rnd.randrange(6)
        if defect == 0:  # a second preferred value of the same subject and property
            self.g.set((claim, WIKIBASE.rank, WIKIBASE.PreferredRank))
            self.fresh(IPKGO.Claim, {**stated, IPKGO.claimValue: Literal("1970", datatype=XSD.gYear)})
        elif defect == 1:
            self.g.add((claim, IPKGO.rankReason, Literal("why", lang="en")))
        elif defect == 2:
            self.g.add((claim, IPKGO.asOf, Literal("2020", datatype=XSD.gYear)))
        elif defect == 3:
            self.g.set((claim, IPKGO.claimSubject, Literal("an organization")))
        elif defect == 4:
            self.g.remove((claim, IPKGO.claimValue, None))

    def second_document_date(self) -> None:
        treaty = self.node(IPKGO.Treaty)
        dates = [Literal("1970", datatype=XSD.gYear), Literal("1971-03", datatype=XSD.gYearMonth)]
        for date in dates:
            self.g.add((treaty, IPKGO.adoptionDate, date))
            if self.rnd.random() < 0.5:  # a claim backs this value
                stated = {IPKGO.claimSubject: treaty, IPKGO.claimProperty: IPKGO.adoptionDate, IPKGO.claimValue: date}
                self.fresh(IPKGO.Claim, stated)

    def observation(self) -> None:
        index, area = self.fresh(IPKGO.Index), self.fresh(IPKGO.CooperationArea)
        state, treaty, year = self.node(IPKGO.State), self.node(IPKGO.Treaty), Literal("2021", datatype=XSD.gYear)
        kinds: list[tuple[Node, dict[str, Node]]] = [
            (IPKGO.RankingObservation, {"rankedEntity": state, "index": index, "edition": year, "rank": Literal(5)}),
            (IPKGO.NonPartyObservation, {"nonPartyState": state, "nonPartyTreaty": treaty, "asOf": year}),
            (IPKGO.AssemblySession, {"ordinal": Literal(62)}),
            (IPKGO.Election, {"elected": state, "electedTo": self.node(IPKGO.Organ), "date": year}),
            (IPKGO.Cooperation, {"area": area, "participant": state}),
        ]
        cls, values = self.pick(kinds)
        spoilt = self.pick(sorted(values))
        bad = [Literal("oops"), Literal(0), Literal("2021"), self.node(IPKGO.Sentence), IPKG["untyped"], None]
        planted = {IPKGO[name]: value for name, value in values.items() if name != spoilt}
        if (value := self.pick(bad)) is not None:  # None: the value is missing
            planted[IPKGO[spoilt]] = value
        self.fresh(cls, planted)


@pytest.fixture(scope="module")
def mutated(sources: tuple[Graph, Graph, Graph]) -> dict[int, tuple[Graph, Graph, Report]]:
    """seed → (mutated generated data, the same with the ontology mixed in, pySHACL's full report)."""
    _, ontology, shapes = sources
    graphs = {}
    for seed in SEEDS:
        text = io.StringIO()
        generate(text, 2500 + 500 * seed, seed=seed)
        data = Mutator(Graph().parse(data=text.getvalue(), format="turtle"), ontology, seed).run(40)
        mixed = data + ontology
        graphs[seed] = data, mixed, validate(mixed, shapes, None, engine="pyshacl")
    return graphs


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_violations_give_pyshacls_results(
    seed: int, sources: tuple[Graph, Graph, Graph], mutated: dict[int, tuple[Graph, Graph, Report]]
) -> None:
    _, ontology, shapes = sources
    data, _, reference = mutated[seed]
    compiled = validate(data, shapes, ontology)
    assert_same(compiled, reference)
    assert len({r.component for r in compiled.results}) >= 4, "the mutator should break several kinds of constraint"
    assert from_graph(compiled) == Counter(k[:5] for k in results(compiled).elements())


def test_planted_violations_cover_every_component(mutated: dict[int, tuple[Graph, Graph, Report]]) -> None:
    components = {r.component for _, _, report in mutated.values() for r in report.results}
    expected = {"MinCount", "MaxCount", "Class", "Datatype", "Or", "Pattern", "In", "MinInclusive", "NodeKind"}
    expected |= {"UniqueLang", "QualifiedMinCount", "QualifiedMaxCount", "SPARQL"}
    assert {SH[f"{name}ConstraintComponent"] for name in expected} <= components


@pytest.mark.parametrize("seed", SEEDS)
def test_focus_nodes_give_pyshacls_results_at_those_nodes(
    seed: int, sources: tuple[Graph, Graph, Graph], mutated: dict[int, tuple[Graph, Graph, Report]]
) -> None:
    shapes = sources[2]
    _, mixed, reference = mutated[seed]
    rnd = random.Random(seed)
    nodes = sorted({s for s in mixed.subjects() if isinstance(s, URIRef)}, key=str)
    for size in (1, 4, 12, 60):
        focus = [*rnd.sample(nodes, size), IPKG["not-in-the-graph"], BNode()]
        compiled = validate(mixed, shapes, None, focus=focus)
        expected = Counter({k: n for k, n in results(reference).items() if k[0] in focus})
        assert results(compiled) == expected
    flagged = sorted({r.focus for r in reference.results if isinstance(r.focus, URIRef)}, key=str)
    focus = rnd.sample(flagged, min(8, len(flagged))) + rnd.sample(nodes, 4)
    outside_nested = [
        Counter({k: n for k, n in results(report).items() if k[4] not in NESTED})
        for report in (
            validate(mixed, shapes, None, focus=focus),
            validate(mixed, shapes, None, focus=focus, engine="pyshacl"),
        )
    ]
    assert outside_nested[0] == outside_nested[1]


def test_focus_mode_checks_nested_shapes_at_values_that_are_not_focus_nodes(
    sources: tuple[Graph, Graph, Graph],
) -> None:
    _, ontology, shapes = sources
    data = Graph().parse(
        data="""
        @prefix ipkgo: <https://w3id.org/ipkg/ontology#> . @prefix prov: <http://www.w3.org/ns/prov#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <http://ex/src> a ipkgo:Source ; rdfs:label "S"@en ; ipkgo:url "http://x"^^xsd:anyURI ; ipkgo:confidence "H" .
        <http://ex/post> a ipkgo:Post ; rdfs:label "Post"@en , "Poste"@fr ; prov:wasDerivedFrom <http://ex/src> .
        <http://ex/person> a ipkgo:Person ; rdfs:label "P"@en ; prov:wasDerivedFrom <http://ex/src> .
        <http://ex/t> a ipkgo:Tenure ; rdfs:label "T"@en ; prov:wasDerivedFrom <http://ex/src> ;
            ipkgo:post <http://ex/post> ; ipkgo:holder <http://ex/person> ; ipkgo:startDate "nope" .
        """,
        format="turtle",
    )
    report = validate(data + ontology, shapes, None, focus=[URIRef("http://ex/post"), URIRef("http://ex/t")])
    assert {(str(r.focus), str(r.shape).rpartition("#")[2]) for r in report.results} == {
        ("http://ex/t", "Tenure-date-datatype-startDate")  # a French label is fine; "nope" is no date
    }


# --------------------------------------------------------------------------- the engine switch


def test_unsupported_shapes_fall_back_to_pyshacl() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true ; sh:property [ sh:path ex:p ] .
        """,
        format="turtle",
    )
    data = Graph().parse(data="<http://ex/a> a <http://ex/C> ; <http://ex/q> 1 .", format="turtle")
    with pytest.raises(Unsupported, match="closed"):
        compile_shapes(shapes)
    report = validate(data, shapes)
    assert not report.conforms
    assert {r.component for r in report.results} == {SH.ClosedConstraintComponent}


def test_shapes_are_compiled_once_per_shapes_graph(
    sources: tuple[Graph, Graph, Graph], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, ontology, shipped = sources
    shapes = Graph()
    shapes += shipped
    calls: list[Graph] = []

    def counting(graph: Graph) -> object:
        calls.append(graph)
        return compile_shapes(graph)

    monkeypatch.setattr("ipkg.build.validate.compile_shapes", counting)
    for _ in range(3):
        assert validate(data, shapes, ontology).conforms
    assert calls == [shapes]


def test_an_unknown_engine_is_refused(sources: tuple[Graph, Graph, Graph]) -> None:
    data, ontology, shapes = sources
    with pytest.raises(ValueError, match="engine"):
        validate(data, shapes, ontology, engine="fast")


def test_the_report_graph_is_a_shacl_validation_report(sources: tuple[Graph, Graph, Graph]) -> None:
    _, ontology, shapes = sources
    data = Graph().parse(REPO / "tests" / "fixtures" / "checks" / "violations.ttl")
    report = validate(data, shapes, ontology)
    root = report.graph.value(None, RDF.type, SH.ValidationReport, any=False)
    assert report.graph.value(root, SH.conforms) == Literal(False)
    assert len(set(report.graph.objects(root, SH.result))) == len(report.results) > 0
    assert list(validate(Graph(), shapes, ontology).graph.objects(None, SH.conforms)) == [Literal(True)]
