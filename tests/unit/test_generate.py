"""``ipkg generate``: synthetic data that builds (shapes, quality checks, reasoner), deterministic and streamed."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ipkg.build import KnowledgeGraph, build
from ipkg.config import Settings
from ipkg.generate import generate, word
from ipkg.namespaces import GRAPH_FACTS, IPKGO
from ipkg.protocol.dataset import DatasetSpec
from ipkg.store.memory import MemoryStore
from tests.support import REPO, run_cli, scratch_project

SMALL = 1500
"""Five rounds: enough for every kind of resource and for references to earlier rounds, and quick to build."""


def text(triples: int, *, seed: int = 0, fmt: str = "turtle") -> tuple[str, int]:
    out = io.StringIO()
    count = generate(out, triples, seed=seed, fmt=fmt)
    return out.getvalue(), count


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    """A scratch project whose only data is a generated file, built (validated and reasoned)."""
    root = tmp_path_factory.mktemp("generated")
    data, _ = text(SMALL, seed=7)
    scratch_project(root, data={"generated.ttl": data})
    return build(Settings(root=root, state_dir=root / "var"), progress=lambda _: None, cache=False)


def test_generated_data_satisfies_the_shapes(built: KnowledgeGraph) -> None:
    assert built.report.conforms, built.report.text()
    assert len(built.dataset.graph(GRAPH_FACTS)) >= SMALL


@pytest.mark.parametrize("check", sorted((REPO / "queries" / "checks").glob("*-violation.rq")), ids=lambda p: p.stem)
def test_generated_data_passes_the_quality_checks(built: KnowledgeGraph, check: Path) -> None:
    query = check.read_text(encoding="utf-8")
    found = list(MemoryStore(built).query(query, dataset=DatasetSpec(infer="# graph: inferred" in query)))
    assert not found, f"{check.name}: {found[:5]}"


def test_generated_data_has_every_kind_of_resource(built: KnowledgeGraph) -> None:
    facts = built.dataset.graph(GRAPH_FACTS)
    kinds = {o for o in facts.objects(None, RDF.type)}
    expected = {"State", "City", "IntergovernmentalOrganization", "GoverningBody", "Organ", "GovernmentBody"}
    expected |= {"Person", "Post", "Tenure", "Membership", "Treaty", "Signing", "Ratification", "Visit", "Meeting"}
    expected |= {"Source", "Sentence"}
    assert {IPKGO[k] for k in expected} <= kinds
    assert kinds & {IPKGO.Accession, IPKGO.DeclarationOfContinuedApplication}


def test_organs_and_treaty_acts_nest_for_transitive_part_of(built: KnowledgeGraph) -> None:
    """A working group is an organ of a committee, an organ of the organization: partOf reaches the organization."""
    union = built.dataset
    ipkg = "https://w3id.org/ipkg/id/"
    group = URIRef(f"{ipkg}gen-{word(0).lower()}-organization-working-group")
    assert (group, IPKGO.partOf, URIRef(f"{ipkg}gen-{word(0).lower()}-organization")) in union
    act = URIRef(f"{ipkg}gen-{word(2).lower()}-treaty")
    assert (act, IPKGO.partOf, URIRef(f"{ipkg}gen-{word(0).lower()}-treaty")) in union


def test_the_same_seed_gives_the_same_bytes() -> None:
    assert text(3000, seed=1) == text(3000, seed=1)
    assert text(3000, seed=1)[0] != text(3000, seed=2)[0]


def test_turtle_and_ntriples_hold_the_same_triples_and_the_count_is_exact() -> None:
    turtle, count = text(4000, seed=3)
    ntriples, same_count = text(4000, seed=3, fmt="ntriples")
    graph = Graph().parse(data=turtle, format="turtle")
    assert count == same_count == len(graph) == len(ntriples.splitlines())
    assert set(graph) == set(Graph().parse(data=ntriples, format="nt"))
    assert 4000 <= count < 4000 + 400, "stops at the end of the round that reaches the target"


class _Sink:
    """A text stream that keeps nothing."""

    def write(self, data: str) -> int:
        return len(data)


def test_output_is_streamed_in_constant_memory() -> None:
    def peak(triples: int) -> int:
        tracemalloc.start()
        generate(_Sink(), triples)  # type: ignore[arg-type]
        _, high = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return high

    small, large = peak(2_000), peak(40_000)
    assert large < 256 * 1024 and large < 2 * small + 64 * 1024, (small, large)


def test_words_are_distinct() -> None:
    assert len({word(n) for n in range(20_000)}) == 20_000
    assert len({word(n, digits=3) for n in range(20_000)}) == 20_000


def test_the_command_writes_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "data.nt"
    code, _, err = run_cli(capsys, tmp_path, "generate", "--triples", "600", "--output", str(out), "--seed", "5")
    assert code == 0, err
    assert "wrote" in err and str(out) in err
    assert len(Graph().parse(out, format="nt")) >= 600
    code, _, err = run_cli(capsys, tmp_path, "generate", "--triples", "600", "--output", str(tmp_path / "x.csv"))
    assert code == 2 and "unknown suffix" in err
