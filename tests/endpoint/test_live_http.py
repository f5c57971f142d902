"""The endpoint over real HTTP (waitress on 127.0.0.1) with real clients: SPARQLWrapper and urllib.

What only a real server shows: concurrent requests, a query stopped by its
time limit while others are served, and that SERVICE, LOAD, FROM and request
bodies never make the server open a connection it was not allowed to (a
listening socket counts every connection made to it).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import Message
from typing import Any
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from SPARQLWrapper import CSV, JSON, JSONLD, POST, POSTDIRECTLY, TSV, TURTLE, XML, SPARQLWrapper

from ipkg.build.load import parse_text
from tests.support import AUTH, SCRATCH_TOKEN, VALID_STATE, AppFactory

pytestmark = [
    pytest.mark.live,
    # rdflib's own internals (query evaluation over a Dataset, quad serializers) use its deprecated
    # Dataset API; the server's threads see the test's warning filters, so ignore exactly those.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib"),
]

IPKG = "https://w3id.org/ipkg/id/"
FACTS = "https://w3id.org/ipkg/graph/facts"
PREFIXES = "PREFIX ipkg: <https://w3id.org/ipkg/id/>\nPREFIX ipkgo: <https://w3id.org/ipkg/ontology#>\n"
INVALID_STATE = PREFIXES + "INSERT DATA { ipkg:atlantis a ipkgo:State }"
STATES = PREFIXES + "SELECT ?state ?label WHERE { ?state a ipkgo:State ; rdfs:label ?label } ORDER BY ?state"
FACTS_CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{FACTS}> {{ ?s ?p ?o }} }}"
ALL_QUADS = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
"""Billions of solutions over the scratch store: never finishes within any test's patience."""


@dataclass(frozen=True)
class Reply:
    """Status, headers and body of one HTTP exchange."""

    status: int
    headers: Message  # case-insensitive, as HTTP header names are
    body: bytes

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8")

    @property
    def mimetype(self) -> str:
        """The Content-Type without parameters."""
        return self.headers.get("Content-Type", "").split(";")[0].strip()

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


