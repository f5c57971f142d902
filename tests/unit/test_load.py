"""Parsing: every syntax error names file, line and column; nothing half-loaded is used."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

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
