"""The pipeline: one build function, a cache keyed by the inputs, nothing kept from a failed build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from ipkg.build import build
from ipkg.config import Settings
from ipkg.errors import InconsistentData, ValidationFailed
from ipkg.namespaces import GRAPH_FACTS, GRAPH_INFERRED, GRAPH_LINKS, GRAPH_ONTOLOGY
from tests.support import scratch_project


@pytest.fixture
def project(root: Path, tmp_path: Path) -> Path:
    """A copy of the shipped project, so a test can change it without touching the repo."""
    return scratch_project(tmp_path / "project", data_from=root / "data")


def test_dataset_has_one_graph_per_concern_and_a_union_default(kg) -> None:  # type: ignore[no-untyped-def]
    names = {g.identifier for g in kg.dataset.graphs() if len(g)}
    assert {GRAPH_ONTOLOGY, GRAPH_FACTS, GRAPH_LINKS, GRAPH_INFERRED} <= names
    total = {t for g in kg.dataset.graphs() for t in g}
    assert len(kg.dataset) == len(total)


def test_cached_build_equals_the_full_build(project: Path, tmp_path: Path) -> None:
    settings = Settings(root=project, state_dir=tmp_path / "state")
    first = build(settings, progress=lambda _: None)
    assert "reason" in first.timings
    second = build(settings, progress=lambda _: None)
    assert "reason" not in second.timings, "an unchanged project must come from the cache"
    for graph in first.dataset.graphs():
        assert isomorphic(graph, second.dataset.graph(graph.identifier)), graph.identifier


def test_changed_input_invalidates_the_cache(project: Path, tmp_path: Path) -> None:
    settings = Settings(root=project, state_dir=tmp_path / "state")
    build(settings, progress=lambda _: None)
    states = project / "data" / "states.ttl"
    states.write_text(states.read_text() + "\n")
    assert "reason" in build(settings, progress=lambda _: None).timings


def test_invalid_data_is_rejected_and_nothing_is_cached(project: Path, tmp_path: Path, root: Path) -> None:
    fixtures = sorted((root / "tests/fixtures/shapes/invalid").glob("RankingObservation-*.ttl"))
    shutil.copy(fixtures[0], project / "data" / "zz-invalid.ttl")
    settings = Settings(root=project, state_dir=tmp_path / "state")
    with pytest.raises(ValidationFailed) as caught:
        build(settings, progress=lambda _: None)
    assert "RankingObservation" in str(caught.value)
    assert not list((tmp_path / "state").rglob("build-*.nq"))


def test_inconsistent_data_stops_the_build(project: Path, tmp_path: Path) -> None:
    (project / "data" / "zz-inconsistent.ttl").write_text(
        "@prefix ipkg: <https://w3id.org/ipkg/id/> .\n"
        "@prefix ipkgo: <https://w3id.org/ipkg/ontology#> .\n"
        "ipkg:belarus a ipkgo:Person .\n"
    )
    with pytest.raises(InconsistentData, match="belarus"):
        build(Settings(root=project, state_dir=tmp_path / "state"), progress=lambda _: None)


def test_union_reads_several_graphs_as_one_and_each_triple_once() -> None:
    from rdflib import Graph, URIRef

    from ipkg.build.union import union

    a, b, c = (URIRef(f"http://example.org/{n}") for n in "abc")
    first, second, third = Graph(), Graph(), Graph()
    first.add((a, b, c))
    second.add((a, b, c))
    second.add((b, b, c))
    third.add((c, b, a))
    view = union(first, second, third)
    assert sorted(view) == sorted([(a, b, c), (b, b, c), (c, b, a)])
    assert len(view) == 3
    assert set(view.subjects(b, c)) == {a, b}
    assert union(first) is first
    assert len(union()) == 0
