"""The command line: results on stdout, errors on stderr, documented exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from ipkg.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_REJECTED, main
from ipkg.export import select_graphs
from ipkg.store.memory import MemoryStore
from tests.support import run_cli, scratch_project


@pytest.fixture(scope="module")
def project(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped project, so tests can break it without touching the repo."""
    return scratch_project(tmp_path_factory.mktemp("project"), data_from=root / "data")


def test_validate_conforms_on_shipped_data(capsys, project: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, project, "validate")
    assert code == EXIT_OK
    assert out.startswith("conforms")


def test_validate_json_report(capsys, project: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, project, "validate", "--format", "json")
    assert code == EXIT_OK
    assert json.loads(out) == {"conforms": True, "results": []}


def test_validate_fails_by_the_intended_shape(capsys, project: Path, tmp_path: Path, root: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken"
    shutil.copytree(project, broken)
    fixture = root / "tests/fixtures/shapes/invalid/ConsentToBeBound-one-treaty-missing.ttl"
    if not fixture.exists():
        fixture = sorted((root / "tests/fixtures/shapes/invalid").glob("ConsentToBeBound-one-treaty-*.ttl"))[0]
    shutil.copy(fixture, broken / "data" / "zz-invalid.ttl")
    code, out, _ = run_cli(capsys, broken, "validate", "--format", "json")
    assert code == EXIT_REJECTED
    shapes = {r["sourceShape"] for r in json.loads(out)["results"]}
    assert any("ConsentToBeBound-one-treaty" in s for s in shapes), shapes


def test_turtle_syntax_error_names_file_line_column_and_exits_2(capsys, project: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken"
    shutil.copytree(project, broken)
    (broken / "data" / "zz-broken.ttl").write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n  ex:d .\n")
    code, out, err = run_cli(capsys, broken, "build")
    assert code == EXIT_BAD_INPUT
    assert out == ""
    assert "zz-broken.ttl:3:" in err


def test_query_formats(capsys, project: Path) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT ?label WHERE { ipkg:belarus rdfs:label ?label }"
    code, out, _ = run_cli(capsys, project, "query", query)
    assert code == EXIT_OK and '"Belarus"@en' in out and "(1 row)" in out
    code, out, _ = run_cli(capsys, project, "query", query, "--format", "json")
    assert json.loads(out)["results"]["bindings"][0]["label"]["value"] == "Belarus"
    code, out, _ = run_cli(capsys, project, "query", query, "--format", "csv")
    assert out.splitlines() == ["label", "Belarus"]
    code, out, _ = run_cli(capsys, project, "query", query, "--format", "tsv")
    assert out.splitlines() == ["?label", '"Belarus"@en']


def test_query_syntax_error_exits_2_with_position(capsys, project: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(capsys, project, "query", "SELECT ?x WHERE {\n  ?x ?y\n")
    assert code == EXIT_BAD_INPUT
    assert "line" in err and "column" in err


def test_export_turtle_reparses_to_an_isomorphic_graph(capsys, project: Path, kg) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, project, "export", "--format", "turtle", "--graph", "all")
    assert code == EXIT_OK
    expected = Graph()
    for graph in select_graphs(MemoryStore(kg).snapshot(), "all"):
        for triple in graph:
            expected.add(triple)
    assert isomorphic(Graph().parse(data=out, format="turtle"), expected)


def test_export_nquads_to_file_keeps_graph_names(capsys, project: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.nq"
    code, out, _ = run_cli(
        capsys, project, "export", "--format", "nquads", "--graph", "asserted", "--output", str(target)
    )
    assert code == EXIT_OK and out == ""
    dataset = Dataset()
    dataset.parse(target, format="nquads")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert "https://w3id.org/ipkg/graph/facts" in names
    assert "https://w3id.org/ipkg/graph/inferred" not in names


def test_stats_json(capsys, project: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, project, "stats", "--format", "json")
    stats = json.loads(out)
    assert stats["graphs"]["https://w3id.org/ipkg/graph/facts"] > 100
    assert stats["classes"]["https://w3id.org/ipkg/ontology#State"] >= 1


def test_fmt_check_reports_a_non_canonical_file(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    messy = tmp_path / "messy.ttl"
    messy.write_text("@prefix ex: <http://example.org/> .\nex:b ex:p 1 . ex:a ex:p 2 .\n")
    assert main(["fmt", "--check", str(messy)]) == EXIT_REJECTED
    assert main(["fmt", str(messy)]) == EXIT_OK
    assert main(["fmt", "--check", str(messy)]) == EXIT_OK
    capsys.readouterr()


def test_unknown_setting_in_config_exits_2(capsys, project: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "ipkg.toml"
    config.write_text("[ipkg]\nquery_timout = 5\n")
    code, _, err = run_cli(capsys, project, "--config", str(config), "stats")
    assert code == EXIT_BAD_INPUT
    assert "query_timout" in err and "unknown setting" in err


def test_export_jsonld_framed_on_an_entity(capsys, project: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(
        capsys, project, "export", "--format", "jsonld", "--graph", "facts", "--frame", "ipkg:belarus"
    )
    assert code == EXIT_OK
    document = json.loads(out)
    assert document["id"] == "ipkg:belarus"
    assert document["label"] == {"en": "Belarus"}


def test_frame_needs_jsonld(capsys, project: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(capsys, project, "export", "--format", "turtle", "--frame", "ipkg:belarus")
    assert code == EXIT_BAD_INPUT
    assert "--frame" in err


def test_serve_accepts_config_after_the_command(tmp_path: Path) -> None:
    """`ipkg serve --config FILE` reads the same file as `ipkg --config FILE serve`."""
    from ipkg.cli import _parser

    config = tmp_path / "ipkg.toml"
    args = _parser().parse_args(["serve", "--config", str(config)])
    assert args.config == config
    assert _parser().parse_args(["--config", str(config), "serve"]).config == config


def test_query_service_is_refused_without_a_connection(capsys, project: Path) -> None:  # type: ignore[no-untyped-def]
    """The CLI goes through the same SERVICE allow-list as the server."""
    from tests.support import ConnectionTrap

    with ConnectionTrap() as trap:
        code, _, err = run_cli(capsys, project, "query", f"SELECT * {{ SERVICE <{trap.base}/sparql> {{ ?s ?p ?o }} }}")
        assert code == EXIT_BAD_INPUT
        assert "not allowed" in err
        assert trap.count() == 0


def test_query_format_must_fit_the_query_form(capsys, project: Path) -> None:  # type: ignore[no-untyped-def]
    """A result format on a CONSTRUCT (or an RDF format on a SELECT) is an error, never silently ignored."""
    construct = "CONSTRUCT WHERE { ipkg:belarus rdfs:label ?label }"
    code, out, err = run_cli(capsys, project, "query", construct, "--format", "json")
    assert code == EXIT_BAD_INPUT and out == ""
    assert "'json' is a result format of SELECT and ASK" in err and "ntriples" in err
    code, out, _ = run_cli(capsys, project, "query", construct, "--format", "ntriples")
    assert code == EXIT_OK
    assert (
        out.strip() == '<https://w3id.org/ipkg/id/belarus> <http://www.w3.org/2000/01/rdf-schema#label> "Belarus"@en .'
    )
    code, out, _ = run_cli(capsys, project, "query", construct, "--format", "jsonld")
    assert code == EXIT_OK and json.loads(out)["label"] == {"en": "Belarus"}
    code, out, _ = run_cli(capsys, project, "query", construct)
    assert code == EXIT_OK and 'rdfs:label "Belarus"@en' in out and "PREFIX ipkg:" in out  # Turtle by default
    code, _, err = run_cli(capsys, project, "query", "SELECT * { ?s ?p ?o } LIMIT 1", "--format", "turtle")
    assert code == EXIT_BAD_INPUT and "a SELECT query returns results" in err


def test_query_warns_about_unknown_and_inferred_only_terms(capsys, project: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(capsys, project, "query", "SELECT ?s { ?s a ipkgo:Stat }")
    assert code == EXIT_OK and "(0 rows)" in out
    assert "warning: ipkgo:Stat is not a term of ipkg's ontology" in err and "did you mean ipkgo:State?" in err
    code, out, err = run_cli(capsys, project, "query", "SELECT ?t { ipkg:belarus ipkgo:partyTo ?t }", "--no-infer")
    assert code == EXIT_OK and "(0 rows)" in out
    assert "ipkgo:partyTo is only in the inferred graph" in err
    code, out, err = run_cli(capsys, project, "query", "SELECT ?t { ipkg:belarus ipkgo:partyTo ?t }")
    assert code == EXIT_OK and "(0 rows)" not in out and err == ""


def test_query_syntax_errors_point_at_the_bracket_and_the_prefix(capsys, project: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(capsys, project, "query", "SELECT ?t WHERE {\n  ?t a ipkgo:State .\n")
    assert code == EXIT_BAD_INPUT
    assert "line 1, column 17: '{' opened here is never closed: a '}' is missing" in err
    code, _, err = run_cli(capsys, project, "query", "SELECT ?t WHERE {\n  ?t ?p ?o FILTER(?o = 1\n}")
    assert "line 3, column 1: '}' cannot close the '(' opened at line 2, column 18" in err
    code, _, err = run_cli(capsys, project, "query", "SELECT ?t WHERE {\n  ?t a ipkgoo:State }")
    assert code == EXIT_BAD_INPUT
    assert "line 2, column 8: unknown prefix 'ipkgoo:'; did you mean 'ipkgo:'?" in err


def test_export_jsonld_context_and_graph_iri(capsys, project: Path) -> None:  # type: ignore[no-untyped-def]
    facts = "https://w3id.org/ipkg/graph/facts"
    code, out, _ = run_cli(capsys, project, "export", "--format", "jsonld", "--graph", facts)
    assert code == EXIT_OK
    document = json.loads(out)
    assert isinstance(document["@context"], dict)  # embedded: expands offline
    assert [g["id"] for g in document["@graph"]] == [facts]
    code, out, _ = run_cli(capsys, project, "export", "--format", "jsonld", "--graph", "facts", "--context", "remote")
    assert json.loads(out)["@context"] == "https://w3id.org/ipkg/context.jsonld"
    code, _, err = run_cli(capsys, project, "export", "--graph", "https://w3id.org/ipkg/graph/none")
    assert code == EXIT_BAD_INPUT and "no graph" in err
