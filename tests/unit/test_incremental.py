"""Incremental transactions equal full rebuilds (differential): same acceptance, same asserted and inferred graphs.

The reference is the in-memory backend, which copies, validates everything and
reasons over everything for each change. Random sequences of changes (seeded)
go to both; after each one the outcome and the data must agree.
"""

from __future__ import annotations

import random

import pytest

from ipkg.build import KnowledgeGraph, build
from ipkg.config import Settings
from ipkg.errors import InconsistentData, IpkgError, ValidationFailed
from ipkg.namespaces import GRAPH_INFERRED
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
