"""Export: every format round-trips to an isomorphic graph, Turtle is byte-stable, files are canonical."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from ipkg.build.load import parse_text, rdf_files
from ipkg.export import FORMATS, GRAPH_SELECTIONS, format_turtle, select_graphs, serialize
from ipkg.namespaces import GRAPH_FACTS, GRAPH_INFERRED, GRAPH_ONTOLOGY
from ipkg.store.memory import MemoryStore

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


# --------------------------------------------------------------------------- byte-identical, named graphs, graph IRIs

EXPORT_ALL = """
import sys
from pathlib import Path
from ipkg.cli import main
out, root = Path(sys.argv[1]), sys.argv[2]
for name in ("turtle", "ntriples", "nquads", "trig", "xml", "jsonld"):
    code = main(["--root", root, "-q", "export", "--format", name, "--output", str(out / name)])
    assert code == 0, name
"""


@pytest.mark.slow
def test_every_format_is_byte_identical_across_processes(root: Path, tmp_path: Path) -> None:
    """Two processes parse the files into different blank nodes; canonical labels make the bytes equal.

    The first process builds (and caches), the second loads the cache: both have blank nodes
    (the ontology's restrictions and lists) under fresh random labels.
    """
    import os
    import subprocess
    import sys

    state = tmp_path / "state"
    runs = [tmp_path / "first", tmp_path / "second"]
    env = {**os.environ, "IPKG_STATE_DIR": str(state)}
    for out in runs:
        out.mkdir()
        subprocess.run([sys.executable, "-c", EXPORT_ALL, str(out), str(root)], check=True, env=env, cwd=root)
    for name in ("turtle", "ntriples", "nquads", "trig", "xml", "jsonld"):
        first, second = ((out / name).read_bytes() for out in runs)
        assert first, name
        assert first == second, f"{name}: the two exports differ"
    assert b"_:c14n0" in (runs[0] / "nquads").read_bytes()  # canonical labels, not random ones


def test_canonical_labels_do_not_depend_on_the_parse() -> None:
    from ipkg.export import serialize_graph

    text = "@prefix ex: <http://example.org/> .\nex:a ex:p [ ex:q [ ex:r 1 ] ] ; ex:s ( 1 2 ) .\n"
    outputs = {name: {serialize_graph(parse_text(text, "turtle"), name) for _ in range(3)} for name in FORMATS}
    for name, seen in outputs.items():
        assert len(seen) == 1, name


def test_jsonld_keeps_the_named_graphs(kg) -> None:  # type: ignore[no-untyped-def]
    import json

    graphs = select_graphs(MemoryStore(kg).snapshot(), "all")
    document = json.loads(serialize(graphs, "jsonld"))
    names = [item["id"] for item in document["@graph"]]
    assert names == sorted(str(g.identifier) for g in graphs)
    inferred = next(item for item in document["@graph"] if item["id"] == str(GRAPH_INFERRED))
    assert inferred["@graph"], "the inferred graph is a graph of its own"
    back = Dataset()
    back.parse(data=json.dumps(document), format="json-ld")
    for graph in graphs:
        assert isomorphic(back.graph(graph.identifier), graph), graph.identifier


def test_a_graph_is_selected_by_its_full_iri(kg) -> None:  # type: ignore[no-untyped-def]
    from ipkg.errors import IpkgError, NotFound

    snapshot = MemoryStore(kg).snapshot()
    by_iri = select_graphs(snapshot, str(GRAPH_FACTS))
    assert [g.identifier for g in by_iri] == [GRAPH_FACTS]
    assert len(by_iri[0]) == len(select_graphs(snapshot, "facts")[0])
    with pytest.raises(NotFound, match="no graph"):
        select_graphs(snapshot, "https://w3id.org/ipkg/graph/nothing")
    with pytest.raises(IpkgError, match="unknown graph selection"):
        select_graphs(snapshot, "everything")
