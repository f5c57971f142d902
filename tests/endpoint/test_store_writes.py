"""Writes found by review: the facts graph by name, graph IRIs from clients, bodies with bad IRIs."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS

from ipkg.namespaces import GRAPH_FACTS, IPKG
from ipkg.store.memory import MemoryStore

FACTS = str(GRAPH_FACTS)


def comments(store: MemoryStore) -> set[str]:
    return {str(o) for o in store.knowledge_graph.dataset.graph(GRAPH_FACTS).objects(IPKG.belarus, RDFS.comment)}


@pytest.fixture
def store(scratch_kg, tmp_path: Path) -> MemoryStore:  # type: ignore[no-untyped-def]
    return MemoryStore(scratch_kg, journal=tmp_path / "journal.jsonl")


def test_graph_facts_by_name_is_the_default_graph(store: MemoryStore, tmp_path: Path) -> None:
    store.update(f'INSERT DATA {{ GRAPH <{FACTS}> {{ ipkg:belarus rdfs:comment "named"@en }} }}')
    store.update('INSERT DATA { ipkg:belarus rdfs:comment "default"@en }')
    seen = 'INSERT { ipkg:belarus rdfs:comment "seen"@en } '
    store.update(seen + f'WHERE {{ GRAPH <{FACTS}> {{ ipkg:belarus rdfs:comment "named"@en }} }}')
    assert comments(store) == {"named", "default", "seen"}
    store.update(f'DELETE DATA {{ GRAPH <{FACTS}> {{ ipkg:belarus rdfs:comment "default"@en }} }}')
    assert comments(store) == {"named", "seen"}


def test_journal_replay_gives_the_same_data(scratch_kg, store: MemoryStore, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Every kind of change, replayed after a restart, gives exactly the committed data."""
    store.update(f'INSERT DATA {{ GRAPH <{FACTS}> {{ ipkg:belarus rdfs:comment "a"@en }} }}')
    from rdflib import Graph

    extra = Graph()
    extra.add((URIRef("urn:x:s"), URIRef("urn:x:p"), Literal("o")))
    store.write_graph(URIRef("urn:x:g"), extra, merge=False)
    store.update("DELETE WHERE { ipkg:belarus rdfs:comment ?c }")
    restarted = MemoryStore(scratch_kg, journal=tmp_path / "journal.jsonl")
    before = {(t, str(g.identifier)) for g in store.knowledge_graph.dataset.graphs() for t in g}
    after = {(t, str(g.identifier)) for g in restarted.knowledge_graph.dataset.graphs() for t in g}
    assert before == after


@pytest.mark.parametrize(
    "graph",
    [
        "urn:x> { <urn:a> <urn:b> <urn:c> } } ; DROP SILENT GRAPH <https://w3id.org/ipkg/graph/ontology> ; "
        "INSERT DATA { GRAPH <urn:y",
        "relative",
        "_:b0",
        "",
        "http://example.org/a b",
    ],
)
def test_gsp_graph_parameter_must_be_an_absolute_iri(client, graph: str) -> None:  # type: ignore[no-untyped-def]
    from tests.support import AUTH

    before = client.get("/health").get_json()["graphs"]
    response = client.put(
        "/graph-store",
        query_string={"graph": graph},
        data='<urn:a> <urn:b> "c" .\n',
        headers={**AUTH, "Content-Type": "application/n-triples"},
    )
    assert response.status_code == 400
    assert "graph" in response.get_data(as_text=True)
    assert client.get("/health").get_json()["graphs"] == before


def test_body_with_a_malformed_iri_is_400_and_changes_nothing(client) -> None:  # type: ignore[no-untyped-def]
    from tests.support import AUTH

    before = client.get("/health").get_json()["graphs"]
    response = client.post(
        "/graph-store?graph=urn:x:g",
        data='<urn:a b> <urn:b> "x" .\n',
        headers={**AUTH, "Content-Type": "text/turtle"},
    )
    assert response.status_code == 400
    assert "invalid IRI" in response.get_data(as_text=True)
    assert client.get("/health").get_json()["graphs"] == before


def test_graph_sizes_follow_every_kind_of_change(app) -> None:  # type: ignore[no-untyped-def]
    """The sizes a store keeps per generation (VoID, ``infer=false`` datasets) equal a count of its quads."""
    from collections import Counter

    from rdflib import Graph

    store = app.extensions["ipkg"].store
    store.graph_sizes()  # counted once, then carried along by each change
    extra = Graph()
    extra.add((URIRef("urn:x:s"), URIRef("urn:x:p"), Literal("o")))
    changes = [
        lambda: store.update(f'INSERT DATA {{ GRAPH <{FACTS}> {{ ipkg:belarus rdfs:comment "a"@en }} }}'),
        lambda: store.write_graph(URIRef("urn:x:g"), extra, merge=False),
        lambda: store.update("DELETE WHERE { ipkg:belarus rdfs:comment ?c }"),
        lambda: store.write_graph(URIRef("urn:x:g"), None, merge=False),
    ]
    for change in changes:
        change()
        counted = Counter(graph for *_, graph in store.snapshot().quads())
        assert store.graph_sizes() == dict(sorted(counted.items()))
