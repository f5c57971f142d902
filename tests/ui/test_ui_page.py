"""The query page at / (and GET /sparql for a browser): YASGUI served locally, the examples, the fallback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ipkg.serve import ui
from ipkg.sparql.prepare import prepare_query
from tests.support import REPO

INSTALLED = (REPO / "node_modules" / ui.YASGUI_PACKAGE / "yasgui.min.js").is_file()
NOT_INSTALLED = "YASGUI is not installed in node_modules: run 'make install'"


def page(client: FlaskClient, path: str = "/", accept: str = "text/html") -> str:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def script_json(text: str, element_id: str) -> object:
    match = re.search(rf'<script type="application/json" id="{element_id}"[^>]*>(.*?)</script>', text, re.S)
    assert match, element_id
    return json.loads(match.group(1))


def test_page_lists_the_example_questions(client: FlaskClient) -> None:
    text = page(client)
    assert "Which events did Belarus take part in, and when?" in text
    assert "Which events did John Sandage take part in (including visits)?" in text
    assert 'href="?example=01-events-with-belarus"' in text
    examples = script_json(text, "examples-data")
    assert isinstance(examples, list)
    assert [e["slug"] for e in examples] == ["01-events-with-belarus", "02-sandage-events"]
    assert examples[0]["infer"] is False and examples[1]["infer"] is True  # from '# graph:'
    assert "SELECT ?event ?label ?date" in examples[0]["query"]
    assert "PREFIX" not in examples[0]["query"]  # predeclared: shown without them


def test_a_fresh_page_opens_the_starter_query_with_inference(client: FlaskClient) -> None:
    """The API's default is infer=true; a fresh page (no example, no permalink) says the same."""
    text = page(client)
    initial = script_json(text, "initial-data")
    assert isinstance(initial, dict)
    assert initial["slug"] is None and initial["explicit"] is False
    assert initial["infer"] is True
    assert 'id="infer" name="infer-toggle" checked' in text
    assert initial["query"] == ui.DEFAULT_QUERY
    assert initial["prefixes"]["ipkgo"] == "https://w3id.org/ipkg/ontology#"
    assert initial["timeout"] == 30.0


def test_an_example_opens_with_its_setting_and_without_predeclared_prefixes(client: FlaskClient) -> None:
    chosen = script_json(page(client, "/?example=01-events-with-belarus"), "initial-data")
    assert isinstance(chosen, dict) and chosen["slug"] == "01-events-with-belarus" and chosen["explicit"] is True
    assert chosen["infer"] is False  # '# graph: asserted'
    assert chosen["query"].startswith("# question: Which events did Belarus take part in")
    assert "PREFIX" not in chosen["query"]
    assert chosen["query"].splitlines()[3].startswith("SELECT ?event")  # the question, then the query
    second = script_json(page(client, "/?example=02-sandage-events"), "initial-data")
    assert isinstance(second, dict) and second["infer"] is True


def test_query_parameter_opens_that_query(client: FlaskClient) -> None:
    """``/?query=…&infer=…`` (as other endpoints link) opens the query with its setting."""
    text = page(client, "/?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D&infer=false")
    initial = script_json(text, "initial-data")
    assert isinstance(initial, dict)
    assert initial["query"] == "ASK { ?s ?p ?o }" and initial["infer"] is False and initial["explicit"] is True
    assert 'id="infer" name="infer-toggle">' in text  # unchecked


def test_predeclared_prefix_lines_are_dropped_only_when_identical() -> None:
    text = (
        "# question: Q?\nPREFIX ipkg: <https://w3id.org/ipkg/id/>\nPREFIX ipkgo: <http://example.org/other#>\n"
        "PREFIX ex: <http://example.org/>\nprefix rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\nSELECT * {}\n"
    )
    assert ui.without_predeclared_prefixes(text) == (
        "# question: Q?\nPREFIX ipkgo: <http://example.org/other#>\nPREFIX ex: <http://example.org/>\n\nSELECT * {}\n"
    )


def test_the_page_lists_the_predeclared_prefixes(client: FlaskClient) -> None:
    text = page(client)
    details = text.split('<details class="prefixes"', 1)[1].split("</details>", 1)[0]
    assert "prefixes are predeclared here" in details
    assert "PREFIX ipkgo: &lt;https://w3id.org/ipkg/ontology#&gt;" in details
    assert "need the PREFIX lines" in details


def test_page_points_at_the_local_assets_and_endpoint(client: FlaskClient) -> None:
    if not INSTALLED:
        pytest.skip(NOT_INSTALLED)
    text = page(client)
    meta = REPO / "node_modules" / "@zazuko" / "yasgui" / "package.json"
    version = json.loads(meta.read_text(encoding="utf-8"))["version"]
    assert f'<link rel="stylesheet" href="/assets/yasgui/yasgui.min.css?v={version}">' in text
    assert f'<script src="/assets/yasgui/yasgui.min.js?v={version}"></script>' in text
    assert 'data-endpoint="/sparql"' in text  # relative: resolved against the page's own URL
    assert not re.search(r'(src|href)="(https?:)?//', text.split("</head>")[0])  # no CDN
    for name in ("views.js", "query.js", "query.css"):
        assert f'"/assets/ipkg/{name}?v=' in text
    assert not re.search(r'<script src="(https?:)?//', text)


