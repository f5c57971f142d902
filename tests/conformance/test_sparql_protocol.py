"""The W3C SPARQL 1.1 Protocol tests and Service Description tests, as real HTTP exchanges.

Every request is derived from ``protocol/manifest.ttl`` (the ``ht:``/``cnt:``
HTTP vocabulary; see the conformance folder's PROTOCOL.md §1): method, path
and query string byte for byte, exactly the listed headers (a request without
a Content-Type is sent without one), the body in its stated encoding. Update
operations also carry ``Authorization: Bearer <token>``, which ipkg requires;
a 4xx expected from a negative update test must then come from the protocol
check, never from the missing credentials. ``ut:graphData`` setup is loaded
from the local files through the Graph Store protocol: nothing is fetched.

The three Service Description tests have no machine-readable action; their
checks follow PROTOCOL.md §5 (the WG-era validator's).
"""

from __future__ import annotations

import http.client
import io
import urllib.parse
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.query import Result
from rdflib.term import Node

from tests.support import SPARQL11_SUITE

SPARQL11 = SPARQL11_SUITE

pytestmark = [
    pytest.mark.live,
    # rdflib's own internals (query evaluation over a Dataset) use its deprecated Dataset API.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib"),
]

PROTOCOL_MANIFEST = SPARQL11 / "protocol" / "manifest.ttl"
SD_MANIFEST = SPARQL11 / "service-description" / "manifest.ttl"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

PATH_PREFIX = "/sparql/"
"""Every ht:absolutePath starts with this; the rest (empty or ``?…``) goes after the endpoint URL."""

FORMAT_TYPES = {
    "boolean": {"application/sparql-results+xml", "application/sparql-results+json"},
    "tabular": {
        "application/sparql-results+xml",
        "application/sparql-results+json",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "application/ld+json"},
}
"""mf:expectedFormat → the response media types that satisfy it (PROTOCOL.md §1)."""

RESULT_PARSERS = {"application/sparql-results+xml": "xml", "application/sparql-results+json": "json"}
RDF_PARSERS = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/n-triples": "nt"}

KNOWN_FAILURES: dict[str, str] = {}
"""Protocol test id → why ipkg fails it (each becomes a strict xfail). Empty: every test passes."""


@dataclass(frozen=True)
class Expected:
    """``ht:resp``: acceptable status classes (2, 3, 4), result kind, ASK answer."""

    status_classes: frozenset[int]
    kind: str | None
    boolean: bool | None


@dataclass(frozen=True)
class Exchange:
    """One ``ht:Request`` and its expected response."""

    method: str
    query_string: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    expected: Expected

    @property
    def content_type(self) -> str | None:
        """The request's Content-Type header, if the manifest gives one."""
        return next((value for name, value in self.headers if name.lower() == "content-type"), None)

    def parameters(self) -> dict[str, list[str]]:
        """Protocol parameters from the query string and, when it is form-shaped, the body."""
        params = urllib.parse.parse_qs(self.query_string.lstrip("?"), keep_blank_values=True)
        media = (self.content_type or "").split(";")[0].strip().lower()
        if self.body is not None and media in ("", "application/x-www-form-urlencoded"):
            try:
                text = self.body.decode("utf-8")
            except UnicodeDecodeError:
                text = ""
            for name, values in urllib.parse.parse_qs(text, keep_blank_values=True).items():
                params.setdefault(name, []).extend(values)
        return params


@dataclass(frozen=True)
class ProtocolTest:
    """One ``mf:ProtocolTest``: its setup graphs and its requests, in order."""

    id: str
    name: str
    approved: bool
    graph_data: tuple[tuple[Path, str], ...]
    exchanges: tuple[Exchange, ...]

    def is_update(self, exchange: Exchange) -> bool:
        """Whether ``exchange`` is an update operation (PROTOCOL.md §2: by test id and Content-Type)."""
        media = (exchange.content_type or "").split(";")[0].strip().lower()
        if media == "application/sparql-update" or "update" in exchange.parameters():
            return True
        return self.id.startswith(("update_", "bad_update_")) and media != "application/sparql-query"


def _list(graph: Graph, head: Node | None) -> list[Node]:
    return [] if head is None else list(Collection(graph, head))


