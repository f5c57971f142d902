"""SERVICE (SPARQL 1.1 Federated Query) through ipkg's evaluator, against a stand-in endpoint on 127.0.0.1.

The stand-in is a small ``http.server`` on port 0 that answers Wikidata-style
SPARQL JSON for a fixed table (population of Belarus and Switzerland), and
records every request it sees (path, User-Agent, Accept, query). Some paths
misbehave on purpose: ``/all`` ignores the query, ``/broken`` answers 500, ``/slow`` keeps the client
waiting, ``/html`` answers a web page, ``/moved`` redirects on the same host,
``/elsewhere`` redirects to another origin. Nothing but 127.0.0.1 is contacted.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import rdflib.plugins.sparql
from flask import Flask
from rdflib import Graph, Literal, URIRef

import ipkg.sparql.federation
from ipkg.build import KnowledgeGraph
from ipkg.config import Settings
from ipkg.errors import RemoteServiceError
from ipkg.serve import create_app
from ipkg.store.memory import MemoryStore
from tests.support import built_scratch_project, example_data, wikidata_links

JSON_RESULTS = "application/sparql-results+json"
ACCEPT = f"{JSON_RESULTS}, application/json;q=0.9"
"""Results as SPARQL JSON, errors as JSON (not plain text)."""

DATA = example_data(
    """\
ipkg:belarus a ipkgo:State ;
    rdfs:label "Belarus"@en ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:switzerland a ipkgo:State ;
    rdfs:label "Switzerland"@en ;
    prov:wasDerivedFrom src:example-page-p1-s1 .
""",
    quote="Belarus and Switzerland are members of WIPO.",
)

LINKS = wikidata_links({"belarus": "Q184", "switzerland": "Q39"})

WD = "http://www.wikidata.org/entity/"
POPULATION = {"Q184": "9155978", "Q39": "8670300"}
"""The stand-in's table: Wikidata item → population (wdt:P1082)."""

LINKED = """\
SELECT ?state ?population WHERE {
  GRAPH <https://w3id.org/ipkg/graph/links> { ?state owl:sameAs ?item }
  SERVICE <%s> { ?item wdt:P1082 ?population }
}
ORDER BY ?state
"""

SILENT = """\
SELECT ?state ?population WHERE {
  GRAPH <https://w3id.org/ipkg/graph/links> { ?state owl:sameAs ?item }
  SERVICE SILENT <%s> { ?item wdt:P1082 ?population }
}
ORDER BY ?state
"""


# --------------------------------------------------------------------------- the stand-in endpoint


@dataclass
class Seen:
    """One request the stand-in received."""

    method: str
    path: str
    user_agent: str
    accept: str
    query: str


@dataclass
class StandIn:
    """A running stand-in endpoint."""

    server: ThreadingHTTPServer
    requests: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "/sparql") -> str:
        return self.base + path


