"""The remote store beyond the shared contract: what only a store on another server has to get right.

The first part needs no server (the query text sent, terms both ways, settings,
HTTP auth against a tiny local server). The second runs against each real server
of ``remote_servers`` (``oxigraph serve``, Virtuoso): blank nodes skolemised on the
way in and mapped back on the way out, graphs the server holds but ipkg does not,
FROM against the protocol's dataset, reuse of the server's data after a restart,
a write that fails half way, a server that is not there, paged reads and the
SPARQL-only load path.
"""

from __future__ import annotations

import base64
import http.server
import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from rdflib import BNode, Graph, Literal, URIRef

from ipkg.build import KnowledgeGraph
from ipkg.config import Settings, load_settings
from ipkg.errors import ConfigError
from ipkg.namespaces import GRAPH_FACTS, GRAPH_INFERRED, GRAPH_ONTOLOGY, PREFIXES
from ipkg.serve import create_app
from ipkg.sparql.scan import declared_prefixes, without_dataset_clause
from ipkg.store import remote, remote_client, remote_sparql
from ipkg.store.memory import DatasetSnapshot
from ipkg.store.remote import RemoteStore
from ipkg.store.remote_client import RemoteEndpoint, RemoteStoreError, SparqlClient
from ipkg.store.remote_http import HttpClient
from ipkg.store.remote_sparql import SKOLEM, from_json, remote_query_text, sparql_term
from tests.endpoint.remote_servers import SERVERS, RemoteServer, RemoteServerPool
from tests.support import AUTH

XSD = "http://www.w3.org/2001/XMLSchema#"

# --------------------------------------------------------------------------- no server needed


def test_from_clauses_are_taken_out_and_nothing_else() -> None:
    """FROM / FROM NAMED go (the dataset is sent as protocol parameters); the same words elsewhere stay."""
    text = (
        "PREFIX from: <urn:from:>\nSELECT ?from # FROM <urn:comment>\n"
        "FROM <urn:a>\nFROM NAMED ex:b from NAMED <urn:c>\n"
        'WHERE { ?from from:x "FROM <urn:d>" . FILTER(?from != <urn:FROM>) }'
    )
    out = without_dataset_clause(text)
    assert out.count("\n") == text.count("\n")  # line numbers stay
    assert "<urn:a>" not in out and "ex:b" not in out and "<urn:c>" not in out
    for kept in ("PREFIX from: <urn:from:>", "# FROM <urn:comment>", '"FROM <urn:d>"', "<urn:FROM>", "?from from:x"):
        assert kept in out
    assert without_dataset_clause("ASK {}") == "ASK {}"


def test_the_predeclared_prefixes_go_in_front_on_the_first_line() -> None:
    """A query's own PREFIX wins (it is not declared twice); the user's line numbers stay true."""
    text = "PREFIX ipkg: <urn:mine:>\nSELECT * { ipkg:x ipkgo:y ?z }"
    assert declared_prefixes(text) == {"ipkg"}
    assert declared_prefixes("PREFIX : <urn:x> PREFIX a.b: <urn:y> ASK {}") == {"", "a.b"}
    sent = remote_query_text(text, "http://127.0.0.1/sparql")
    first, rest = sent.split("\n", 1)
    assert rest == "SELECT * { ipkg:x ipkgo:y ?z }"
    assert first.startswith("BASE <http://127.0.0.1/sparql> PREFIX ")
    assert f"PREFIX ipkgo: <{PREFIXES['ipkgo']}>" in first
    assert f"PREFIX ipkg: <{PREFIXES['ipkg']}>" not in first
    assert first.endswith("PREFIX ipkg: <urn:mine:>")


def test_terms_go_out_skolemised_and_come_back_as_they_were() -> None:
    node = BNode("n1 x/y")
    sent = sparql_term(node)
    assert sent.startswith(f"<{SKOLEM}") and " " not in sent
    assert from_json({"type": "uri", "value": sent[1:-1]}) == node
    assert sparql_term(Literal("a", datatype=URIRef(XSD + "string"))) == '"a"'  # RDF 1.1: one term
    assert sparql_term(Literal('say "hi"\n', lang="en")) == '"say \\"hi\\"\\n"@en'
    assert from_json({"type": "typed-literal", "datatype": XSD + "string", "value": "a"}) == Literal("a")
    assert from_json({"type": "literal", "xml:lang": "en", "value": "a"}) == Literal("a", lang="en")
    virtuoso_true = {"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"}
    assert from_json(virtuoso_true, virtuoso=True) == Literal("true", datatype=URIRef(XSD + "boolean"))