def _exchange(graph: Graph, node: Node) -> Exchange:
    path = str(graph.value(node, HT.absolutePath))
    assert path.startswith(PATH_PREFIX), path
    headers = tuple(
        (str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
        for h in _list(graph, graph.value(node, HT.headers))
    )
    body_node = graph.value(node, HT.body)
    body = None
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding)).lower()
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    assert response is not None
    statuses = frozenset(int(str(s).rsplit("StatusCode", 1)[1][0]) for s in graph.objects(response, MF.expectedStatus))
    kind = graph.value(response, MF.expectedFormat)
    boolean = graph.value(response, MF.expectedBoolean)
    return Exchange(
        method=str(graph.value(node, HT.methodName)),
        query_string=path[len(PATH_PREFIX) :],
        headers=headers,
        body=body,
        expected=Expected(
            statuses, None if kind is None else str(kind), None if boolean is None else bool(boolean.toPython())
        ),
    )


@cache
def protocol_tests() -> tuple[ProtocolTest, ...]:
    """Every protocol test of the manifest, in manifest order."""
    graph = Graph().parse(PROTOCOL_MANIFEST, format="turtle")
    (manifest,) = graph.subjects(RDF.type, MF.Manifest)
    tests = []
    for entry in _list(graph, graph.value(manifest, MF.entries)):
        assert (entry, RDF.type, MF.ProtocolTest) in graph
        action = graph.value(entry, MF.action)
        setup = []
        for data in graph.objects(entry, UT.graphData):
            file = Path(urllib.parse.unquote(urllib.parse.urlparse(str(graph.value(data, UT.graph))).path))
            setup.append((file, str(graph.value(data, RDFS.label))))
        tests.append(
            ProtocolTest(
                id=str(entry).rsplit("#", 1)[1],
                name=str(graph.value(entry, MF.name)),
                approved=(entry, DAWGT.approval, DAWGT.Approved) in graph,
                graph_data=tuple(sorted(setup, key=lambda item: item[1])),
                exchanges=tuple(_exchange(graph, r) for r in _list(graph, graph.value(action, HT.requests))),
            )
        )
    return tuple(tests)


@dataclass(frozen=True)
class Reply:
    """What came back."""

    status: int
    content_type: str
    body: bytes


def send(endpoint: str, method: str, target: str, headers: list[tuple[str, str]], body: bytes | None) -> Reply:
    """Send exactly these headers (plus Host and, with a body, Content-Length); nothing is added for us."""
    url = urllib.parse.urlsplit(endpoint)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=60)
    try:
        connection.putrequest(method, url.path + target, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        data = response.read()
        return Reply(response.status, response.getheader("Content-Type", ""), data)
    finally:
        connection.close()


def load_graph_data(endpoint: str, token: str, file: Path, iri: str) -> None:
    """``ut:graphData`` setup: the local file becomes the named graph ``iri`` (Graph Store PUT)."""
    store = endpoint.rsplit("/sparql", 1)[0] + "/graph-store"
    target = "?" + urllib.parse.urlencode({"graph": iri})
    reply = send(
        store,
        "PUT",
        target,
        [("Content-Type", "application/n-triples"), ("Authorization", f"Bearer {token}")],
        file.read_bytes(),
    )
    assert reply.status in (201, 204), reply.body


def check(reply: Reply, expected: Expected) -> None:
    """Status class, result kind by Content-Type, and the ASK answer."""
    assert reply.status // 100 in expected.status_classes, (reply.status, reply.body[:300])
    media = reply.content_type.split(";")[0].strip().lower()
    if expected.kind is not None:
        assert media in FORMAT_TYPES[expected.kind], (expected.kind, media)
    if expected.boolean is not None:
        result = Result.parse(io.BytesIO(reply.body), format=RESULT_PARSERS[media])
        assert result.type == "ASK"
        assert result.askAnswer is expected.boolean


def _params() -> list[pytest.ParameterSet]:
    return [
        pytest.param(
            t,
            id=t.id,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[t.id])] if t.id in KNOWN_FAILURES else [],
        )
        for t in protocol_tests()
    ]


