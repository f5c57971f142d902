"""Parsing: every syntax error names file, line and column; nothing half-loaded is used."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from ipkg.build import load
from ipkg.build.load import load_sources, parse_text, rdf_files
from ipkg.config import Settings
from ipkg.errors import LoadError

PREFIX = "@prefix ex: <http://example.org/> .\n"


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        (PREFIX + 'ex:a ex:b "unterminated .\n', 2, 26, "string"),
        (PREFIX + "ex:a ex:b ex:c .\nex:a ex:b ex:c ex:d .\n", 3, 16, "expected"),
        (PREFIX + "ex:a ex:b ex:c", 2, 15, "end of input"),
        (PREFIX + "ex:a nope:b ex:c .\n", 2, 6, "prefix"),
    ],
)
def test_turtle_error_names_line_and_column(text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(LoadError) as caught:
        parse_text(text, "turtle", source="data/example.ttl")
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert str(error).startswith(f"data/example.ttl:{line}:{column}: ")
    assert words in str(error).lower()


def test_ntriples_error_names_the_line() -> None:
    text = "<http://e/a> <http://e/b> <http://e/c> .\n<http://e/a> <http://e/b> .\n"
    with pytest.raises(LoadError) as caught:
        parse_text(text, "nt", source="x.nt")
    assert caught.value.line == 2


def test_jsonld_error_names_line_and_column() -> None:
    with pytest.raises(LoadError) as caught:
        parse_text('{"@id": "http://e/a",\n "http://e/b": }', "json-ld", source="x.jsonld")
    assert (caught.value.line, caught.value.column) == (2, 16)


def test_rdfxml_error_names_line() -> None:
    text = '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<oops></rdf:RDF>'
    with pytest.raises(LoadError) as caught:
        parse_text(text, "xml", source="x.rdf")
    assert caught.value.line == 2


def test_failed_parse_adds_nothing_to_the_target() -> None:
    target = Graph()
    text = PREFIX + "ex:a ex:b ex:c .\nex:d ex:e ex:f .\nex:broken ex:x .\n"
    with pytest.raises(LoadError):
        parse_text(text, "turtle", into=target)
    assert len(target) == 0


def test_rdf_files_are_sorted_and_missing_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "b.ttl").write_text("")
    (tmp_path / "a.ttl").write_text("")
    (tmp_path / "notes.txt").write_text("")
    assert [p.name for p in rdf_files(tmp_path)] == ["a.ttl", "b.ttl"]
    with pytest.raises(LoadError, match="folder not found"):
        rdf_files(tmp_path / "missing")


def test_links_folder_goes_to_the_links_graph(root: Path, tmp_path: Path) -> None:
    sources = load_sources(Settings(root=root, state_dir=tmp_path))
    assert len(sources.links) > 0
    assert not set(sources.links) & set(sources.facts)


def test_broken_data_file_stops_the_load_with_its_path(root: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    for folder in ("ontology", "shapes", "data"):
        (project / folder).mkdir(parents=True)
    for path in rdf_files(root / "ontology"):
        (project / "ontology" / path.name).write_text(path.read_text())
    (project / "data" / "events.ttl").write_text(PREFIX + "ex:a ex:b ex:c .\n\nex:a ex:b .\n")
    with pytest.raises(LoadError) as caught:
        load_sources(Settings(root=project, state_dir=tmp_path / "state"))
    assert caught.value.source.endswith("events.ttl")
    assert caught.value.line == 4


REPOSITORY = Path(__file__).resolve().parents[2]
FAST_FILES = sorted(
    path.relative_to(REPOSITORY)
    for folder in ("ontology", "data", "shapes", "tests/fixtures")
    for path in (REPOSITORY / folder).rglob("*")
    if path.is_file() and load.RDF_SUFFIXES.get(path.suffix) in load.OXIGRAPH_FORMATS and "broken" not in path.name
)
"""Every file of the repository in a syntax Oxigraph reads (the broken fixtures are refused, as they should be)."""


@pytest.mark.parametrize("relative", FAST_FILES, ids=str)
def test_every_file_reads_as_rdflib_reads_it(relative: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = REPOSITORY / relative
    text, syntax = path.read_text(encoding="utf-8"), load.format_for(path)
    fast = parse_text(text, syntax, source=path)
    monkeypatch.setattr(load, "_read_with_oxigraph", lambda *_: None)
    reference = parse_text(text, syntax, source=path)
    assert len(fast) == len(reference)
    assert isomorphic(fast, reference)


def test_the_data_files_are_read_by_oxigraph() -> None:
    for path in sorted((REPOSITORY / "data").rglob("*.ttl")):
        assert load._read_with_oxigraph(path.read_text(encoding="utf-8"), "turtle", None) is not None, path


@pytest.mark.parametrize(
    "text",
    [
        '<http://example.org/a> <http://example.org/b> "x"^^<http://www.w3.org/2001/XMLSchema#string> .',
        '<http://example.org/a> <http://example.org/b> "colour"@en-GB .',
    ],
)
def test_terms_oxigraph_would_normalise_are_kept_as_written(text: str) -> None:
    assert load._read_with_oxigraph(text, "turtle", None) is None
    kept = next(iter(parse_text(text, "turtle")))[2]
    assert kept.n3() == next(iter(Graph().parse(data=text, format="turtle")))[2].n3()


def test_blank_node_labels_are_fresh_in_each_document() -> None:
    graph = Graph()
    for _ in range(2):
        parse_text("_:b1 <http://example.org/p> _:b1 .\n", "nt", into=graph)
    subjects = set(graph.subjects())
    assert len(graph) == 2 and len(subjects) == 2
    assert all(isinstance(s, BNode) for s in subjects)
    assert all(graph.value(s, URIRef("http://example.org/p")) == s for s in subjects)  # one node within a document


def test_a_document_oxigraph_refuses_is_reported_by_rdflib_with_its_position() -> None:
    text = PREFIX + "ex:a ex:b ex:c .\nex:a nope:b ex:c .\n"
    assert load._read_with_oxigraph(text, "turtle", None) is None
    with pytest.raises(LoadError) as caught:
        parse_text(text, "turtle")
    assert (caught.value.line, caught.value.column) == (3, 6)


def test_quads_keep_their_graph_in_a_dataset_and_merge_into_a_graph() -> None:
    text = "<http://example.org/a> <http://example.org/b> <http://example.org/c> <http://example.org/g> .\n"
    dataset = parse_text(text, "nquads", into=Dataset())
    assert {str(g.identifier) for g in dataset.graphs() if len(g)} == {"http://example.org/g"}
    assert len(parse_text(text, "nquads")) == 1