def test_settings_name_the_remote_store(tmp_path: Path) -> None:
    environ = {
        "IPKG_STORE": "remote",
        "IPKG_REMOTE_QUERY_URL": "http://127.0.0.1:8890/sparql",
        "IPKG_REMOTE_UPDATE_URL": "http://127.0.0.1:8890/sparql-auth",
        "IPKG_REMOTE_USER": "dba",
        "IPKG_REMOTE_PASSWORD": "secret-password",
        "IPKG_REMOTE_DIALECT": "virtuoso",
    }
    settings = load_settings(environ=environ)
    endpoint = RemoteEndpoint.from_settings(settings)
    assert endpoint.update_url.endswith("/sparql-auth") and endpoint.graph_store_url is None
    assert "secret-password" not in repr(settings) and "secret-password" not in repr(endpoint)
    with pytest.raises(ConfigError):
        load_settings(environ={**environ, "IPKG_REMOTE_DIALECT": "fuseki"})
    with pytest.raises(ConfigError, match="remote_query_url"):
        RemoteEndpoint.from_settings(Settings(store="remote"))
    with pytest.raises(ConfigError, match="remote_update_url"):
        RemoteEndpoint.from_settings(settings.replace(remote_update_url="http://user:pw@127.0.0.1/update"))


class _BasicOnly(http.server.BaseHTTPRequestHandler):
    seen: list[str | None] = []

    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        authorization = self.headers.get("Authorization")
        type(self).seen.append(authorization)
        expected = "Basic " + base64.b64encode(b"ipkg:pw").decode()
        if authorization != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="test"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b'{"head":{},"boolean":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


def test_credentials_go_only_to_a_server_that_asks_and_a_wrong_password_is_not_retried_forever() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BasicOnly)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    try:
        _BasicOnly.seen = []
        client = HttpClient("ipkg", "pw")
        assert client.send("POST", url, body=b"query=ASK{}").status == 200
        assert client.send("POST", url, body=b"query=ASK{}").status == 200
        assert _BasicOnly.seen[0] is None  # nothing sent before the challenge
        assert _BasicOnly.seen[1:] == [_BasicOnly.seen[2]] * 2  # then answered up front
        _BasicOnly.seen = []
        assert HttpClient("ipkg", "wrong").send("POST", url, body=b"query=ASK{}").status == 401
        assert len(_BasicOnly.seen) == 2
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_that_is_not_there_is_a_clear_503_class_error(scratch_kg: KnowledgeGraph, tmp_path: Path) -> None:
    from tests.endpoint.remote_servers import free_port

    url = f"http://127.0.0.1:{free_port()}/sparql"
    endpoint = RemoteEndpoint(query_url=url, update_url=url, user="u", password="never-shown")
    with pytest.raises(RemoteStoreError) as raised:
        _open(endpoint, scratch_kg, tmp_path)
    assert url in str(raised.value) and "never-shown" not in str(raised.value)


# --------------------------------------------------------------------------- against each real server


def _open(endpoint: RemoteEndpoint, kg: KnowledgeGraph, state: Path, **changes: Any) -> RemoteStore:
    return RemoteStore(
        endpoint,
        state_dir=state,
        key=changes.pop("key", "scratch"),
        build=lambda: kg,
        shapes=lambda: kg.shapes,
        journal=state / "journal.jsonl",
        **changes,
    )


@pytest.fixture(params=[pytest.param(name, marks=pytest.mark.remote) for name in SERVERS])
def server(request: pytest.FixtureRequest, remote_server: RemoteServerPool) -> RemoteServer:
    """Each real server in turn."""
    return remote_server.get(str(request.param))


@pytest.fixture
def store(server: RemoteServer, scratch_kg: KnowledgeGraph, tmp_path: Path) -> Iterator[RemoteStore]:
    opened = _open(server.endpoint, scratch_kg, tmp_path / "store")
    yield opened
    opened.close()


def _app(store: RemoteStore, tmp_path: Path, scratch_root: Path) -> Flask:
    settings = Settings(root=scratch_root, state_dir=tmp_path / "var", update_token="s3cret", query_timeout=10.0)
    return create_app(settings, store)


