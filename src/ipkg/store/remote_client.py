"""One remote SPARQL server spoken to over the SPARQL 1.1 Protocol, Update and Graph Store Protocol.

``SparqlClient`` sends each request (POST, form-encoded: never a GET, which
long queries break on Virtuoso, never a direct ``application/sparql-query``
POST, which hangs on Virtuoso) and turns every way a server fails into an
ipkg error: no answer or refused credentials → ``RemoteStoreError`` (503),
past the deadline or Virtuoso's "anytime" partial answer (``X-SQL-State:
S1TAT``) → ``QueryTimeout`` (503), a query the server will not evaluate →
``QueryEvaluationError`` (400), a SERVICE that failed there → 502. It knows
the quirks of the servers it was tested on (``dialect``): Virtuoso takes a
time limit per query (``timeout``, in milliseconds) and answers ASK, booleans
and JSON in its own way; ``oxigraph serve`` writes standard results.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

from rdflib import Graph, URIRef
from rdflib.query import Result
from rdflib.term import Node

from ipkg.config import Settings
from ipkg.errors import (
    ConfigError,
    QueryEvaluationError,
    QueryTimeout,
    RemoteServiceError,
    ResultTooLarge,
    StorageError,
)
from ipkg.ntriples import NTriplesError, read_quads
from ipkg.sparql.prepare import PreparedQuery
from ipkg.sparql.results import format_result
from ipkg.store.base import Quad
from ipkg.store.remote_http import HttpClient, HttpFailure, HttpTimeout, Reply, redact
from ipkg.store.remote_sparql import (
    GRAPH_ACCEPT,
    GRAPH_PARSERS,
    N_TRIPLES,
    NO_GRAPH,
    RESULT_TYPES,
    SKOLEM_BYTES,
    chunks,
    count_rows,
    data_operations,
    from_json,
    from_json_results,
    from_remote,
    mapped,
    media_type,
    server_message,
    sparql_term,
)

log = logging.getLogger("ipkg.store")

DIALECTS = ("auto", "generic", "virtuoso", "oxigraph")
"""``remote_dialect`` values: ``auto`` picks one from the server's ``Server`` header."""

READ_TIMEOUT = 120.0
"""Seconds a snapshot read, a count or the start's probe may take."""

WRITE_TIMEOUT = 600.0
"""Seconds one request of a write or of the initial load may take."""

PAGE_SIZE = 10_000
"""Rows per page of a pattern read (Virtuoso answers at most ``ResultSetMaxRows``, 10000 in its sample ini)."""

SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


class RemoteStoreError(StorageError):
    """The remote store did not answer, refused ipkg's credentials, or could not be written (HTTP 503)."""

    hint = "check that the remote store is up and the remote_* settings (URLs, remote_user, remote_password)"


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class RemoteEndpoint:
    """Where the remote store is and how to talk to it (from the ``remote_*`` settings)."""

    query_url: str
    update_url: str
    graph_store_url: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    dialect: str = "auto"

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteEndpoint:
        """The endpoint the settings name.

        Raises:
            ConfigError: ``remote_query_url`` is missing, or a URL is not http(s).
        """
        if not settings.remote_query_url:
            raise ConfigError(
                "remote_query_url",
                "is needed with store = remote",
                hint="set IPKG_REMOTE_QUERY_URL to the server's SPARQL query endpoint, e.g. http://127.0.0.1:8890/sparql",
            )
        urls = {
            "remote_query_url": settings.remote_query_url,
            "remote_update_url": settings.remote_update_url,
            "remote_graph_store_url": settings.remote_graph_store_url,
        }
        for name, url in urls.items():
            if url and not re.match(r"https?://[^/?#@]+(?:[/?]|$)", url):
                raise ConfigError(name, f"bad value {redact(url)!r}: an http:// or https:// URL without credentials")
        return cls(
            query_url=settings.remote_query_url,
            update_url=settings.remote_update_url or settings.remote_query_url,
            graph_store_url=settings.remote_graph_store_url,
            user=settings.remote_user,
            password=settings.remote_password,
            dialect=settings.remote_dialect,
        )