def test_manifest_has_34_protocol_tests_and_39_requests() -> None:
    tests = protocol_tests()
    assert len(tests) == 34
    assert len({t.id for t in tests}) == 34
    assert sum(len(t.exchanges) for t in tests) == 39
    assert all(t.approved for t in tests)
    negative = [t for t in tests if t.exchanges[0].expected.status_classes == {4}]
    assert len(negative) == 14
    assert set(KNOWN_FAILURES) <= {t.id for t in tests}


@pytest.mark.parametrize("test", _params())
def test_protocol(test: ProtocolTest, scratch_endpoint: tuple[str, str]) -> None:
    endpoint, token = scratch_endpoint
    for file, iri in test.graph_data:
        load_graph_data(endpoint, token, file, iri)
    for exchange in test.exchanges:
        headers = list(exchange.headers)
        authorised = test.is_update(exchange)
        if authorised:
            headers.append(("Authorization", f"Bearer {token}"))
        reply = send(endpoint, exchange.method, exchange.query_string, headers, exchange.body)
        check(reply, exchange.expected)
        if authorised and exchange.expected.status_classes == {4}:
            assert reply.status not in (401, 403), "refused for its credentials, not for the protocol error"


# --------------------------------------------------------------------------- Service Description (PROTOCOL.md §5)


SD_ACCEPT = "text/turtle, application/rdf+xml, application/n-triples;q=0.9, application/ld+json;q=0.9"
"""Like the validator's RDF::Trine: Turtle and RDF/XML at 1.0, the other RDF types lower."""


@cache
def service_description_test_ids() -> tuple[str, ...]:
    """The ids of the manifest's mf:ServiceDescriptionTest entries, in manifest order."""
    graph = Graph().parse(SD_MANIFEST, format="turtle")
    (manifest,) = graph.subjects(RDF.type, MF.Manifest)
    entries = _list(graph, graph.value(manifest, MF.entries))
    assert all((e, RDF.type, MF.ServiceDescriptionTest) in graph for e in entries)
    return tuple(str(e).rsplit("#", 1)[1] for e in entries)


def fetch_service_description(endpoint: str) -> tuple[Reply, Graph]:
    """GET the endpoint with no query string; the reply, and its body parsed by its Content-Type."""
    reply = send(endpoint, "GET", "", [("Accept", SD_ACCEPT)], None)
    assert 200 <= reply.status < 300, reply.status
    media = reply.content_type.split(";")[0].strip().lower()
    assert media in RDF_PARSERS, media
    return reply, Graph().parse(data=reply.body.decode("utf-8"), format=RDF_PARSERS[media])


def check_returns_rdf(endpoint: str) -> None:
    _, graph = fetch_service_description(endpoint)
    assert len(graph) > 0


def check_has_endpoint_triple(endpoint: str) -> None:
    _, graph = fetch_service_description(endpoint)
    assert (None, SD.endpoint, URIRef(endpoint)) in graph


def check_conforms_to_schema(endpoint: str) -> None:
    _, graph = fetch_service_description(endpoint)
    named = list(graph.subjects(RDF.type, SD.NamedGraph))
    assert named, "the scratch store has named graphs; the description should list them"
    for node in named:
        assert graph.value(node, SD.name) is not None, node


SD_CHECKS = {
    "returns-rdf": check_returns_rdf,
    "has-endpoint-triple": check_has_endpoint_triple,
    "conforms-to-schema": check_conforms_to_schema,
}


def test_service_description_manifest_has_the_three_tests() -> None:
    assert set(service_description_test_ids()) == set(SD_CHECKS)
    assert len(service_description_test_ids()) == 3


@pytest.mark.parametrize("test_id", service_description_test_ids())
def test_service_description(test_id: str, scratch_endpoint: tuple[str, str]) -> None:
    SD_CHECKS[test_id](scratch_endpoint[0])


def test_literal_parsing_of_expected_boolean() -> None:
    """The harness itself: mf:expectedBoolean true reads as True (a typo here would pass everything)."""
    assert bool(Literal(True).toPython()) is True
    first = protocol_tests()[0]
    assert first.id == "query_post_form"
    assert first.exchanges[0].expected == Expected(frozenset({2, 3}), "boolean", True)