def _raw(server: RemoteServer, query: str, **dataset: list[str]) -> list[dict[str, Any]]:
    """Ask the server itself (not through ipkg): JSON bindings."""
    fields = [("query", query)] + [(k.replace("_", "-"), g) for k, v in dataset.items() for g in v]
    request = urllib.request.Request(
        server.endpoint.query_url,
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our loopback server
        return list(json.load(response)["results"]["bindings"])


def _raw_update(server: RemoteServer, text: str) -> None:
    client = HttpClient(server.endpoint.user, server.endpoint.password)
    body = urllib.parse.urlencode({"update": text}).encode()
    reply = client.send(
        "POST", server.endpoint.update_url, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert 200 <= reply.status < 300, reply.text()


def test_blank_nodes_are_skolem_iris_on_the_server_and_blank_nodes_in_ipkg(
    store: RemoteStore, server: RemoteServer, tmp_path: Path, scratch_root: Path
) -> None:
    client = _app(store, tmp_path, scratch_root).test_client()
    query = "SELECT ?r WHERE { ?r owl:onProperty ?p } LIMIT 1"
    for accept, marker in [
        ("application/sparql-results+json", b'"bnode"'),
        ("application/sparql-results+xml", b"<bnode>"),
        ("text/csv", b"_:"),
        ("text/tab-separated-values", b"_:"),
    ]:
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
        assert response.status_code == 200, response.data
        assert marker in response.data and SKOLEM.encode() not in response.data, accept
    on_server = _raw(
        server,
        "SELECT ?r WHERE { ?r <http://www.w3.org/2002/07/owl#onProperty> ?p } LIMIT 1",
        default_graph_uri=[str(GRAPH_ONTOLOGY)],
    )
    assert on_server and on_server[0]["r"]["value"].startswith(SKOLEM)

    graph = "urn:x-test:blank-nodes"
    text = f'INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:s> <urn:x:p> [ <urn:x:q> "v" ] }} }}'
    assert client.post("/sparql", data={"update": text}, headers=AUTH).status_code == 200
    stored = Graph().parse(data=client.get("/graph-store", query_string={"graph": graph}).data, format="turtle")
    assert len(stored) == 2 and any(isinstance(o, BNode) for o in stored.objects(URIRef("urn:x:s")))
    deleted = f"DELETE WHERE {{ GRAPH <{graph}> {{ <urn:x:s> <urn:x:p> ?b . ?b <urn:x:q> ?v }} }}"
    assert client.post("/sparql", data={"update": deleted}, headers=AUTH).status_code == 200
    assert _raw(server, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", named_graph_uri=[graph]) == []


def test_graphs_ipkg_does_not_hold_stay_invisible_and_are_taken_over_when_written(
    store: RemoteStore, server: RemoteServer, tmp_path: Path, scratch_root: Path
) -> None:
    foreign = "urn:x-test:not-ipkgs"
    _raw_update(server, f'INSERT DATA {{ GRAPH <{foreign}> {{ <urn:x:a> <urn:x:b> "foreign" }} }}')
    client = _app(store, tmp_path, scratch_root).test_client()
    assert foreign not in client.get("/health").get_json()["graphs"]
    ask = 'ASK { ?s ?p "foreign" }'
    for params in ({}, {"default-graph-uri": foreign}, {"named-graph-uri": foreign}):
        response = client.get("/sparql", query_string={"query": ask, **params})
        assert response.get_json()["boolean"] is False, params
    assert client.get("/graph-store", query_string={"graph": foreign}).status_code == 404
    put = client.put(
        "/graph-store",
        query_string={"graph": foreign},
        data='<urn:x:a> <urn:x:b> "mine" .\n',
        headers={**AUTH, "Content-Type": "application/n-triples"},
    )
    assert put.status_code in (200, 201, 204), put.data
    values = {
        row["o"]["value"] for row in _raw(server, "SELECT ?o { GRAPH ?g { ?s ?p ?o } }", named_graph_uri=[foreign])
    }
    assert values == {"mine"}


def test_the_protocol_dataset_overrides_from(store: RemoteStore, tmp_path: Path, scratch_root: Path) -> None:
    """SPARQL 1.1 Protocol §2.1.4: default-graph-uri wins over FROM (Virtuoso would add them up if sent both)."""
    client = _app(store, tmp_path, scratch_root).test_client()
    sizes = client.get("/health").get_json()["graphs"]
    query = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH_FACTS}> WHERE {{ ?s ?p ?o }}"

    def count(**params: str) -> int:
        response = client.get("/sparql", query_string={"query": query, **params})
        return int(response.get_json()["results"]["bindings"][0]["n"]["value"])

    assert count() == sizes[str(GRAPH_FACTS)]
    assert count(**{"default-graph-uri": str(GRAPH_ONTOLOGY)}) == sizes[str(GRAPH_ONTOLOGY)]
    assert count(infer="false") == sizes[str(GRAPH_FACTS)]
    everything = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    asserted = client.get("/sparql", query_string={"query": everything, "infer": "false"}).get_json()
    total = sum(n for g, n in sizes.items() if g != str(GRAPH_INFERRED))
    assert int(asserted["results"]["bindings"][0]["n"]["value"]) == total


def test_a_restart_uses_the_servers_data_unless_it_changed_behind_ipkgs_back(
    server: RemoteServer, scratch_kg: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "store"
    first = _open(server.endpoint, scratch_kg, state)
    first.update('INSERT DATA { ipkg:belarus rdfs:comment "kept across restarts"@en }')
    sizes = first.graph_sizes()
    first.close()

    def no_load(*_: Any) -> None:
        raise AssertionError("the server's data should have been used as they are")

    with monkeypatch.context() as patched:
        patched.setattr(RemoteStore, "_load", no_load)
        second = _open(server.endpoint, scratch_kg, state)
    assert second.graph_sizes() == sizes
    assert second.query('ASK { ipkg:belarus rdfs:comment "kept across restarts"@en }').askAnswer
    second.close()

    triple = f'<{PREFIXES["ipkg"]}belarus> <{PREFIXES["rdfs"]}comment> "kept across restarts"@en'
    _raw_update(server, f"DELETE DATA {{ GRAPH <{GRAPH_FACTS}> {{ {triple} }} }}")
    third = _open(server.endpoint, scratch_kg, state)  # the sizes differ: loaded again, the journal replayed
    assert third.graph_sizes() == sizes
    assert third.query('ASK { ipkg:belarus rdfs:comment "kept across restarts"@en }').askAnswer
    fourth = _open(server.endpoint, scratch_kg, state, key="another build")
    assert fourth.generation == 1  # a new build: loaded again (journal replayed)


def test_a_write_that_fails_half_way_is_sent_again_and_a_restart_rewrites_the_server(
    store: RemoteStore,
    server: RemoteServer,
    scratch_kg: KnowledgeGraph,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failing = {"left": 1}
    real_add = SparqlClient.add

    def flaky(self: SparqlClient, quads: Any) -> None:
        if failing["left"]:
            failing["left"] -= 1
            raise RemoteStoreError("the connection broke (test)")
        real_add(self, quads)

    monkeypatch.setattr(SparqlClient, "add", flaky)
    with pytest.raises(RemoteStoreError, match="committed"):
        store.update('INSERT DATA { ipkg:belarus rdfs:comment "first"@en }')
    assert not store.query('ASK { ipkg:belarus rdfs:comment "first"@en }').askAnswer  # not on the server yet
    assert json.loads((tmp_path / "store" / remote.META_NAME).read_text())["dirty"] is True
    store.update('INSERT DATA { ipkg:belarus rdfs:comment "second"@en }')  # sends the first one again too
    for text in ("first", "second"):
        assert store.query(f'ASK {{ ipkg:belarus rdfs:comment "{text}"@en }}').askAnswer
    assert json.loads((tmp_path / "store" / remote.META_NAME).read_text())["dirty"] is False


def test_paged_reads_and_the_sparql_only_load_give_every_quad(
    server: RemoteServer, scratch_kg: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Snapshot reads come in pages (ORDER BY, LIMIT/OFFSET); without a Graph Store the load is INSERT DATA."""
    monkeypatch.setattr(remote_client, "PAGE_SIZE", 100)
    monkeypatch.setattr(remote_sparql, "CHUNK_TRIPLES", 300)
    endpoint = RemoteEndpoint(
        query_url=server.endpoint.query_url,
        update_url=server.endpoint.update_url,
        user=server.endpoint.user,
        password=server.endpoint.password,
    )
    store = _open(endpoint, scratch_kg, tmp_path / "store")
    expected = set(DatasetSnapshot(scratch_kg.dataset, 0).quads())
    got = set(store.snapshot().quads())
    assert len(got) == sum(store.graph_sizes().values())
    assert {q for q in got if not isinstance(q[2], Literal)} == {q for q in expected if not isinstance(q[2], Literal)}
    assert len(list(store.snapshot().quads(predicate=URIRef(PREFIXES["rdf"] + "type")))) > 100
