"""The remote backend: any SPARQL 1.1 Query + Update (+ Graph Store) server holds the data, ipkg stays the front.

For graphs that outgrow one machine (Virtuoso, QLever, GraphDB, Neptune, Fuseki,
``oxigraph serve``); README, "Remote stores", says how to use it. ipkg still does
everything but evaluating queries: protocol checks, authorisation, the SERVICE /
LOAD allow-list, the SHACL gate and the reasoner on every write, the journal, the
UI and entity pages. This module is the store (state file, loads, writes, reads);
``remote_client`` sends requests and maps the server's failures, per dialect;
``remote_sparql`` makes the query text, terms and result bodies (no I/O);
``remote_http`` is one HTTP exchange with a deadline and Basic or Digest auth.

- **Queries** always carry their dataset (``default-graph-uri`` / ``named-graph-uri``:
  ipkg's graphs, without ``…/graph/inferred`` for ``infer=false``, or a request's own
  graphs kept to those ipkg holds), so the server's default graph never matters and a
  graph ipkg did not write is empty; FROM is taken out of the text (the protocol's
  dataset must win; Virtuoso adds them up). Standard SELECT results are passed through
  once parsed (rows counted, a cut-short answer caught), others written by ipkg.
- **Blank nodes** are skolem IRIs on the server (RDF 1.1 §3.5: ``_:b1`` is
  ``https://w3id.org/ipkg/.well-known/genid/b1``), so DELETE DATA can name them; every
  answer maps them back. Queries on the server see IRIs (``isBlank`` is false).
- **Writes** go through ``Mirror`` (ipkg's incremental writer: apply, validate, reason,
  journal); the quad difference is sent as DELETE DATA / INSERT DATA per graph in
  chunks, or added by Graph Store POSTs. A graph ipkg starts to write is dropped first
  (what the server held under that name is not ipkg's). A write that fails half way is
  sent again before the next one (both operations are idempotent).
- **Start**: ``<state_dir>/store/remote.json`` keeps the build key, the endpoint,
  ipkg's graphs and their sizes. Key and endpoint equal, no write left half done, the
  same sizes on the server: its data are used as they are; otherwise ipkg builds
  (replaying the journal) and loads the server. One ipkg front per remote dataset.
- **Other reads** (entity pages, dumps, statistics) ask the live server through
  ``RemoteSnapshot``: quads by pattern, paged, or whole graphs by Graph Store GET.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from ipkg.build import KnowledgeGraph
from ipkg.errors import QueryEvaluationError, QuerySyntaxError, ResultTooLarge
from ipkg.files import write_atomic
from ipkg.namespaces import GRAPH_INFERRED
from ipkg.protocol.dataset import DatasetSpec
from ipkg.sparql.guard import check_remote
from ipkg.sparql.limits import QueryLimits
from ipkg.sparql.prepare import PreparedQuery, explain_refusal, prepare_query
from ipkg.sparql.results import format_result
from ipkg.store.base import BaseSnapshot, Quad
from ipkg.store.memory import MemoryStore
from ipkg.store.mirror import Mirror, MirroredWrites
from ipkg.store.remote_client import RemoteEndpoint, RemoteStoreError, SparqlClient
from ipkg.store.remote_http import Reply, redact
from ipkg.store.remote_sparql import GRAPH_ACCEPT, NO_GRAPH, RESULT_TYPES, SKOLEM, data_operations, remote_query_text

log = logging.getLogger("ipkg.store")

META_NAME = "remote.json"
"""The file under ``<state_dir>/store`` that remembers what the remote store was loaded with."""


class RemoteStore(MirroredWrites):
    """A SPARQL 1.1 server behind ipkg; see the module docstring."""

    def __init__(
        self,
        endpoint: RemoteEndpoint,
        *,
        state_dir: Path,
        key: str,
        build: Callable[[], KnowledgeGraph],
        shapes: Callable[[], Graph],
        journal: Path | None,
        service_allowlist: tuple[str, ...] = (),
        limits: QueryLimits | None = None,
    ) -> None:
        """Use the server's data if it holds build ``key`` (per ``<state_dir>/remote.json``), else load ``build()``;
        ``limits`` bound the WHERE clause of an update in ipkg's writer.

        Raises:
            RemoteStoreError: the server does not answer, or refuses the load.
        """
        self._endpoint = endpoint
        self._client = SparqlClient(endpoint)
        self._allowlist = service_allowlist
        self._meta_path = state_dir / META_NAME
        self._key = key
        self._sizes: tuple[int, dict[URIRef, int]] | None = None
        self._pending: list[tuple[set[Quad], set[Quad]]] = []
        self._generation = 0
        meta = self._read_meta()
        self._graphs: tuple[URIRef, ...] = tuple(URIRef(g) for g in meta.get("graphs", ()) if isinstance(g, str))
        writer: MemoryStore | None = None
        if self._reusable(meta):
            log.info("using the remote store at %s as it is (build %s)", redact(endpoint.query_url), key)
        else:
            writer = MemoryStore(build(), journal=journal, service_allowlist=service_allowlist)
            self._generation = writer.generation  # 1 when the journal was replayed, as in memory
            self._load(writer.snapshot().quads())
        self._mirror = Mirror(
            apply=self._apply_difference,
            read_all=lambda: self.snapshot().quads(),
            shapes=shapes,
            journal=journal,
            service_allowlist=service_allowlist,
            built=None if writer is None else writer.knowledge_graph,
            limits=limits,
        )

    def close(self) -> None:
        """Nothing is held between requests (each one has its own connection)."""

    # -- state on disk ---------------------------------------------------------

    def _read_meta(self) -> dict[str, Any]:
        try:
            meta = json.loads(self._meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def _write_meta(self, *, dirty: bool, sizes: dict[URIRef, int] | None = None) -> None:
        body = {
            "endpoint": self._endpoint.query_url,
            "key": self._key,
            "dirty": dirty,
            "graphs": [str(g) for g in self._graphs],
            "sizes": {str(g): n for g, n in (sizes or {}).items()},
        }
        self._meta_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self._meta_path, (json.dumps(body, indent=1) + "\n").encode("utf-8"))

    def _reusable(self, meta: dict[str, Any]) -> bool:
        """Whether the server still holds what ipkg loaded into it for this build."""
        if meta.get("key") != self._key or meta.get("endpoint") != self._endpoint.query_url or meta.get("dirty"):
            return False
        recorded = meta.get("sizes")
        if not isinstance(recorded, dict) or not self._graphs:
            return False
        return {str(g): n for g, n in self._client.count(self._graphs).items()} == recorded

    def _load(self, quads: Iterable[Quad]) -> None:
        """Replace ipkg's graphs on the server (those of the last load too) with ``quads``."""
        started = time.monotonic()
        by_graph: dict[URIRef, list[Quad]] = defaultdict(list)
        for quad in quads:
            by_graph[quad[3]].append(quad)
        previous = set(self._graphs)
        self._graphs = tuple(sorted(previous | set(by_graph)))
        self._write_meta(dirty=True)
        self._client.drop(self._graphs)
        for graph in sorted(by_graph):
            self._client.add(by_graph[graph])
        self._graphs = tuple(sorted(by_graph))
        sizes = self._client.count(self._graphs)
        self._sizes = (self._generation, sizes)
        self._write_meta(dirty=False, sizes=sizes)
        where, took = redact(self._endpoint.query_url), time.monotonic() - started
        log.info("loaded %d quads into the remote store at %s in %.1f s", sum(sizes.values()), where, took)

    def _apply_difference(self, removed: set[Quad], added: set[Quad]) -> None:
        """Send a committed change (and any earlier one that did not get through) to the server."""
        self._pending.append((removed, added))
        self._write_meta(dirty=True)
        try:
            while self._pending:
                old, new = self._pending[0]
                fresh = {quad[3] for quad in new} - set(self._graphs)
                if fresh:
                    self._client.drop(sorted(fresh))  # whatever the server held under these names is not ipkg's
                    self._graphs = tuple(sorted(set(self._graphs) | fresh))
                    self._write_meta(dirty=True)
                for operation in data_operations("DELETE", old):
                    self._client.update(operation)
                self._client.add(new)
                self._pending.pop(0)
        except RemoteStoreError as exc:
            raise RemoteStoreError(
                f"the change is committed (journalled) but could not be written to the remote store: {exc}; "
                "ipkg sends it again before the next write, and rewrites the remote store when it restarts"
            ) from exc
        finally:
            self._generation += 1
        sizes = self._client.count(self._graphs)
        self._sizes = (self._generation, sizes)
        self._write_meta(dirty=False, sizes=sizes)

    # -- reads -----------------------------------------------------------------

    @property
    def generation(self) -> int:
        """Increases with every committed change (and with every load)."""
        return self._generation

    def snapshot(self) -> RemoteSnapshot:
        """The store as it is now (reads go to the live server)."""
        return RemoteSnapshot(self, self._generation)

    def graph_sizes(self) -> dict[URIRef, int]:
        """Triples per non-empty named graph of ipkg, sorted by IRI (counted once per generation)."""
        generation = self._generation
        cached = self._sizes
        if cached is not None and cached[0] == generation:
            return cached[1]
        sizes = self._client.count(self._graphs)
        self._sizes = (generation, sizes)
        return sizes

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: URIRef | None = None,
    ) -> Iterator[Quad]:
        """Quads matching the pattern in ipkg's graphs, read from the server page by page."""
        if isinstance(subject, Literal) or (predicate is not None and not isinstance(predicate, URIRef)):
            return  # no triple has a literal subject or a non-IRI predicate
        held = self.graph_sizes()
        graphs = list(held) if graph is None else [graph] if graph in held else []
        if not graphs:
            return
        if subject is None and predicate is None and obj is None and self._endpoint.graph_store_url:
            for name in graphs:
                yield from self._client.graph_store_read(name)
            return
        yield from self._client.read_pattern(subject, predicate, obj, graphs)

    def read_graph(self, iri: URIRef | None) -> Graph | None:
        """A copy of one graph; ``None`` is the default graph (the union of all)."""
        return self.snapshot().graph_copy(iri)

    # -- queries ---------------------------------------------------------------

    def _dataset(self, prepared: PreparedQuery, dataset: DatasetSpec) -> tuple[list[str], list[str]]:
        """The default and named graphs to send: always explicit, only graphs ipkg holds."""
        if not dataset.explicit and (prepared.default_graphs or prepared.named_graphs):
            dataset = DatasetSpec(prepared.default_graphs, prepared.named_graphs, infer=dataset.infer)
        held = [str(g) for g in self.graph_sizes()]
        if dataset.explicit:
            default = [g for g in dataset.default_graphs if g in held]
            named = [g for g in dataset.named_graphs if g in held]
        else:
            default = held if dataset.infer else [g for g in held if g != str(GRAPH_INFERRED)]
            named = default
        return default or [NO_GRAPH], named or [NO_GRAPH]

    def _send_query(
        self, prepared: PreparedQuery, dataset: DatasetSpec, base: str | None, accept: str, timeout: float | None
    ) -> Reply:
        check_remote(prepared.remote_targets, self._allowlist)
        default, named = self._dataset(prepared, dataset)
        try:
            return self._client.query(prepared, remote_query_text(prepared.text, base), default, named, accept, timeout)
        except (QuerySyntaxError, QueryEvaluationError) as refused:  # the server's 400
            raise explain_refusal(prepared, refused) from None

    def query(
        self,
        query: PreparedQuery | str,
        *,
        dataset: DatasetSpec = DatasetSpec(),
        timeout: float | None = None,
        max_rows: int | None = None,
        base: str | None = None,
    ) -> Result:
        """Evaluate a query on the remote store; the answer as an rdflib result (blank nodes mapped back).

        Raises:
            Forbidden, QueryTimeout, ResultTooLarge, QueryEvaluationError, RemoteStoreError.
        """
        prepared = query if isinstance(query, PreparedQuery) else prepare_query(query, base)
        if prepared.returns_graph:
            reply = self._send_query(prepared, dataset, base, GRAPH_ACCEPT, timeout)
            graph = Graph()
            for triple in self._client.parse_graph(reply, prepared):
                graph.add(triple)
            if max_rows is not None and len(graph) > max_rows:
                raise ResultTooLarge(max_rows)
            result = Result(prepared.form)
            result.graph = graph
            return result
        reply = self._send_query(prepared, dataset, base, RESULT_TYPES["json"], timeout)
        return self._client.results(reply, prepared, max_rows)

    def answer(
        self,
        query: PreparedQuery | str,
        *,
        results_format: str,
        dataset: DatasetSpec = DatasetSpec(),
        timeout: float | None = None,
        max_rows: int | None = None,
        base: str | None = None,
    ) -> bytes:
        """A SELECT or ASK result in ``results_format``: the server's own serialisation where it is standard.

        A passed-through answer is parsed all the same (pyoxigraph's parsers): that counts
        its rows and catches an answer the server cut short after sending 200.
        """
        prepared = query if isinstance(query, PreparedQuery) else prepare_query(query, base)
        if prepared.form == "SELECT" and results_format in self._client.passthrough:
            started = time.monotonic()
            reply = self._send_query(prepared, dataset, base, RESULT_TYPES[results_format], timeout)
            body = self._client.answer_body(reply, prepared, results_format, max_rows)
            if body is not None:
                return body
            if timeout is not None:  # asked again as JSON (blank nodes to map back), within what is left
                timeout = max(timeout - (time.monotonic() - started), 0.001)
        result = self.query(prepared, dataset=dataset, timeout=timeout, max_rows=max_rows, base=base)
        return format_result(result, results_format)


class RemoteSnapshot(BaseSnapshot):
    """The remote store read through the ``Snapshot`` interface (live: see the module docstring)."""

    def __init__(self, store: RemoteStore, generation: int) -> None:
        super().__init__(generation)
        self._store = store

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: URIRef | None = None,
    ) -> Iterator[Quad]:
        """Quads matching the pattern, in ipkg's named graphs."""
        return self._store.quads(subject, predicate, obj, graph)

    def graph_sizes(self) -> dict[URIRef, int]:
        """Triples per non-empty named graph, sorted by IRI."""
        return self._store.graph_sizes()


__all__ = [
    "META_NAME",
    "NO_GRAPH",
    "SKOLEM",
    "RemoteEndpoint",
    "RemoteSnapshot",
    "RemoteStore",
    "RemoteStoreError",
]
