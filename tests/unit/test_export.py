"""Export: every format round-trips to an isomorphic graph, Turtle is byte-stable, files are canonical."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from ipkg.build.load import parse_text, rdf_files
from ipkg.export import FORMATS, GRAPH_SELECTIONS, format_turtle, select_graphs, serialize
from ipkg.namespaces import GRAPH_FACTS, GRAPH_INFERRED, GRAPH_ONTOLOGY
from ipkg.store import MemoryStore

PARSERS = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig", "xml": "xml", "jsonld": "json-ld"}


def test_every_format_has_a_parser() -> None:
    assert set(FORMATS) == set(PARSERS)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_export_round_trips_to_an_isomorphic_graph(kg, name: str) -> None:  # type: ignore[no-untyped-def]
    graphs = select_graphs(MemoryStore(kg).snapshot(), "all")
    data = serialize(graphs, name).decode("utf-8")
    if FORMATS[name].quads:
        back = Dataset()
        back.parse(data=data, format=PARSERS[name])
        for graph in graphs:
            assert isomorphic(back.graph(graph.identifier), graph), graph.identifier
    else:
        merged = Graph()
        for graph in graphs:
            for triple in graph:
                merged.add(triple)
        assert isomorphic(parse_text(data, PARSERS[name]), merged)


@pytest.mark.parametrize("which", GRAPH_SELECTIONS)
def test_graph_selection(kg, which: str) -> None:  # type: ignore[no-untyped-def]
    names = {g.identifier for g in select_graphs(MemoryStore(kg).snapshot(), which)}
    expected = {
        "ontology": {GRAPH_ONTOLOGY},
        "facts": {GRAPH_FACTS},
        "inferred": {GRAPH_INFERRED},
    }.get(which)
    if expected is not None:
        assert names == expected
    if which == "asserted":
        assert GRAPH_INFERRED not in names and GRAPH_FACTS in names
    if which == "all":
        assert {GRAPH_INFERRED, GRAPH_FACTS, GRAPH_ONTOLOGY} <= names


def test_turtle_is_byte_stable_across_parses(kg) -> None:  # type: ignore[no-untyped-def]
    first = serialize(select_graphs(MemoryStore(kg).snapshot(), "facts"), "turtle")
    again = serialize([parse_text(first.decode("utf-8"), "turtle")], "turtle")
    assert first == again


def test_ntriples_is_sorted(kg) -> None:  # type: ignore[no-untyped-def]
    lines = serialize(select_graphs(MemoryStore(kg).snapshot(), "facts"), "ntriples").decode("utf-8").splitlines()
    assert lines == sorted(lines)


def test_format_turtle_keeps_the_header_comment() -> None:
    text = (
        "# A header.\n# Second line.\n@prefix ipkg: <https://w3id.org/ipkg/id/> .\n"
        "ipkg:b ipkg:p 1 . ipkg:a ipkg:p 2 .\n"
    )
    formatted = format_turtle(text)
    assert formatted.startswith("# A header.\n# Second line.\n")
    assert formatted.index("ipkg:a") < formatted.index("ipkg:b")
    assert format_turtle(formatted) == formatted


def test_shipped_turtle_files_are_canonical(root: Path) -> None:
    """Like `ruff format --check`: run `make fmt` (ipkg fmt) to fix a failure."""
    files = [p for folder in ("ontology", "data", "shapes") for p in rdf_files(root / folder) if p.suffix == ".ttl"]
    assert files
    not_canonical = [
        str(p.relative_to(root)) for p in files if format_turtle(p.read_text(encoding="utf-8"), p) != p.read_text()
    ]
    assert not not_canonical, f"run 'make fmt': {not_canonical}"
