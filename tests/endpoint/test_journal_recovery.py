"""The journal after crashes and disk trouble, and what it records (issue 10, points 4 and 5).

- A torn last line (a kill during a long append) or bytes that are not an entry
  (invalid UTF-8) no longer stop the start: the good prefix is kept, the rest set
  aside in a file named for it, and the log says so without printing client data.
- The journal records each change's effect (quads removed and added), so a restart
  gives exactly what was acknowledged: STRUUID(), NOW() and blank nodes keep their values.
- Entries of the older kinds (update text, Graph Store N-Triples) are still replayed.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from ipkg.namespaces import GRAPH_FACTS, IPKG
from ipkg.store.journal import REJECTED_SUFFIX
from ipkg.store.memory import MemoryStore

MARKER = "PRIVATE-CLIENT-TEXT"


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "store" / "journal.jsonl"


def facts(store: MemoryStore) -> set[tuple[object, ...]]:
    return set(store.snapshot().quads(graph=GRAPH_FACTS))


def comments(store: MemoryStore) -> set[str]:
    return {str(o) for _, _, o, _ in store.snapshot().quads(IPKG.belarus, RDFS.comment)}


def committed(scratch_kg, journal: Path) -> MemoryStore:  # type: ignore[no-untyped-def]
    store = MemoryStore(scratch_kg, journal=journal)
    store.update('INSERT DATA { ipkg:belarus rdfs:comment "one"@en }')
    store.update('INSERT DATA { ipkg:belarus rdfs:comment "two"@en }')
    return store


def rejected(journal: Path) -> list[Path]:
    return sorted(journal.parent.glob(journal.name + REJECTED_SUFFIX + "*"))


@pytest.mark.parametrize(
    "tail",
    [
        b'{"time": "2024-01-01T00:00:00Z", "kind": "effect", "removed": "", "added": "<urn:' + MARKER.encode(),
        b"\xff\xfe" + MARKER.encode() + b"\n",
        b"[1, 2, 3]\n",
        b'{"kind": "effect", "removed": "", "added": "<urn:a> <urn:b> \\"' + MARKER.encode() + b'\\" <urn:g> ."}\n\xff',
    ],
    ids=["torn", "invalid-utf8", "not-an-entry", "good-then-torn"],
)
def test_a_bad_tail_is_set_aside_and_the_acknowledged_prefix_kept(
    scratch_kg, journal: Path, tail: bytes, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    before = facts(committed(scratch_kg, journal))
    good = journal.read_bytes()
    with journal.open("ab") as handle:
        handle.write(tail)
    caplog.set_level(logging.WARNING, logger="ipkg.store")
    restarted = MemoryStore(scratch_kg, journal=journal)
    expected = set(before)
    if tail.startswith(b'{"kind": "effect"'):  # a complete good entry before the torn bytes is kept
        expected |= {(URIRef("urn:a"), URIRef("urn:b"), Literal(MARKER), URIRef("urn:g"))}
        assert (URIRef("urn:a"), URIRef("urn:b"), Literal(MARKER), URIRef("urn:g")) in set(restarted.snapshot().quads())
    else:
        assert facts(restarted) == before
        assert journal.read_bytes() == good
    (aside,) = rejected(journal)
    assert tail.endswith(aside.read_bytes())
    assert str(aside) in caplog.text and "kept" in caplog.text
    assert MARKER not in caplog.text, "the journal's content is never printed"
    restarted.update('INSERT DATA { ipkg:belarus rdfs:comment "three"@en }')
    assert comments(MemoryStore(scratch_kg, journal=journal)) >= {"one", "two", "three"}


def test_a_torn_tail_is_set_aside_before_the_next_append(scratch_kg, journal: Path) -> None:  # type: ignore[no-untyped-def]
    """A store reopened without reading its journal (Oxigraph's) must not append after a torn line."""
    committed(scratch_kg, journal)
    with journal.open("ab") as handle:
        handle.write(b'{"kind": "eff')
    store = MemoryStore(scratch_kg, journal=journal, replay=False)
    store.update('INSERT DATA { ipkg:belarus rdfs:comment "after"@en }')
    assert journal.read_bytes().endswith(b"\n") and b'{"kind": "eff' not in journal.read_bytes()
    assert len(rejected(journal)) == 1
    assert comments(MemoryStore(scratch_kg, journal=journal)) == {"one", "two", "after"}


def test_the_cli_starts_on_a_torn_journal(
    scratch_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support import run_cli

    state = tmp_path / "var"
    entry = {"kind": "update", "update": 'INSERT DATA { ipkg:belarus rdfs:comment "journalled"@en }'}
    (state / "store").mkdir(parents=True)
    (state / "store" / "journal.jsonl").write_bytes(json.dumps(entry).encode() + b"\n\xff\xfe" + MARKER.encode())
    monkeypatch.setenv("IPKG_STATE_DIR", str(state))
    code, out, err = run_cli(capsys, scratch_root, "query", "SELECT ?c { ipkg:belarus rdfs:comment ?c }")
    assert code == 0, err
    assert "journalled" in out
    assert MARKER not in out + err


def test_the_journal_records_effects_and_a_restart_gives_the_same_values(scratch_kg, journal: Path) -> None:  # type: ignore[no-untyped-def]
    store = MemoryStore(scratch_kg, journal=journal)
    store.update("INSERT { ipkg:belarus rdfs:comment ?c } WHERE { BIND(STRUUID() AS ?c) }")
    store.update("INSERT { ipkg:belarus rdfs:comment ?c } WHERE { BIND(STR(NOW()) AS ?c) }")
    store.update('INSERT DATA { ipkg:belarus rdfs:seeAlso [ rdfs:label "a blank node"@en ] }')
    store.update('INSERT DATA { GRAPH <urn:x:g> { _:b <urn:x:p> "kept" ; <urn:x:q> "dropped" } }')
    store.update('DELETE WHERE { GRAPH <urn:x:g> { ?b <urn:x:q> "dropped" } }')
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [e["kind"] for e in entries] == ["effect"] * 5
    assert not any("update" in e for e in entries), "the update's text is not what is replayed"
    restarted = MemoryStore(scratch_kg, journal=journal)
    assert set(restarted.snapshot().quads()) == set(store.snapshot().quads())


def test_an_update_that_changes_nothing_is_not_journalled(scratch_kg, journal: Path) -> None:  # type: ignore[no-untyped-def]
    store = MemoryStore(scratch_kg, journal=journal)
    outcome = store.update('DELETE DATA { ipkg:belarus rdfs:comment "never there"@en }')
    assert (outcome.added, outcome.removed) == (0, 0)
    assert not journal.exists()


def test_entries_of_the_older_kinds_are_still_replayed(scratch_kg, journal: Path) -> None:  # type: ignore[no-untyped-def]
    journal.parent.mkdir(parents=True)
    old = [
        {"time": "2024-01-01T00:00:00Z", "update": 'INSERT DATA { ipkg:belarus rdfs:comment "text"@en }'},
        {"kind": "graph", "graph": "urn:x:g", "ntriples": '<urn:x:s> <urn:x:p> "n-triples" .\n', "merge": False},
    ]
    journal.write_text("".join(json.dumps(e) + "\n" for e in old))
    store = MemoryStore(scratch_kg, journal=journal)
    assert comments(store) == {"text"}
    assert (URIRef("urn:x:s"), URIRef("urn:x:p"), Literal("n-triples"), URIRef("urn:x:g")) in set(
        store.snapshot().quads()
    )


def test_a_graph_store_write_is_journalled_as_its_effect(scratch_kg, journal: Path) -> None:  # type: ignore[no-untyped-def]
    store = MemoryStore(scratch_kg, journal=journal)
    body = Graph()
    body.add((URIRef("urn:x:s"), URIRef("urn:x:p"), Literal("x" * 1_000_000)))
    store.write_graph(URIRef("urn:x:g"), body, merge=False)
    (entry,) = [json.loads(line) for line in journal.read_text().splitlines()]
    assert entry["kind"] == "effect" and entry["added"].startswith("<urn:x:s> <urn:x:p> ")
    assert set(MemoryStore(scratch_kg, journal=journal).snapshot().quads(graph=URIRef("urn:x:g"))) == set(
        store.snapshot().quads(graph=URIRef("urn:x:g"))
    )