def http(method: str, url: str, *, body: bytes | None = None, headers: Mapping[str, str] | None = None) -> Reply:
    """One request with urllib; HTTP errors are replies, not exceptions."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        try:
            return Reply(error.code, error.headers, error.read())
        finally:
            error.close()


def get_query(endpoint: str, text: str, *, accept: str = "application/sparql-results+json", **params: str) -> Reply:
    """GET endpoint?query=…"""
    query_string = urllib.parse.urlencode({"query": text, **params})
    return http("GET", f"{endpoint}?{query_string}", headers={"Accept": accept})


def post_update(endpoint: str, text: str, headers: Mapping[str, str] = AUTH) -> Reply:
    """POST application/sparql-update."""
    return http("POST", endpoint, body=text.encode(), headers={"Content-Type": "application/sparql-update", **headers})


def wrapper(endpoint: str, text: str, fmt: str) -> SPARQLWrapper:
    """A SPARQLWrapper client for one query."""
    client = SPARQLWrapper(endpoint, returnFormat=fmt)
    client.setQuery(text)
    return client


def quads(endpoint: str) -> set[str]:
    """Every quad in the store, one JSON string per row."""
    reply = get_query(endpoint, ALL_QUADS)
    assert reply.status == 200
    return {json.dumps(row, sort_keys=True) for row in reply.json()["results"]["bindings"]}


# --------------------------------------------------------------------------- SPARQLWrapper


def test_sparqlwrapper_select_json(live_server: Any) -> None:
    result = wrapper(live_server.sparql, STATES, JSON).query().convert()
    assert isinstance(result, dict)
    assert [row["label"]["value"] for row in result["results"]["bindings"]] == ["Belarus"]


def test_sparqlwrapper_select_xml(live_server: Any) -> None:
    document = wrapper(live_server.sparql, STATES, XML).query().convert()
    assert isinstance(document, Document)
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]
    assert literals == ["Belarus"]


def test_sparqlwrapper_select_csv(live_server: Any) -> None:
    body = wrapper(live_server.sparql, STATES, CSV).query().convert()
    assert body == f"state,label\r\n{IPKG}belarus,Belarus\r\n".encode()


def test_sparqlwrapper_select_tsv(live_server: Any) -> None:
    # SPARQLWrapper sends format=tsv&format=text/tab-separated-values (and the same for output, results).
    body = wrapper(live_server.sparql, STATES, TSV).query().convert()
    assert body == f'?state\t?label\n<{IPKG}belarus>\t"Belarus"@en\n'.encode()


def test_sparqlwrapper_ask(live_server: Any) -> None:
    result = wrapper(live_server.sparql, PREFIXES + "ASK { ipkg:belarus a ipkgo:Agent }", JSON).query().convert()
    assert result["boolean"] is True


def test_sparqlwrapper_construct_turtle(live_server: Any) -> None:
    query_result = wrapper(live_server.sparql, FACTS_CONSTRUCT, TURTLE).query()
    assert query_result.info()["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=query_result.convert(), format="turtle")
    assert len(graph) == 22


def test_sparqlwrapper_construct_jsonld(live_server: Any) -> None:
    turtle = Graph().parse(data=wrapper(live_server.sparql, FACTS_CONSTRUCT, TURTLE).query().convert(), format="turtle")
    query_result = wrapper(live_server.sparql, FACTS_CONSTRUCT, JSONLD).query()
    assert query_result.info()["content-type"].startswith("application/ld+json")
    # Not convert(): rdflib would fetch ipkg's context from w3id.org; ipkg's loader inlines the shipped one.
    graph = parse_text(query_result.response.read().decode("utf-8"), "json-ld")
    assert isomorphic(graph, turtle)


@pytest.mark.parametrize("request_method", ["urlencoded", POSTDIRECTLY])
def test_sparqlwrapper_post(live_server: Any, request_method: str) -> None:
    client = wrapper(live_server.sparql, STATES, JSON)
    client.setMethod(POST)
    client.setRequestMethod(request_method)
    result = client.query().convert()
    assert result["results"]["bindings"][0]["label"]["value"] == "Belarus"


def test_sparqlwrapper_update_with_bearer_token(live_server: Any) -> None:
    client = SPARQLWrapper(live_server.sparql)
    client.setMethod(POST)
    client.addCustomHttpHeader("Authorization", f"Bearer {SCRATCH_TOKEN}")
    client.setQuery(VALID_STATE)
    with client.query().response as response:
        assert response.status == 200
        assert response.read().startswith(b"committed: 3 triple(s) added")
    ask = wrapper(live_server.sparql, PREFIXES + "ASK { ipkg:switzerland a ipkgo:Place }", JSON)
    assert ask.query().convert()["boolean"] is True


# --------------------------------------------------------------------------- raw HTTP


def test_raw_get_status_and_headers(live_server: Any) -> None:
    reply = get_query(live_server.sparql, "ASK {}")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert reply.headers["X-Request-Id"]
    assert reply.json()["boolean"] is True


def test_raw_405_with_allow(live_server: Any) -> None:
    reply = http("PUT", live_server.sparql + "?query=ASK%20%7B%7D", body=b"", headers={"Content-Type": "text/plain"})
    assert reply.status == 405
    assert "POST" in reply.headers["Allow"]


def test_raw_syntax_error(live_server: Any) -> None:
    reply = get_query(live_server.sparql, "ASK {", accept="application/json")
    assert reply.status == 400
    assert reply.json()["line"] == 1


def test_raw_body_too_large_is_413(make_app: AppFactory, serve_app: Callable[..., Any]) -> None:
    with serve_app(make_app(max_body_bytes=2048)) as live:
        reply = http(
            "POST", live.sparql, body=b"ASK {} #" + b"x" * 4096, headers={"Content-Type": "application/sparql-query"}
        )
        assert reply.status == 413
        assert get_query(live.sparql, "ASK {}").status == 200  # and the server goes on


def test_raw_service_description(live_server: Any) -> None:
    reply = http("GET", live_server.sparql, headers={"Accept": "text/turtle"})
    assert reply.status == 200
    sd = Graph().parse(data=reply.text, format="turtle")
    endpoint = URIRef(live_server.sparql)  # the URL the client used, port included
    assert (endpoint, SD.endpoint, endpoint) in sd


# --------------------------------------------------------------------------- time limit


def test_timeout_503_while_a_cheap_query_is_served(
    live_server: Any, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runaway query answers 503 at its limit while a cheap one is answered.

    The front is the same on every backend, so ipkg's own stores show that the cheap query is not
    queued behind the slow one; a remote server keeps working on the runaway query (Virtuoso shares
    the machine's two cores with it), so there the cheap one only has to be answered in its time.
    """
    store = live_server.app.extensions["ipkg"].store
    original = store.answer
    slow_started = threading.Event()

    def watched(query: Any, **kwargs: Any) -> Any:
        if query.text == CROSS_PRODUCT:  # the view hands the store the query it prepared
            slow_started.set()
        return original(query, **kwargs)

    monkeypatch.setattr(store, "answer", watched)
    finished: dict[str, float] = {}
    replies: dict[str, Reply] = {}

    def run(name: str, text: str, **params: str) -> None:
        replies[name] = get_query(live_server.sparql, text, **params)
        finished[name] = time.monotonic()

    began = time.monotonic()
    slow = threading.Thread(target=run, args=("slow", CROSS_PRODUCT), kwargs={"timeout": "1"})
    slow.start()
    assert slow_started.wait(10), "the slow query never reached the store"
    cheap_sent = time.monotonic()
    run("cheap", STATES)
    slow.join(30)
    assert not slow.is_alive()

    assert replies["cheap"].status == 200
    assert replies["cheap"].json()["results"]["bindings"][0]["label"]["value"] == "Belarus"
    if not backend.startswith("remote-"):
        assert finished["cheap"] < finished["slow"], "the cheap query waited for the slow one"
        assert finished["cheap"] - cheap_sent < 0.9
    else:  # not queued behind the slow query in ipkg: answered within the server's own time
        assert finished["cheap"] - cheap_sent < 2.5
    assert replies["slow"].status == 503  # a status line of its own: nothing had been sent before
    assert replies["slow"].mimetype == "text/plain"
    assert "query stopped after 1 s" in replies["slow"].text
    assert 1.0 <= finished["slow"] - began < 5.0
    assert get_query(live_server.sparql, "ASK {}").status == 200


