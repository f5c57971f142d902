"""``--server URL``: an import or accepted links go through a running server, which serves them at once.

A live server (waitress on 127.0.0.1) over a scratch project; the command maps the
file locally and writes through the server's Graph Store endpoint, so the change passes
the server's own gate (shapes, reasoning, journal) and no local file is written.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ipkg.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_REJECTED
from ipkg.config import Settings
from ipkg.namespaces import GRAPH_LINKS, external_graph
from ipkg.serve import create_app
from tests.support import WIKIDATA_FIXTURES, WIKIDATA_PROJECT_DATA, run_cli, running, scratch_project

FIXTURE = WIKIDATA_FIXTURES / "belarus-wipo.ttl"
TOKEN = "server-token"

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scratch_project(tmp_path_factory.mktemp("server-project"), data_from=WIKIDATA_PROJECT_DATA)


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[str]:
    app = create_app(Settings(root=project, state_dir=project / "server-state", update_token=TOKEN))
    with running(app, within=30) as url:
        yield url


def ask(url: str, query: str) -> bool:
    with urllib.request.urlopen(f"{url}/sparql?{urllib.parse.urlencode({'query': query})}") as response:  # noqa: S310
        return bool(json.load(response)["boolean"])


def test_import_through_the_server_is_served_at_once(
    capsys: pytest.CaptureFixture[str], project: Path, server: str
) -> None:
    graph = external_graph("belarus-wipo")
    assert not ask(server, f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    code, out, _ = run_cli(capsys, project, "import", "wikidata", str(FIXTURE), "--server", server, "--token", TOKEN)
    assert code == EXIT_OK, out
    assert "statements mapped: 9" in out and f"replaced <{graph}> on {server}" in out
    assert ask(server, f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    # reasoned with the rest, like any write: the imported membership makes Belarus a member
    assert ask(server, "ASK { wd:Q184 wdt:P463 wd:Q177773 }")
    assert not (project / "var" / "external").exists(), "nothing is written locally"
    code, out, _ = run_cli(capsys, project, "import", "remove", "belarus-wipo", "--server", server, "--token", TOKEN)
    assert code == EXIT_OK and "deleted" in out
    assert not ask(server, f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")


def test_a_rejected_import_exits_1_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], project: Path, server: str, tmp_path: Path
) -> None:
    """The server's gate judges the graph: a membership that ends before it starts violates a shape there."""
    dates = tmp_path / "dates.ttl"
    dates.write_text(
        "@prefix ps: <http://www.wikidata.org/prop/statement/> .\n@prefix p: <http://www.wikidata.org/prop/> .\n"
        "@prefix pq: <http://www.wikidata.org/prop/qualifier/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix wd: <http://www.wikidata.org/entity/> .\n@prefix wds: <http://www.wikidata.org/entity/statement/> .\n"
        "@prefix wikibase: <http://wikiba.se/ontology#> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        'wd:Q184 rdfs:label "Belarus"@en ; p:P463 wds:Q184-TEST-1 .\n'
        'wd:Q177773 rdfs:label "World Intellectual Property Organization"@en .\n'
        "wds:Q184-TEST-1 wikibase:rank wikibase:NormalRank ; ps:P463 wd:Q177773 ;\n"
        '    pq:P580 "1970-04-26T00:00:00Z"^^xsd:dateTime ; pq:P582 "1960-01-01T00:00:00Z"^^xsd:dateTime .\n',
        encoding="utf-8",
    )
    code, _, err = run_cli(capsys, project, "import", "wikidata", str(dates), "--server", server, "--token", TOKEN)
    assert code == EXIT_REJECTED, err
    assert "HTTP 422" in err and "Membership-end-not-before-start" in err
    assert not ask(server, f"ASK {{ GRAPH <{external_graph('dates')}> {{ ?s ?p ?o }} }}")


def test_a_wrong_token_or_server_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], project: Path, server: str
) -> None:
    code, _, err = run_cli(capsys, project, "import", "wikidata", str(FIXTURE), "--server", server, "--token", "no")
    assert code == EXIT_BAD_INPUT and "403" in err
    code, _, err = run_cli(capsys, project, "import", "wikidata", str(FIXTURE), "--server", server)
    assert code == EXIT_BAD_INPUT and "update token" in err
    code, _, err = run_cli(capsys, project, "import", "wikidata", str(FIXTURE), "--server", "ftp://x", "--token", "t")
    assert code == EXIT_BAD_INPUT and "--server" in err


def test_accepted_links_go_to_the_servers_links_graph(
    capsys: pytest.CaptureFixture[str], project: Path, server: str
) -> None:
    assert not ask(server, "ASK { ipkg:singapore owl:sameAs wd:Q334 }")
    code, _, err = run_cli(
        capsys,
        project,
        "link",
        "suggest",
        str(FIXTURE),
        "--accept",
        "ipkg:singapore=Q334",
        "--server",
        server,
        "--token",
        TOKEN,
    )
    assert code == EXIT_OK, err
    assert f"added to <{GRAPH_LINKS}>" in err
    assert ask(server, f"ASK {{ GRAPH <{GRAPH_LINKS}> {{ ipkg:singapore owl:sameAs wd:Q334 }} }}")
    assert not (project / "data" / "links" / "suggested.ttl").exists(), "nothing is written locally"