# --------------------------------------------------------------------------- the client


class SparqlClient:
    """Requests to one server and what its answers mean; see the module docstring. Thread-safe."""

    def __init__(self, endpoint: RemoteEndpoint) -> None:
        """Reach ``endpoint``; with dialect ``auto`` one ASK learns which server it is.

        Raises:
            RemoteStoreError: the server does not answer, or is not a SPARQL endpoint.
        """
        self.endpoint = endpoint
        self._http = HttpClient(endpoint.user, endpoint.password)
        self.dialect = endpoint.dialect
        if self.dialect == "auto":
            self.dialect = self._detect_dialect()

    @property
    def virtuoso(self) -> bool:
        """Whether the server is Virtuoso (its answers need reading in its own way)."""
        return self.dialect == "virtuoso"

    def drop(self, graphs: Iterable[URIRef]) -> None:
        graphs = list(graphs)
        for start in range(0, len(graphs), 100):
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs[start : start + 100]))

    def add(self, quads: Iterable[Quad]) -> None:
        """Add quads: Graph Store POSTs of N-Triples when that endpoint is set, else INSERT DATA."""
        url = self.endpoint.graph_store_url
        if url is None:
            for operation in data_operations("INSERT", quads):
                self.update(operation)
            return
        for graph, lines in chunks(quads):
            target = url + ("&" if "?" in url else "?") + urlencode({"graph": str(graph)})
            body = "".join(lines).encode("utf-8")
            headers = {"Content-Type": "application/n-triples; charset=utf-8", "Accept": "*/*"}
            reply = self.exchange("POST", target, body, headers, WRITE_TIMEOUT)
            if not 200 <= reply.status < 300:
                raise RemoteStoreError(f"the remote Graph Store refused a POST (HTTP {reply.status}): {reply.text()}")

    def update(self, text: str) -> None:
        body = urlencode({"update": text}).encode("ascii")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json, text/plain;q=0.9, */*;q=0.1",
        }
        reply = self.exchange("POST", self.endpoint.update_url, body, headers, WRITE_TIMEOUT)
        if not 200 <= reply.status < 300:
            raise RemoteStoreError(f"the remote store refused an update (HTTP {reply.status}): {reply.text()}")

    def exchange(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        seconds: float | None,
        on_timeout: Callable[[], Exception] | None = None,
    ) -> Reply:
        deadline = None if seconds is None else time.monotonic() + seconds
        try:
            return self._http.send(method, url, body=body, headers=headers, deadline=deadline)
        except HttpTimeout:
            if on_timeout is not None:
                raise on_timeout() from None
            raise RemoteStoreError(f"the remote store at {redact(url)} did not answer within {seconds:g} s") from None
        except HttpFailure as exc:
            raise RemoteStoreError(f"the remote store at {redact(url)} did not answer ({exc})") from None

    def post_query(
        self,
        text: str,
        default: Iterable[str],
        named: Iterable[str],
        accept: str,
        seconds: float | None,
        on_timeout: Callable[[], Exception] | None = None,
    ) -> Reply:
        fields = [("query", text)]
        fields += [("default-graph-uri", g) for g in default]
        fields += [("named-graph-uri", g) for g in named]
        if self.dialect == "virtuoso" and seconds is not None:
            fields.append(("timeout", str(max(1, math.ceil(seconds * 1000)))))  # milliseconds
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        body = urlencode(fields).encode("ascii")
        return self.exchange("POST", self.endpoint.query_url, body, headers, seconds, on_timeout)

    def _detect_dialect(self) -> str:
        reply = self.post_query("ASK {}", [NO_GRAPH], [NO_GRAPH], RESULT_TYPES["json"], READ_TIMEOUT)
        if reply.status in (401, 403):
            raise RemoteStoreError(f"the remote store refused ipkg's queries (HTTP {reply.status})")
        if reply.status >= 400:
            raise RemoteStoreError(
                f"{redact(self.endpoint.query_url)} is not a SPARQL endpoint (HTTP {reply.status}): {reply.text()}"
            )
        server = reply.header("Server").lower()
        dialect = "virtuoso" if "virtuoso" in server else "oxigraph" if "oxigraph" in server else "generic"
        log.info("the remote store is %s (%s)", dialect, reply.header("Server") or "no Server header")
        return dialect

    def select(self, text: str, named: Iterable[str]) -> list[dict[str, Node]]:
        """Rows of one of ipkg's own SELECTs (counts, snapshot reads)."""
        reply = self.post_query(text, [NO_GRAPH], named, RESULT_TYPES["json"], READ_TIMEOUT)
        if reply.status != 200:
            raise RemoteStoreError(f"the remote store failed on ipkg's own query (HTTP {reply.status}): {reply.text()}")
        try:
            payload = json.loads(reply.body)
            bindings = payload["results"]["bindings"]
            virtuoso = self.virtuoso
            return [{name: from_json(term, virtuoso=virtuoso) for name, term in row.items()} for row in bindings]
        except (ValueError, KeyError, TypeError) as exc:
            raise RemoteStoreError(f"the remote store's answer is not SPARQL JSON results: {exc}") from exc

    def count(self, graphs: Iterable[URIRef]) -> dict[URIRef, int]:
        named = [str(g) for g in graphs]
        if not named:
            return {}
        counts = {}
        for row in self.select(SIZES, named):
            graph, count = row.get("g"), row.get("n")
            if isinstance(graph, URIRef) and count is not None and int(str(count)) > 0:
                counts[graph] = int(str(count))
        return dict(sorted(counts.items()))

    def read_pattern(
        self, subject: Node | None, predicate: Node | None, obj: Node | None, graphs: Iterable[URIRef]
    ) -> Iterator[Quad]:
        """Quads matching the pattern in ``graphs``: SELECT … GRAPH ?g, a page of PAGE_SIZE rows at a time."""
        bound = {"s": subject, "p": predicate, "o": obj}
        pattern = " ".join(f"?{name}" if term is None else sparql_term(term) for name, term in bound.items())
        variables = " ".join(["?g"] + [f"?{name}" for name, term in bound.items() if term is None])
        text = f"SELECT {variables} WHERE {{ GRAPH ?g {{ {pattern} }} }} ORDER BY {variables}"
        named = [str(g) for g in graphs]
        offset = 0
        while True:
            rows = self.select(f"{text} LIMIT {PAGE_SIZE} OFFSET {offset}", named)
            for row in rows:
                g = row["g"]
                assert isinstance(g, URIRef)
                yield row.get("s", subject), row.get("p", predicate), row.get("o", obj), g  # type: ignore[misc]
            if len(rows) < PAGE_SIZE:
                return
            offset += PAGE_SIZE

    def graph_store_read(self, graph: URIRef) -> Iterator[Quad]:
        url = self.endpoint.graph_store_url
        assert url is not None
        target = url + ("&" if "?" in url else "?") + urlencode({"graph": str(graph)})
        reply = self.exchange("GET", target, None, {"Accept": GRAPH_ACCEPT}, READ_TIMEOUT)
        if reply.status == 404:
            return
        if reply.status != 200:
            raise RemoteStoreError(f"the remote Graph Store failed on a GET (HTTP {reply.status}): {reply.text()}")
        for s, p, o in self.parse_graph(reply):
            yield s, p, o, graph

    def query(
        self,
        prepared: PreparedQuery,
        text: str,
        default: list[str],
        named: list[str],
        accept: str,
        timeout: float | None,
    ) -> Reply:
        """Send a user's query (``text``, as the server should read it) over this dataset; a 2xx answer.

        Raises:
            QueryTimeout, QueryEvaluationError, RemoteServiceError, RemoteStoreError.
        """
        reply = self.post_query(text, default, named, accept, timeout, lambda: QueryTimeout(timeout or 0))
        if reply.header("X-SQL-State").startswith("S1T"):  # Virtuoso's "anytime" answer: partial results
            raise QueryTimeout(timeout or 0)
        if 200 <= reply.status < 300:
            return reply
        message = server_message(reply)
        if reply.status in (408, 504) or "S1T00" in message:
            raise QueryTimeout(timeout or 0)
        if reply.status in (401, 403):
            raise RemoteStoreError(f"the remote store refused ipkg's query (HTTP {reply.status})")
        if reply.status in (404, 405, 502, 503):
            raise RemoteStoreError(f"the remote store did not take the query (HTTP {reply.status}): {message}")
        services = [iri for keyword, iri in prepared.remote_targets if keyword == "SERVICE"]
        if reply.status >= 500 and services:
            raise RemoteServiceError(services[0], f"failed, or the remote store failed on it: {message}")
        log.warning("the remote store answered HTTP %s to a query: %s", reply.status, message)
        raise QueryEvaluationError(f"the query could not be evaluated by the remote store: {message}")

    @property
    def passthrough(self) -> tuple[str, ...]:
        """SELECT result formats this server writes the standard way (passed through once parsed)."""
        return {"oxigraph": ("json", "xml", "tsv"), "generic": ("json", "xml")}.get(self.dialect, ())

    def answer_body(self, reply: Reply, prepared: PreparedQuery, fmt: str, max_rows: int | None) -> bytes | None:
        """What to send for a SELECT asked in ``fmt``: the server's body, parsed all the same (rows counted, an
        answer cut short after its 200 caught), or ipkg's rewrite of it; None: ask again as JSON (blank nodes)."""
        content_type = media_type(reply)
        if content_type == RESULT_TYPES[fmt] and SKOLEM_BYTES not in reply.body:
            rows = count_rows(reply.body, fmt)
            if rows is not None:
                if max_rows is not None and rows > max_rows:
                    raise ResultTooLarge(max_rows)
                return reply.body
        if content_type in (RESULT_TYPES["json"], RESULT_TYPES["xml"]):  # non-standard terms, or blank nodes
            return format_result(self.results(reply, prepared, max_rows), fmt)
        if SKOLEM_BYTES not in reply.body:
            raise self.broken(prepared, f"an answer in {content_type or 'no media type'} that does not parse")
        return None

    def broken(self, prepared: PreparedQuery, problem: str) -> Exception:
        """The error for an answer that is not what was asked (a SERVICE that failed after the server sent 200)."""
        services = [iri for keyword, iri in prepared.remote_targets if keyword == "SERVICE"]
        if services:
            return RemoteServiceError(services[0], f"failed, or the remote store failed on it: {problem}")
        return RemoteStoreError(f"the remote store sent {problem}")

    def results(self, reply: Reply, prepared: PreparedQuery, max_rows: int | None) -> Result:
        """SELECT or ASK results read from JSON (old-style ``typed-literal`` too) or XML, terms read back."""
        virtuoso = self.virtuoso
        content_type = media_type(reply)
        try:
            if content_type == RESULT_TYPES["xml"]:
                result = mapped(Result.parse(io.BytesIO(reply.body), format="xml"), virtuoso)
            else:
                result = from_json_results(json.loads(reply.body), prepared.form, virtuoso)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self.broken(prepared, f"an answer that is not SPARQL results ({content_type}): {exc}") from exc
        if max_rows is not None and result.type == "SELECT" and len(result.bindings) > max_rows:
            raise ResultTooLarge(max_rows)
        return result

    def parse_graph(self, reply: Reply, prepared: PreparedQuery | None = None) -> Iterator[tuple[Node, Node, Node]]:
        virtuoso = self.virtuoso
        content_type = media_type(reply)
        text = reply.body.decode("utf-8", "replace")
        try:
            if content_type in N_TRIPLES or not content_type:
                triples = [(s, p, o) for s, p, o, _ in read_quads(text, labels=True, graphs=False)]
            else:
                triples = list(Graph().parse(data=text, format=GRAPH_PARSERS.get(content_type, "turtle")))
        except (NTriplesError, ValueError, SyntaxError) as exc:
            problem = f"an answer that is not RDF ({content_type}): {exc}"
            if prepared is not None:
                raise self.broken(prepared, problem) from exc
            raise RemoteStoreError(f"the remote store sent {problem}") from exc
        for s, p, o in triples:
            yield from_remote(s), from_remote(p), from_remote(o, virtuoso=virtuoso)