# --------------------------------------------------------------------------- no server-side request forgery


def test_trap_counts_connections(trap: Any) -> None:
    """The control: a connection to the trap is counted (so a count of 0 below means none was made)."""
    assert trap.count() == 0
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(trap.base + "/x.ttl", timeout=5)
    assert trap.count() == 1


def test_allow_listed_service_does_connect(make_app: AppFactory, serve_app: Callable[..., Any], trap: Any) -> None:
    """The other control: with the trap allow-listed the server really contacts it, and the trap sees that.

    The trap hangs up at once, so the SERVICE call fails: a remote failure is 502, not an internal error.
    """
    endpoint = trap.base + "/sparql"
    with serve_app(make_app(service_allowlist=(endpoint,))) as live:
        reply = get_query(
            live.sparql, f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}", accept="application/json"
        )
        assert reply.status == 502
        assert reply.json()["error"] == "bad-gateway"
    assert trap.count() >= 1


def test_service_not_allow_listed_is_403_and_never_connects(live_server: Any, trap: Any) -> None:
    for keyword in ("SERVICE", "SERVICE SILENT"):
        text = f"SELECT * WHERE {{ {keyword} <{trap.base}/sparql> {{ ?s ?p ?o }} }}"
        reply = get_query(live_server.sparql, text, accept="application/json")
        assert reply.status == 403
        assert reply.json()["error"] == "forbidden"
        assert f"<{trap.base}/sparql> is not allowed" in reply.json()["message"]
    nested = f"ASK {{ {{ SELECT * WHERE {{ OPTIONAL {{ SERVICE <{trap.base}/q> {{ ?s ?p ?o }} }} }} }} }}"
    assert get_query(live_server.sparql, nested).status == 403
    assert trap.count() == 0


def test_load_not_allow_listed_is_403_and_never_connects(live_server: Any, trap: Any) -> None:
    before = quads(live_server.sparql)
    for text in (
        f"LOAD <{trap.base}/x.ttl>",
        f"LOAD SILENT <{trap.base}/x.ttl> INTO GRAPH <urn:g>",
        f"INSERT DATA {{ <urn:a> <urn:b> <urn:c> }} ; LOAD <{trap.base}/x.ttl>",
    ):
        reply = post_update(live_server.sparql, text)
        assert reply.status == 403, text
    assert quads(live_server.sparql) == before
    assert trap.count() == 0


