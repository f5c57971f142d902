"""Quality checks: every queries/checks/*-violation.rq returns no rows on the shipped data."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipkg.protocol.dataset import DatasetSpec
from ipkg.store.memory import MemoryStore
from tests.support import REPO

CHECKS = sorted((REPO / "queries" / "checks").glob("*-violation.rq"))


@pytest.fixture(scope="module")
def store(kg) -> MemoryStore:  # type: ignore[no-untyped-def]
    return MemoryStore(kg)


def test_checks_folder_is_not_empty() -> None:
    assert len(CHECKS) >= 5


@pytest.mark.parametrize("path", CHECKS, ids=[p.stem for p in CHECKS])
def test_check_finds_no_violation(store: MemoryStore, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    infer = "# graph: inferred" in text
    found = list(store.query(text, dataset=DatasetSpec(infer=infer)))
    assert not found, f"{path.name}: {len(found)} violation(s), e.g. {found[:5]}"


@pytest.mark.parametrize("path", CHECKS, ids=[p.stem for p in CHECKS])
def test_check_can_fail(ontology, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Each check finds the violation planted for it in tests/fixtures/checks/violations.ttl."""
    from rdflib import Graph

    graph = Graph()
    for triple in ontology:
        graph.add(triple)
    graph.parse(Path(__file__).parent / "fixtures" / "checks" / "violations.ttl")
    assert list(graph.query(path.read_text(encoding="utf-8"))), f"{path.name} found nothing in the violations fixture"
