"""Incremental transactions equal full rebuilds (differential): same acceptance, same asserted and inferred graphs.

The reference is the in-memory backend, which copies, validates everything and
reasons over everything for each change. Random sequences of changes (seeded)
go to both; after each one the outcome and the data must agree. Removals, which
the writer takes back by delete and rederive, have sequences of their own, on the
shipped data and on a generated graph, checked against reasoning from scratch.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import random

import pytest
from rdflib import BNode, Dataset, Graph
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from ipkg.build import KnowledgeGraph, build
from ipkg.build.reason import infer
from ipkg.config import Settings
from ipkg.errors import InconsistentData, IpkgError, ValidationFailed
from ipkg.generate import generate
from ipkg.namespaces import GRAPH_FACTS, GRAPH_INFERRED, GRAPH_LINKS, GRAPH_ONTOLOGY, IPKG, IPKGO, WD
from ipkg.store.changes import UpdateChange
from ipkg.store.incremental import IncrementalWriter
from ipkg.store.memory import MemoryStore
from tests.support import REPO

PREFIXES = """PREFIX ipkg: <https://w3id.org/ipkg/id/>
PREFIX ipkgo: <https://w3id.org/ipkg/ontology#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX src: <https://w3id.org/ipkg/id/source/>
"""
SOURCE = "src:mfa-belarus-wipo-p01-s01"


def new_state(n: int) -> str:
    return f"""INSERT DATA {{ ipkg:state-{n} a ipkgo:State ; rdfs:label "State {n}"@en ;
        prov:wasDerivedFrom {SOURCE} . }}"""


def membership(n: int) -> str:
    return f"""INSERT DATA {{ ipkg:membership-{n} a ipkgo:Membership ; rdfs:label "State {n} in WIPO"@en ;
        ipkgo:member ipkg:state-{n} ; ipkgo:organization ipkg:wipo ; ipkgo:startDate "2001"^^xsd:gYear ;
        prov:wasDerivedFrom {SOURCE} . }}"""


def ended(n: int) -> str:
    return f'INSERT DATA {{ ipkg:membership-{n} ipkgo:endDate "2010"^^xsd:gYear . }}'


def linked(n: int) -> str:
    return f"INSERT DATA {{ ipkg:state-{n} owl:sameAs wd:Q{900000 + n} . }}"


def comment(n: int) -> str:
    return f'INSERT DATA {{ ipkg:state-{n} rdfs:comment "note {n}"@en . }}'


def uncomment(n: int) -> str:
    return f'DELETE DATA {{ ipkg:state-{n} rdfs:comment "note {n}"@en . }}'


def unlabelled(n: int) -> str:
    return f"INSERT DATA {{ ipkg:bad-{n} a ipkgo:State . }}"  # no label, no provenance: rejected


def person_state(n: int) -> str:
    return f"INSERT DATA {{ ipkg:state-{n} a ipkgo:Person . }}"  # disjoint classes: rejected


def dropped(n: int) -> str:
    return f"DELETE WHERE {{ ipkg:membership-{n} ?p ?o }}"


STEPS = (new_state, membership, ended, linked, comment, uncomment, unlabelled, person_state, dropped)


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    settings = Settings(root=REPO, state_dir=tmp_path_factory.mktemp("state"))
    return build(settings, progress=lambda _: None)


def state_of_reference(store: MemoryStore) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    quads = set(store.snapshot().quads())
    return {q for q in quads if q[3] != GRAPH_INFERRED}, {q[:3] for q in quads if q[3] == GRAPH_INFERRED}


def state_of_writer(writer: IncrementalWriter) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    quads = set(writer.quads())
    return {q for q in quads if q[3] != GRAPH_INFERRED}, {q[:3] for q in quads if q[3] == GRAPH_INFERRED}


def outcome(action: object) -> str:
    try:
        action()  # type: ignore[operator]
    except ValidationFailed:
        return "rejected: shapes"
    except InconsistentData:
        return "rejected: inconsistent"
    except IpkgError as error:
        return f"rejected: {type(error).__name__}"
    return "committed"


def test_the_writer_starts_where_the_build_ends(kg: KnowledgeGraph) -> None:
    assert state_of_writer(IncrementalWriter(kg)) == state_of_reference(MemoryStore(kg))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_change_sequences_equal_full_rebuilds(kg: KnowledgeGraph, seed: int) -> None:
    rng = random.Random(seed)
    reference = MemoryStore(kg)
    writer = IncrementalWriter(kg)
    outcomes = []
    for number in range(7):
        step = rng.choice(STEPS)
        n = rng.randint(1, 3)
        text = PREFIXES + step(n)
        expected = outcome(lambda text=text: reference.update(text))
        actual = outcome(lambda text=text: writer.commit(UpdateChange(text)))
        assert actual == expected, f"step {number} {step.__name__}({n})"
        assert state_of_writer(writer) == state_of_reference(reference), f"after step {number} {step.__name__}({n})"
        outcomes.append(expected)
    assert "committed" in outcomes


def test_a_rejected_change_leaves_everything_as_it_was(kg: KnowledgeGraph) -> None:
    writer = IncrementalWriter(kg)
    before = state_of_writer(writer)
    with pytest.raises(ValidationFailed):
        writer.commit(UpdateChange(PREFIXES + unlabelled(1)))
    with pytest.raises(InconsistentData):
        writer.commit(UpdateChange(PREFIXES + new_state(5) + " ; " + person_state(5)))
    assert state_of_writer(writer) == before


def test_a_small_insert_reports_its_own_effect(kg: KnowledgeGraph) -> None:
    writer = IncrementalWriter(kg)
    committed = writer.commit(UpdateChange(PREFIXES + new_state(7)))
    assert committed is not None
    effect, removed, added = committed
    assert len(effect.added) == 3 and not effect.removed
    assert not removed and added  # typed up the hierarchy: Agent, Place …
    assert writer.commit(UpdateChange(PREFIXES + new_state(7))) is None  # nothing new: nothing committed


# -- removals: delete and rederive, against reasoning from scratch after every step ------------


@pytest.fixture(scope="module")
def unshaped(kg: KnowledgeGraph) -> KnowledgeGraph:
    """The shipped graph without shapes: every removal commits and reaches the reasoner (shapes are tested above)."""
    return dataclasses.replace(kg, shapes=Graph())


@pytest.fixture(scope="module")
def generated(kg: KnowledgeGraph) -> KnowledgeGraph:
    """A generated graph with the shipped ontology, owl:sameAs links to made-up items, and no shapes."""
    text = io.StringIO()
    generate(text, 2500, seed=5, fmt="ntriples")
    dataset = Dataset()
    for triple in kg.ontology:
        dataset.graph(GRAPH_ONTOLOGY).add(triple)
    facts, links = dataset.graph(GRAPH_FACTS), dataset.graph(GRAPH_LINKS)
    for triple in Graph().parse(data=text.getvalue(), format="nt"):
        facts.add(triple)
    for n, state in enumerate(sorted(facts.subjects(RDF.type, IPKGO.State), key=str)):
        links.add((state, OWL.sameAs, WD[f"Q{900_000 + n}"]))
    return dataclasses.replace(kg, dataset=dataset, shapes=Graph())


def removal_kinds(ontology: Graph) -> dict[str, frozenset[Node]]:
    """Predicates of stated triples that support derivations, by the rules they feed."""
    inverse = {*ontology.subjects(OWL.inverseOf), *ontology.objects(None, OWL.inverseOf)}
    return {
        "type": frozenset({RDF.type}),
        "sub-property": frozenset(ontology.subjects(RDFS.subPropertyOf)),
        "inverse": frozenset(inverse),
        "partOf": frozenset({IPKGO.partOf}),
        "membership": frozenset({IPKGO.member, IPKGO.organization, IPKGO.hasMembership}),
        "sameAs": frozenset({OWL.sameAs}),
    }


def asserted(writer: IncrementalWriter) -> list[tuple[Node, Node, Node, Node]]:
    """The writer's asserted quads a DELETE DATA can name (no ontology, no blank node), in a stable order."""
    quads = (q for q in writer.quads() if q[3] not in (GRAPH_INFERRED, GRAPH_ONTOLOGY))
    return sorted((q for q in quads if not any(isinstance(t, BNode) for t in q[:3])), key=str)