def test_from_and_protocol_graphs_never_fetch(live_server: Any, trap: Any) -> None:
    remote = f"{trap.base}/x.ttl"
    count = f"SELECT (COUNT(*) AS ?n) FROM <{remote}> WHERE {{ ?s ?p ?o }}"
    reply = get_query(live_server.sparql, count)
    assert reply.status == 200
    assert reply.json()["results"]["bindings"][0]["n"]["value"] == "0"
    named = f"ASK FROM NAMED <{remote}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert get_query(live_server.sparql, named).json()["boolean"] is False
    assert get_query(live_server.sparql, "ASK { ?s ?p ?o }", **{"default-graph-uri": remote}).json()["boolean"] is False
    assert (
        get_query(live_server.sparql, "ASK { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": remote}).json()["boolean"]
        is False
    )
    assert trap.count() == 0


def test_update_using_never_fetches(live_server: Any, trap: Any) -> None:
    remote = f"{trap.base}/x.ttl"
    text = f"INSERT {{ GRAPH <urn:copy> {{ ?s ?p ?o }} }} USING <{remote}> USING NAMED <{remote}> WHERE {{ ?s ?p ?o }}"
    assert post_update(live_server.sparql, text).status == 200
    using = urllib.parse.urlencode({"using-graph-uri": remote, "using-named-graph-uri": remote})
    reply = http(
        "POST",
        f"{live_server.sparql}?{using}",
        body=b"INSERT { <urn:a> <urn:b> ?o } WHERE { ?s ?p ?o }",
        headers={"Content-Type": "application/sparql-update", **AUTH},
    )
    assert reply.status == 200
    assert trap.count() == 0


def test_request_bodies_never_fetch(live_server: Any, trap: Any) -> None:
    target = f"{live_server.url}/graph-store?graph=urn:x-test:body"
    bodies = {
        "application/ld+json": json.dumps({"@context": f"{trap.base}/ctx.jsonld", "@id": "urn:a", "name": "x"}),
        "application/rdf+xml": (
            f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "{trap.base}/e.xml">]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
            '<rdf:Description rdf:about="urn:a"><ex:p>&e;</ex:p></rdf:Description></rdf:RDF>'
        ),
    }
    for media, body in bodies.items():
        reply = http("PUT", target, body=body.encode(), headers={"Content-Type": media, **AUTH})
        assert reply.status < 500, (media, reply.text)
    assert trap.count() == 0


# --------------------------------------------------------------------------- updates and authorization


def test_update_without_token_is_401(live_server: Any) -> None:
    reply = post_update(live_server.sparql, VALID_STATE, headers={})
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


def test_update_with_wrong_token_is_403(live_server: Any) -> None:
    assert post_update(live_server.sparql, VALID_STATE, headers={"Authorization": "Bearer guess"}).status == 403


def test_update_disabled_is_403(make_app: AppFactory, serve_app: Callable[..., Any]) -> None:
    with serve_app(make_app(update_token=None)) as live:
        assert post_update(live.sparql, VALID_STATE).status == 403
        assert post_update(live.sparql, VALID_STATE, headers={}).status == 403


def test_rejected_update_leaves_data_unchanged(live_server: Any) -> None:
    before = quads(live_server.sparql)
    reply = post_update(live_server.sparql, INVALID_STATE, headers={**AUTH, "Accept": "application/json"})
    assert reply.status == 422
    assert reply.json()["conforms"] is False
    inconsistent = post_update(live_server.sparql, PREFIXES + "INSERT DATA { ipkg:wipo a ipkgo:State }")
    assert inconsistent.status == 422
    assert quads(live_server.sparql) == before
    assert post_update(live_server.sparql, VALID_STATE).status == 200
    assert len(quads(live_server.sparql)) > len(before)


# --------------------------------------------------------------------------- concurrency


def test_concurrent_queries_all_succeed(live_server: Any) -> None:
    texts = [
        STATES,
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        PREFIXES + "ASK { ipkg:belarus ipkgo:memberOf ipkg:wipo }",
        FACTS_CONSTRUCT,
    ]

    def one(i: int) -> tuple[int, Reply]:
        text = texts[i % len(texts)]
        accept = "text/turtle" if text.startswith("CONSTRUCT") else "application/sparql-results+json"
        return i, get_query(live_server.sparql, text, accept=accept)

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(one, range(20)))
    assert [reply.status for _, reply in replies] == [200] * 20
    for i, reply in replies:
        if i % len(texts) == 0:
            assert reply.json()["results"]["bindings"][0]["label"]["value"] == "Belarus"
        if i % len(texts) == 2:
            assert reply.json()["boolean"] is True
        if i % len(texts) == 3:
            assert len(Graph().parse(data=reply.text, format="turtle")) == 22
    counts = {reply.text for i, reply in replies if i % len(texts) == 1}
    assert len(counts) == 1