class Handler(BaseHTTPRequestHandler):
    """Answers by path; see the module docstring."""

    server: Any
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: the tests read ``requests`` instead."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(urllib.parse.urlsplit(self.path).query)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        self._answer(self.rfile.read(length).decode("utf-8"))

    def _answer(self, form: str) -> None:
        stand_in: StandIn = self.server.stand_in
        path = urllib.parse.urlsplit(self.path).path
        query = urllib.parse.parse_qs(form).get("query", [""])[0]
        agent, accept = self.headers.get("User-Agent", ""), self.headers.get("Accept", "")
        stand_in.requests.append(Seen(self.command, path, agent, accept, query))
        try:
            if path == "/sparql":
                self._send(200, JSON_RESULTS, json.dumps(_results(query)))
            elif path == "/all":
                self._send(200, JSON_RESULTS, json.dumps(_results("")))
            elif path == "/broken":
                self._send(500, "text/plain", "the database is on fire")
            elif path == "/slow":
                stand_in.release.wait(10)
                self._send(200, JSON_RESULTS, json.dumps(_results(query)))
            elif path == "/html":
                self._send(200, "text/html", "<html><body>Welcome to our SPARQL page!</body></html>")
            elif path == "/moved":
                self._redirect(stand_in.url("/sparql?") + form)
            elif path == "/elsewhere":
                self._redirect(f"http://127.0.0.1:{_free_port()}/sparql")
            else:
                self._send(404, "text/plain", "no such endpoint")
        except OSError:  # the client gave up (timeout tests)
            pass

    def _send(self, status: int, content_type: str, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _results(query: str) -> dict[str, Any]:
    """Wikidata-style answer: the rows whose item the query names (all rows if it names none)."""
    named = [qid for qid in POPULATION if f"<{WD}{qid}>" in query or f"wd:{qid}" in query]
    rows = [
        {
            "item": {"type": "uri", "value": WD + qid},
            "population": {"type": "literal", "value": value, "datatype": "http://www.w3.org/2001/XMLSchema#decimal"},
        }
        for qid, value in POPULATION.items()
        if not named or qid in named
    ]
    return {"head": {"vars": ["item", "population"]}, "results": {"bindings": rows}}


def _free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    """The stand-in endpoint, serving in a thread for one test; proxies off so only 127.0.0.1 is called."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    endpoint = StandIn(server)
    server.stand_in = endpoint  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        endpoint.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


# --------------------------------------------------------------------------- the ipkg side


@pytest.fixture(scope="module")
def project_kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    """Two states with Wikidata links, built once (ontology and shapes from the repository)."""
    root = tmp_path_factory.mktemp("federation") / "project"
    return built_scratch_project(root, {"states.ttl": DATA, "links/wikidata.ttl": LINKS})


def make_app(kg: KnowledgeGraph, tmp_path: Path, allow: tuple[str, ...], **changes: Any) -> Flask:
    settings = Settings(root=tmp_path, state_dir=tmp_path / "var", service_allowlist=allow, **changes)
    return create_app(settings, MemoryStore(kg, service_allowlist=allow))


def ask(app: Flask, query: str, **params: str) -> tuple[int, Any, float]:
    """(status, JSON body or text, seconds taken) of a GET /sparql."""
    started = time.monotonic()
    response = app.test_client().get("/sparql", query_string={"query": query, **params}, headers={"Accept": ACCEPT})
    elapsed = time.monotonic() - started
    body = response.get_json() if response.is_json else response.get_data(as_text=True)
    return response.status_code, body, elapsed


def rows(body: dict[str, Any]) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in row.items()} for row in body["results"]["bindings"]]


# --------------------------------------------------------------------------- tests


def test_service_solutions_join_the_local_links(project_kg: KnowledgeGraph, stand_in: StandIn, tmp_path: Path) -> None:
    app = make_app(project_kg, tmp_path, (stand_in.url(),))
    status, body, _ = ask(app, LINKED % stand_in.url())
    assert status == 200, body
    assert rows(body) == [
        {"state": "https://w3id.org/ipkg/id/belarus", "population": "9155978"},
        {"state": "https://w3id.org/ipkg/id/switzerland", "population": "8670300"},
    ]
    assert stand_in.requests, "the stand-in was never called"
    assert all(seen.path == "/sparql" for seen in stand_in.requests)


def test_service_call_identifies_ipkg_and_asks_for_json(
    project_kg: KnowledgeGraph, stand_in: StandIn, tmp_path: Path
) -> None:
    app = make_app(project_kg, tmp_path, (stand_in.url(),))
    assert ask(app, LINKED % stand_in.url())[0] == 200
    for seen in stand_in.requests:
        assert seen.user_agent.startswith("ipkg/"), seen.user_agent
        assert "(+https://w3id.org/ipkg/)" in seen.user_agent
        assert seen.accept == JSON_RESULTS
        assert "wdt:P1082" in seen.query
        assert "PREFIX wdt: <http://www.wikidata.org/prop/direct/>" in seen.query


def test_service_http_500_is_502_naming_the_service(
    project_kg: KnowledgeGraph, stand_in: StandIn, tmp_path: Path
) -> None:
    url = stand_in.url("/broken")
    app = make_app(project_kg, tmp_path, (url,))
    status, body, _ = ask(app, LINKED % url)
    assert status == 502
    assert body["error"] == "bad-gateway"
    assert f"SERVICE <{url}>" in body["message"]
    assert "HTTP 500" in body["message"] and "on fire" in body["message"]


def test_service_past_the_time_limit_fails_within_it(
    project_kg: KnowledgeGraph, stand_in: StandIn, tmp_path: Path
) -> None:
    url = stand_in.url("/slow")
    app = make_app(project_kg, tmp_path, (url,))
    status, body, elapsed = ask(app, LINKED % url, timeout="1")
    assert status in (502, 503), body
    assert elapsed < 4, f"took {elapsed:.1f} s with a 1 s limit"
    if status == 502:
        assert f"SERVICE <{url}>" in body["message"] and "did not answer within" in body["message"]


def test_service_silent_failure_keeps_the_local_solutions(
    project_kg: KnowledgeGraph, stand_in: StandIn, tmp_path: Path
) -> None:
    url = stand_in.url("/broken")
    app = make_app(project_kg, tmp_path, (url,))
    status, body, _ = ask(app, SILENT % url)
    assert status == 200, body
    assert rows(body) == [
        {"state": "https://w3id.org/ipkg/id/belarus"},
        {"state": "https://w3id.org/ipkg/id/switzerland"},
    ]
    assert stand_in.requests, "SILENT must still call the service"


def test_service_not_allow_listed_is_403_and_sends_nothing(
    project_kg: KnowledgeGraph, stand_in: StandIn, tmp_path: Path
) -> None:
    app = make_app(project_kg, tmp_path, (stand_in.url("/other"),))
    status, body, _ = ask(app, LINKED % stand_in.url())
    assert status == 403
    assert "not allowed" in body["message"]
    assert stand_in.requests == []


def test_service_answering_html_is_502(project_kg: KnowledgeGraph, stand_in: StandIn, tmp_path: Path) -> None:
    url = stand_in.url("/html")
    app = make_app(project_kg, tmp_path, (url,))
    status, body, _ = ask(app, LINKED % url)
    assert status == 502
    assert "did not answer with SPARQL JSON results (Content-Type text/html)" in body["message"]


def test_service_refusing_connections_is_502(project_kg: KnowledgeGraph, stand_in: StandIn, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}/sparql"
    app = make_app(project_kg, tmp_path, (url,))
    status, body, _ = ask(app, LINKED % url)
    assert status == 502
    assert f"SERVICE <{url}> refused the connection" in body["message"]


def test_service_redirect_on_the_same_host_is_followed(
    project_kg: KnowledgeGraph, stand_in: StandIn, tmp_path: Path
) -> None:
    url = stand_in.url("/moved")
    app = make_app(project_kg, tmp_path, (url,))
    status, body, _ = ask(app, LINKED % url)
    assert status == 200, body
    assert len(rows(body)) == 2
    assert {seen.path for seen in stand_in.requests} == {"/moved", "/sparql"}


def test_service_redirect_to_another_origin_is_refused(
    project_kg: KnowledgeGraph, stand_in: StandIn, tmp_path: Path
) -> None:
    url = stand_in.url("/elsewhere")
    app = make_app(project_kg, tmp_path, (url,))
    status, body, _ = ask(app, LINKED % url)
    assert status == 502
    assert "redirected (HTTP 302) to another host" in body["message"]


def test_second_service_clause_is_refused_not_mixed_up(
    project_kg: KnowledgeGraph, stand_in: StandIn, tmp_path: Path
) -> None:
    """rdflib records the first SERVICE clause's text for every clause; ipkg must not send the wrong one."""
    first, second = stand_in.url("/sparql"), stand_in.url("/moved")
    query = f"""SELECT * WHERE {{
      GRAPH <https://w3id.org/ipkg/graph/links> {{ ?state owl:sameAs ?item }}
      SERVICE <{first}> {{ ?item wdt:P1082 ?population }}
      SERVICE <{second}> {{ ?item wdt:P1082 ?people }}
    }}"""
    app = make_app(project_kg, tmp_path, (first, second))
    status, body, _ = ask(app, query)
    assert status == 502
    assert f"SERVICE <{second}> cannot be called" in body["message"]
    assert all(seen.path == "/sparql" for seen in stand_in.requests)


def test_service_sends_the_bindings_known_so_far(project_kg: KnowledgeGraph, stand_in: StandIn, tmp_path: Path) -> None:
    app = make_app(project_kg, tmp_path, (stand_in.url(),))
    query = f"""SELECT ?population WHERE {{
      VALUES ?item {{ wd:Q39 }}
      SERVICE <{stand_in.url()}> {{ ?item wdt:P1082 ?population }}
    }}"""
    status, body, _ = ask(app, query)
    assert status == 200, body
    assert rows(body) == [{"population": "8670300"}]
    assert any("VALUES (?item)" in seen.query and f"<{WD}Q39>" in seen.query for seen in stand_in.requests)


def test_service_solutions_that_contradict_the_bindings_are_dropped(
    project_kg: KnowledgeGraph, stand_in: StandIn, tmp_path: Path
) -> None:
    """An endpoint that ignores the VALUES block must not join Belarus with Switzerland's population."""
    url = stand_in.url("/all")
    app = make_app(project_kg, tmp_path, (url,))
    status, body, _ = ask(app, LINKED % url)
    assert status == 200, body
    assert rows(body) == [
        {"state": "https://w3id.org/ipkg/id/belarus", "population": "9155978"},
        {"state": "https://w3id.org/ipkg/id/switzerland", "population": "8670300"},
    ]


def test_service_without_a_deadline_uses_the_default_timeout(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ipkg.sparql.federation, "DEFAULT_TIMEOUT", 0.5)
    url = stand_in.url("/slow")
    started = time.monotonic()
    with pytest.raises(RemoteServiceError, match=r"did not answer within 0\.5 s"):
        list(Graph().query(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"))
    assert time.monotonic() - started < 3


def test_service_outside_the_store_still_goes_through_ipkg(stand_in: StandIn) -> None:
    result = Graph().query(
        "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
        f"SELECT ?item ?population WHERE {{ SERVICE <{stand_in.url()}> {{ ?item wdt:P1082 ?population }} }}"
    )
    found = {(row[0], row[1]) for row in result}  # type: ignore[index]
    decimal = URIRef("http://www.w3.org/2001/XMLSchema#decimal")
    assert (URIRef(WD + "Q184"), Literal("9155978", datatype=decimal)) in found
    assert stand_in.requests[0].user_agent.startswith("ipkg/")


def test_evaluator_is_installed_once() -> None:
    ipkg.sparql.federation.install()
    ipkg.sparql.federation.install()
    mine = [f for f in rdflib.plugins.sparql.CUSTOM_EVALS.values() if f is ipkg.sparql.federation.evaluate_service]
    assert len(mine) == 1


def test_evaluator_leaves_other_nodes_to_rdflib() -> None:
    from rdflib.plugins.sparql.parserutils import CompValue

    with pytest.raises(NotImplementedError):
        ipkg.sparql.federation.evaluate_service(None, CompValue("BGP", triples=[]))  # type: ignore[arg-type]
