"""Competency questions: every queries/cq/*.rq returns its expected result on the shipped data.

Each query declares ``# graph: asserted`` (run without the inferred graph) or
``# graph: inferred`` (run on the union). Results are compared as multisets of
rows with blank nodes collapsed, and in order when the query has ORDER BY; a
failure prints the missing and the unexpected rows.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode
from rdflib.query import Result

from ipkg.protocol.dataset import DatasetSpec
from ipkg.store.memory import MemoryStore
from tests.support import REPO

CQ_DIR = REPO / "queries" / "cq"
QUERIES = sorted(CQ_DIR.glob("*.rq"))
HEADER = re.compile(r"^#\s*(question|source|graph):\s*(.+)$", re.MULTILINE)


def header(path: Path) -> dict[str, str]:
    return {key: value.strip() for key, value in HEADER.findall(path.read_text(encoding="utf-8"))}


def expected_result(path: Path) -> Result:
    for suffix, fmt in ((".tsv", "tsv"), (".srj", "json"), (".srx", "xml")):
        candidate = path.with_suffix(suffix)
        if candidate.exists():
            return Result.parse(io.BytesIO(candidate.read_bytes()), format=fmt)
    raise AssertionError(f"{path.name} has no expected result file (.tsv, .srj or .srx)")


def rows(result: Result) -> list[tuple[str, ...]]:
    if result.type == "ASK":
        return [(str(bool(result.askAnswer)),)]
    names = [str(v) for v in result.vars or []]
    out = []
    for row in result:
        values = row.asdict()  # type: ignore[union-attr]
        out.append(
            tuple(
                "_:b" if isinstance(values.get(n), BNode) else ("" if values.get(n) is None else values[n].n3())
                for n in names
            )
        )
    return out


@pytest.fixture(scope="module")
def store(kg) -> MemoryStore:  # type: ignore[no-untyped-def]
    return MemoryStore(kg)


def test_competency_folder_is_not_empty() -> None:
    assert len(QUERIES) >= 40, "queries/cq must hold the competency questions"


def test_every_query_has_a_header_and_an_expected_result() -> None:
    for path in QUERIES:
        meta = header(path)
        assert {"question", "source", "graph"} <= meta.keys(), path.name
        assert meta["graph"] in ("asserted", "inferred"), path.name
        assert re.fullmatch(r"(¶\d+\s*)+", meta["source"]), path.name
        expected_result(path)


def test_every_paragraph_of_the_source_has_a_question(kg) -> None:  # type: ignore[no-untyped-def]
    paragraphs = {
        int(p)
        for (p,) in kg.dataset.query(
            "SELECT DISTINCT ?p WHERE { ?s a ipkgo:Sentence ; "
            "ipkgo:inSource src:mfa-belarus-wipo ; ipkgo:paragraph ?p }"
        )
    }
    asked = {int(n) for path in QUERIES for n in re.findall(r"¶(\d+)", header(path)["source"])}
    assert paragraphs, "the source's sentences are missing from data/source.ttl"
    assert paragraphs <= asked, f"paragraphs with no competency question: {sorted(paragraphs - asked)}"


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_competency_question(store: MemoryStore, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    infer = header(path)["graph"] == "inferred"
    actual = rows(store.query(text, dataset=DatasetSpec(infer=infer)))
    expected = rows(expected_result(path))
    if re.search(r"\bORDER\s+BY\b", text, re.IGNORECASE):
        assert actual == expected, f"{header(path)['question']}\nexpected {expected}\nactual   {actual}"
        return
    missing = Counter(expected) - Counter(actual)
    unexpected = Counter(actual) - Counter(expected)
    assert not missing and not unexpected, (
        f"{header(path)['question']}\nmissing rows: {sorted(missing)}\nunexpected rows: {sorted(unexpected)}"
    )


LOCAL = "https://w3id.org/ipkg/id/"
SELECT_DISTINCT = re.compile(r"\bSELECT\s+DISTINCT\b", re.IGNORECASE)


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_competency_question_needs_no_distinct(store: MemoryStore, path: Path) -> None:
    """Without DISTINCT a question returns the same rows, each once: no answer comes twice.

    In particular no row is repeated because a resource and the Wikidata item it is owl:sameAs
    are both bound (the reasoner keeps one name per vocabulary), and no variable binds both names.
    """
    text = path.read_text(encoding="utf-8")
    infer = header(path)["graph"] == "inferred"
    without = rows(store.query(SELECT_DISTINCT.sub("SELECT", text), dataset=DatasetSpec(infer=infer)))
    repeated = sorted(row for row, n in Counter(without).items() if n > 1)
    assert not repeated, f"{path.name}: rows repeated without DISTINCT: {repeated}"
    one_name = {}
    for a, b in store.query("SELECT ?a ?b WHERE { ?a owl:sameAs ?b }", dataset=DatasetSpec(infer=False)):  # type: ignore[misc]
        local, other = (a, b) if str(a).startswith(LOCAL) else (b, a)
        if str(local).startswith(LOCAL) and not str(other).startswith(LOCAL):
            one_name[other.n3()] = local.n3()
    assert one_name, "no owl:sameAs links to collapse"
    collapsed = Counter(tuple(one_name.get(value, value) for value in row) for row in without)
    twice = sorted(row for row, n in collapsed.items() if n > 1)
    assert not twice, f"{path.name}: the same answer under a local and a Wikidata name: {twice}"


def test_asserted_questions_do_not_need_the_reasoner(store: MemoryStore) -> None:
    """A question marked 'inferred' must really need inference: it differs without it."""
    for path in QUERIES:
        if header(path)["graph"] != "inferred":
            continue
        text = path.read_text(encoding="utf-8")
        with_inference = rows(store.query(text, dataset=DatasetSpec(infer=True)))
        without = rows(store.query(text, dataset=DatasetSpec(infer=False)))
        assert Counter(with_inference) != Counter(without), f"{path.name} is marked inferred but needs no inference"
