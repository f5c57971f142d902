"""JSON-LD: a published context with short keys, PyLD round trips, framing, no remote fetches."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pyld import jsonld as pyld
from rdflib import Graph
from rdflib.compare import isomorphic

from ipkg.build.load import parse_text
from ipkg.errors import LoadError
from ipkg.jsonld import CONTEXT_FILE, CONTEXT_URL, compact, context_text, document_loader, dumps
from ipkg.namespaces import IPKG
from tests.support import ConnectionTrap


@pytest.fixture(scope="module")
def facts(kg) -> Graph:  # type: ignore[no-untyped-def]
    from ipkg.namespaces import GRAPH_FACTS

    graph = Graph()
    for triple in kg.dataset.graph(GRAPH_FACTS):
        graph.add(triple)
    return graph


def test_shipped_context_is_generated_from_the_ontology(ontology: Graph) -> None:
    assert CONTEXT_FILE.read_text(encoding="utf-8") == context_text(ontology), "run 'make fmt'"


def test_compacted_document_uses_short_keys(facts: Graph) -> None:
    document = compact(facts)
    assert document["@context"] == CONTEXT_URL
    belarus = next(node for node in document["@graph"] if node["id"] == "ipkg:belarus")
    assert belarus["label"] == {"en": "Belarus"}
    assert belarus["type"] == "State"
    assert not any(key.startswith("http") for node in document["@graph"] for key in node)


def test_pyld_expands_the_export_back_to_the_same_graph(facts: Graph) -> None:
    """PyLD is an independent processor: its RDF of our JSON-LD must equal the graph we exported."""
    text = dumps(compact(facts)).decode("utf-8")
    nquads = pyld.to_rdf(json.loads(text), {"format": "application/n-quads", "documentLoader": document_loader})
    assert isomorphic(parse_text(nquads, "nquads"), facts)


def test_rdflib_reads_the_export_with_the_context_resolved_locally(facts: Graph) -> None:
    text = dumps(compact(facts)).decode("utf-8")
    assert isomorphic(parse_text(text, "json-ld"), facts)


def test_framing_on_an_entity_gives_one_tree(facts: Graph) -> None:
    document = compact(facts, frame_id=str(IPKG.belarus))
    assert document["@context"] == CONTEXT_URL
    root = document.get("@graph", [document])[0] if "@graph" in document else document
    assert root["id"] == "ipkg:belarus"
    assert root["label"] == {"en": "Belarus"}


def test_export_is_deterministic(facts: Graph) -> None:
    assert dumps(compact(facts)) == dumps(compact(Graph().parse(data=facts.serialize(format="nt"), format="nt")))


@pytest.fixture
def listener() -> Iterator[ConnectionTrap]:
    """A TCP socket on the loopback that counts the connections it accepts."""
    with ConnectionTrap() as trap:
        yield trap


@pytest.mark.parametrize("key", ["@context", "@import"])
def test_remote_context_is_refused_without_a_connection(listener: ConnectionTrap, key: str) -> None:
    remote = f"{listener.base}/other-context.jsonld"
    context = remote if key == "@context" else {"@import": remote}
    document = json.dumps({"@context": context, "@id": "http://example.org/a", "http://example.org/p": "x"})
    with pytest.raises(LoadError, match="not fetched"):
        parse_text(document, "json-ld", source="upload.jsonld")
    assert listener.count() == 0


def _offline(url: str, options: object = None) -> dict[str, object]:
    raise AssertionError(f"tried to load {url}")


def test_a_file_export_expands_offline(kg, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`ipkg export --format jsonld` embeds the context: any JSON-LD processor expands it with no network."""
    from ipkg.export import select_graphs, serialize
    from ipkg.store.memory import MemoryStore

    data = serialize(select_graphs(MemoryStore(kg).snapshot(), "facts"), "jsonld")
    document = json.loads(data)
    assert isinstance(document["@context"], dict) and document["@context"]["label"]["@container"] == "@language"
    nquads = pyld.to_rdf(document, {"format": "application/n-quads", "documentLoader": _offline})
    back = parse_text(nquads, "nquads")
    assert len(back) == len(select_graphs(MemoryStore(kg).snapshot(), "facts")[0])
    remote = json.loads(serialize(select_graphs(MemoryStore(kg).snapshot(), "facts"), "jsonld", context="remote"))
    assert remote["@context"] == CONTEXT_URL