def data_block(quads: list[tuple[Node, Node, Node, Node]]) -> str:
    return " ".join(f"GRAPH {g.n3()} {{ {s.n3()} {p.n3()} {o.n3()} }}" for s, p, o, g in quads)


def assert_inferred_from_scratch(writer: IncrementalWriter, ontology: Graph) -> None:
    data = Graph()
    for s, p, o, g in writer.quads():
        if g != GRAPH_INFERRED:
            data.add((s, p, o))
    expected = set(infer(ontology, [data]))
    actual = state_of_writer(writer)[1]
    missing, extra = expected - actual, actual - expected
    assert not missing and not extra, f"missing {sorted(missing, key=str)[:5]}, extra {sorted(extra, key=str)[:5]}"


REMOVE, REINSERT, CONTRADICT = "remove", "re-insert", "contradiction"
SCHEDULE = (REMOVE, REMOVE, REINSERT, REMOVE, CONTRADICT, REMOVE, REMOVE, REINSERT, REMOVE, REMOVE, REMOVE)
"""Each step of a removal sequence: a removal (of each kind in turn, random triples), a re-insertion of a
removed quad, or a removal with an insertion that contradicts the ontology (rejected: the closure is restored)."""


@pytest.mark.parametrize("graph", ["unshaped", "generated"])
def test_random_removals_equal_reasoning_from_scratch(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, graph: str
) -> None:
    """Removals of every kind, re-insertions and contradictions; only a sameAs removal may recompute the closure."""
    kg: KnowledgeGraph = request.getfixturevalue(graph)
    writer = IncrementalWriter(kg)
    recomputed: list[str] = []
    close = IncrementalWriter._close

    def counted(self: IncrementalWriter) -> object:
        recomputed.append(kind)
        return close(self)

    monkeypatch.setattr(IncrementalWriter, "_close", counted)
    kinds = removal_kinds(kg.ontology)
    rng = random.Random(graph)
    turns = itertools.cycle(kinds)
    removed: list[tuple[Node, Node, Node, Node]] = []
    committed = 0
    for number, action in enumerate(SCHEDULE):
        quads = asserted(writer)
        candidates = {kind: [q for q in quads if q[1] in predicates] for kind, predicates in kinds.items()}
        kind = next(k for k in turns if candidates[k]) if action == REMOVE else action
        if kind == REINSERT:
            text = f"INSERT DATA {{ {data_block([removed.pop(rng.randrange(len(removed)))])} }}"
        elif kind == CONTRADICT:
            state = rng.choice([s for s, p, o, _ in quads if p == RDF.type and o == IPKGO.State])
            quad = rng.choice([q for q in quads if q[0] != state and q[1] != OWL.sameAs])
            text = f"DELETE DATA {{ {data_block([quad])} }} ; INSERT DATA {{ {state.n3()} a {IPKGO.Person.n3()} }}"
        else:
            picked = rng.sample(candidates[kind], min(len(candidates[kind]), rng.choice((1, 1, 3))))
            removed.extend(picked)
            text = f"DELETE DATA {{ {data_block(picked)} }}"
        before = set(writer.quads())
        result = outcome(lambda text=text: writer.commit(UpdateChange(text)))
        if kind == CONTRADICT:
            assert result == "rejected: inconsistent", f"step {number}"
            assert set(writer.quads()) == before, f"step {number}: the rejected change left traces"
            link = f"INSERT DATA {{ GRAPH {GRAPH_LINKS.n3()} {{ {state.n3()} {OWL.sameAs.n3()} {WD.Q1.n3()} }} }}"
            assert outcome(lambda link=link: writer.commit(UpdateChange(link))) == "committed"  # refilters it all
        else:
            assert result == "committed", f"step {number} {kind}: {result}"
            committed += 1
        assert_inferred_from_scratch(writer, kg.ontology)
    assert committed >= 5
    assert set(recomputed) <= {"sameAs"}, "DRed takes back every removal but those that may split a sameAs class"