def test_page_assets_are_served_locally(client: FlaskClient) -> None:
    for name, media in (("query.js", "text/javascript"), ("views.js", "text/javascript"), ("query.css", "text/css")):
        response = client.get(f"/assets/ipkg/{name}")
        assert response.status_code == 200, name
        assert response.mimetype in (media, "application/javascript"), name
        assert b"https://cdn" not in response.data and b"unpkg.com" not in response.data
        response.close()
    assert client.get("/assets/ipkg/../ui.py").status_code == 404
    assert client.get("/assets/ipkg/nothing.js").status_code == 404


def test_asset_route_serves_yasgui(client: FlaskClient) -> None:
    if not INSTALLED:
        pytest.skip(NOT_INSTALLED)
    js = client.get("/assets/yasgui/yasgui.min.js")
    assert js.status_code == 200
    assert js.mimetype in ("text/javascript", "application/javascript")
    assert b"Yasgui" in js.data[:2000]
    js.close()
    css = client.get("/assets/yasgui/yasgui.min.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    css.close()


def test_asset_route_refuses_other_files(client: FlaskClient) -> None:
    assert client.get("/assets/yasgui/../package.json").status_code == 404
    assert client.get("/assets/yasgui/%2e%2e/package.json").status_code == 404
    assert client.get("/assets/yasgui/no-such-file.js").status_code == 404


def test_sparql_get_from_a_browser_shows_the_ui(client: FlaskClient) -> None:
    text = page(client, "/sparql")
    assert "Example questions" in text
    assert "Which events did Belarus take part in, and when?" in text


def test_without_node_modules_a_plain_form_and_a_notice(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui, "yasgui_dir", lambda: None)
    text = page(client)
    assert "make install" in text
    assert '<form class="plain" method="post" action="/sparql">' in text
    assert '<textarea name="query"' in text
    assert '<option value="json" selected>' in text
    assert "/assets/yasgui/" not in text
    assert "SELECT ?event ?label ?date" in text.split("<textarea", 1)[1].split("</textarea>", 1)[0]
    assert client.get("/assets/yasgui/yasgui.min.js").status_code == 404


def test_the_plain_form_posts_a_working_request(client: FlaskClient) -> None:
    query = (REPO / "tests" / "ui" / "project" / "queries" / "cq" / "01-events-with-belarus.rq").read_text()
    response = client.post("/sparql", data={"query": query, "infer": "false", "format": "json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    bindings = response.get_json()["results"]["bindings"]
    assert sorted(b["label"]["value"] for b in bindings) == [
        "Meeting of John Sandage with Belarus officials (January 2018)",
        "Meeting of WIPO and Belarus (May 2019)",
    ]


def test_page_renders_without_examples(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui, "load_examples", lambda directory: [])
    text = page(client)
    assert "No competency questions yet" in text
    initial = script_json(text, "initial-data")
    assert isinstance(initial, dict) and initial["slug"] is None
    assert "rdfs:label ?label" in initial["query"]


def test_example_headers_are_read(tmp_path: Path) -> None:
    assert ui.load_examples(tmp_path / "missing") == []
    (tmp_path / "02-b.rq").write_text("# question: Second?\n# graph: inferred\nASK {}\n", encoding="utf-8")
    (tmp_path / "01-a.rq").write_text(
        "# question: First <b>bold</b>?\n# source: ¶3\n# graph: Asserted\n\nSELECT * {}\n", encoding="utf-8"
    )
    (tmp_path / "03-no-header.rq").write_text("SELECT * {}\n# question: too late\n", encoding="utf-8")
    (tmp_path / "04-binary.rq").write_bytes(b"\xff\xfe\x00")
    examples = ui.load_examples(tmp_path)
    assert [(e.slug, e.question, e.source, e.graph, e.infer) for e in examples] == [
        ("01-a", "First <b>bold</b>?", "¶3", "asserted", False),
        ("02-b", "Second?", "", "inferred", True),
        ("03-no-header", "03 no header", "", "", True),
    ]


def test_questions_are_escaped(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    evil = ui.Example("x", "<script>alert(1)</script>", "", "", "</script><script>alert(2)</script>")
    monkeypatch.setattr(ui, "load_examples", lambda directory: [evil])
    text = page(client)
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_shipped_competency_questions_are_offered(ui_app: Flask) -> None:
    """Every queries/cq/*.rq of the repository is offered under its '# question:' line."""
    files = sorted((REPO / "queries" / "cq").glob("*.rq"))
    examples = ui.load_examples(REPO / "queries" / "cq")
    assert [e.slug for e in examples] == [f.stem for f in files]
    for example in examples:
        assert example.question and not example.question.startswith(example.slug[:2] + " "), example.slug
        assert example.graph in ("asserted", "inferred"), example.slug
        # shown without the predeclared PREFIX lines, the query still means the same
        assert "PREFIX ipkgo:" not in example.shown_query, example.slug
        shown, full = prepare_query(example.shown_query), prepare_query(example.query)
        assert str(shown.query.algebra) == str(full.query.algebra), example.slug