def test_a_small_removal_reports_its_own_effect(unshaped: KnowledgeGraph) -> None:
    writer = IncrementalWriter(unshaped)
    assert writer.commit(UpdateChange(PREFIXES + new_state(8)))
    committed = writer.commit(UpdateChange(PREFIXES + "DELETE DATA { ipkg:state-8 a ipkgo:State . }"))
    assert committed is not None
    effect, removed, added = committed
    assert len(effect.removed) == 1 and not effect.added
    assert removed and not added
    assert {s for s, _, _ in removed} == {IPKG["state-8"]}  # its types up the hierarchy, its P31 (hasValue)
    assert_inferred_from_scratch(writer, unshaped.ontology)


# -- what the output filters read: sameAs classes and memberships, judged again where a change concerns them ----

FILTER_STEPS = (
    new_state(1) + " ; " + membership(1),  # a current membership: memberOf, wdt:P463, hasMember inferred
    ended(1),  # ended: those go
    "INSERT DATA { ipkg:state-1 wdt:P463 ipkg:wipo . }",  # stated as memberOf's equivalent: current again
    "DELETE DATA { ipkg:state-1 wdt:P463 ipkg:wipo . }",
    linked(1),  # the copies under wd:Q900001 keep one name per vocabulary
    "INSERT DATA { ipkg:a-state-1 owl:sameAs wd:Q900001 . }",  # a local name sorting first: state-1's triples move
    'DELETE DATA { ipkg:membership-1 ipkgo:endDate "2010"^^xsd:gYear . }',  # reopened, the pair under its new name
    f"""INSERT DATA {{ ipkg:membership-2 a ipkgo:Membership ; ipkgo:member wd:Q900001 ;
        ipkgo:organization ipkg:wipo ; ipkgo:endDate "1999"^^xsd:gYear ; prov:wasDerivedFrom {SOURCE} . }}""",
    dropped(1),  # the open membership goes, the ended one stays: the pair has ended
    "DELETE DATA { ipkg:a-state-1 owl:sameAs wd:Q900001 . }",  # the class splits: recomputed
)


def test_changes_to_what_the_filters_read_equal_reasoning_from_scratch(
    unshaped: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memberships ending and reopening, direct statements, sameAs classes growing (renaming) and splitting."""
    writer = IncrementalWriter(unshaped)
    recomputed: list[int] = []
    close = IncrementalWriter._close

    def counted(self: IncrementalWriter) -> object:
        recomputed.append(number)
        return close(self)

    def members() -> set[Node]:
        return {s for s in (IPKG["state-1"], IPKG["a-state-1"]) if (s, IPKGO.memberOf, IPKG.wipo) in writer.inferred}

    monkeypatch.setattr(IncrementalWriter, "_close", counted)
    seen = []
    for number, step in enumerate(FILTER_STEPS):
        before = set(writer.inferred)
        committed = writer.commit(
            UpdateChange(PREFIXES + "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n" + step)
        )
        assert committed is not None, f"step {number}"
        _, removed, added = committed
        assert writer.inferred == (before - removed) | added and not removed & added, f"step {number}"
        assert_inferred_from_scratch(writer, unshaped.ontology)
        seen.append(members())
    assert recomputed == [len(FILTER_STEPS) - 1], "only the split recomputes the closure"
    state, renamed = {IPKG["state-1"]}, {IPKG["a-state-1"]}
    assert seen == [state, set(), state, set(), set(), set(), renamed, renamed, set(), set()]
