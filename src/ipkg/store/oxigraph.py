"""The embedded default backend: Oxigraph on disk, queries in worker processes, writes through the shape gate.

- **Reads** run on Oxigraph's engine, in worker processes that hold read-only
  views of a checkpoint of the store (``workers``; a checkpoint is made of hard
  links at every commit, in milliseconds): the default graph is the union of the
  named graphs (``use_default_graph_as_union``), ``infer=false`` and explicit
  datasets become ``default_graph`` / ``named_graphs`` (no graph is copied),
  ipkg's prefixes are predeclared (``prefixes=``), and SELECT / ASK results
  are written by Oxigraph's serialisers straight into the response.
- **Start**: the store remembers the build key of the files it was loaded from
  (``build.build_key``); when the files have not changed it is opened as it
  is, without parsing, validating or reasoning anything.
- **Writes** go through the same transaction as the in-memory backend (apply to
  a copy of the asserted graphs, validate, re-reason, journal) and the change
  of every graph, inferred included, is then written to Oxigraph. The copy is
  made from the store on the first write after a start. While the change is
  written the store is marked dirty: a crash in between makes the next start
  rebuild from the files and the journal instead of trusting a half-written store.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.query import Result
from rdflib.term import Node

from ipkg.build import KnowledgeGraph
from ipkg.errors import QuerySyntaxError
from ipkg.files import write_atomic
from ipkg.namespaces import GRAPH_INFERRED, PREFIXES
from ipkg.protocol.dataset import DatasetSpec
from ipkg.sparql.guard import check_remote
from ipkg.sparql.limits import QueryLimits
from ipkg.sparql.prepare import PreparedQuery, explain_refusal, prepare_query
from ipkg.store.base import BaseSnapshot, Quad
from ipkg.store.memory import MemoryStore
from ipkg.store.mirror import Mirror, MirroredWrites
from ipkg.store.workers import QueryJob, QueryReply, WorkerPool
from ipkg.terms import quad_to_ox, quads_from_ox, to_ox

log = logging.getLogger("ipkg.store")

KEPT_CHECKPOINTS = 3
"""Checkpoints kept besides the newest, for workers still reading an older one."""

_PREFIXES = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


class OxigraphStore(MirroredWrites):
    """Oxigraph in ``directory``; see the module docstring."""

    def __init__(
        self,
        directory: Path,
        *,
        key: str,
        build: Callable[[], KnowledgeGraph],
        shapes: Callable[[], Graph],
        journal: Path | None,
        service_allowlist: tuple[str, ...] = (),
        workers: int = 2,
        worker_memory_limit: int | None = None,
        limits: QueryLimits | None = None,
    ) -> None:
        """Open the store in ``directory``, loading it from ``build()`` unless it already holds build ``key``.

        ``shapes`` gives the shapes graph when the store was opened without a build and a
        write needs the shape gate.
        """
        self._directory = directory
        self._meta = directory.with_name(directory.name + ".json")
        self._journal = journal
        self._allowlist = service_allowlist
        self._shapes = shapes
        self._sizes: tuple[int, dict[URIRef, int]] | None = None
        meta = self._read_meta()
        writer: MemoryStore | None = None
        if meta.get("key") == key and not meta.get("dirty") and directory.is_dir():
            self._ox = ox.Store(str(directory))
            self._generation = 0
            log.info("opened the Oxigraph store in %s (build %s)", directory, key)
        else:
            writer = MemoryStore(build(), journal=journal, service_allowlist=service_allowlist)
            for stale in (directory, directory.with_name(directory.name + "-checkpoints")):
                if stale.exists():
                    shutil.rmtree(stale)
            directory.parent.mkdir(parents=True, exist_ok=True)
            self._ox = ox.Store(str(directory))
            self._generation = writer.generation  # 1 when the journal was replayed, as in memory
            self._load(writer.snapshot().quads())
            self._write_meta(key=key, dirty=False)
        self._key = key
        self._mirror = Mirror(
            apply=self._apply_difference,
            begin=lambda: self._write_meta(key=self._key, dirty=True),
            read_all=lambda: quads_from_ox(self._ox.quads_for_pattern(None, None, None, None)),
            shapes=shapes,
            journal=journal,
            service_allowlist=service_allowlist,
            built=None if writer is None else writer.knowledge_graph,
            limits=limits,
        )
        self._checkpoints = directory.with_name(directory.name + "-checkpoints")
        self._checkpoint = self._make_checkpoint()
        self._pool = WorkerPool(size=workers, memory_limit=worker_memory_limit)
        self._pool.start()  # warm by the time the first query comes

    # -- state on disk ---------------------------------------------------------

    def _read_meta(self) -> dict[str, Any]:
        try:
            meta = json.loads(self._meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def _write_meta(self, *, key: str, dirty: bool) -> None:
        body = {"key": key, "dirty": dirty}
        write_atomic(self._meta, (json.dumps(body) + "\n").encode("utf-8"))

    def _load(self, quads: Iterable[Quad]) -> None:
        self._ox.bulk_extend(quad_to_ox(s, p, o, g) for s, p, o, g in quads)
        self._ox.flush()

    def close(self) -> None:
        """Stop the query workers and release the store (its lock on the directory); idempotent."""
        self._pool.close()
        if hasattr(self, "_ox"):
            self._ox.flush()
            del self._ox

    # -- reads -----------------------------------------------------------------

    @property
    def generation(self) -> int:
        """Increases with every committed change (and with every reload from the files)."""
        return self._generation

    def snapshot(self) -> OxigraphSnapshot:
        """The current committed state."""
        return OxigraphSnapshot(self._ox, self._generation, self.graph_sizes)

    def graph_sizes(self) -> dict[URIRef, int]:
        """Triples per non-empty named graph, sorted by IRI (counted once per generation)."""
        generation = self._generation
        cached = self._sizes
        if cached is not None and cached[0] == generation:
            return cached[1]
        solutions = self._ox.query(_SIZES)
        assert isinstance(solutions, ox.QuerySolutions)
        counts = {URIRef(row["g"].value): int(row["n"].value) for row in solutions}
        sizes = dict(sorted(counts.items()))
        self._sizes = (generation, sizes)
        return sizes

    def _job(
        self, prepared: PreparedQuery, dataset: DatasetSpec, base: str | None, fmt: str, max_rows: int | None
    ) -> QueryJob:
        check_remote(prepared.remote_targets, self._allowlist)
        if not dataset.explicit and (prepared.default_graphs or prepared.named_graphs):
            dataset = DatasetSpec(prepared.default_graphs, prepared.named_graphs, infer=dataset.infer)
        default: tuple[str, ...] | None = None
        named: tuple[str, ...] | None = None
        if dataset.explicit:
            default, named = dataset.default_graphs, dataset.named_graphs
        elif not dataset.infer:
            asserted = tuple(str(g) for g in self.graph_sizes() if g != GRAPH_INFERRED)
            default, named = asserted, asserted
        return query_job(prepared, self._checkpoint, default, named, base=base, fmt=fmt, max_rows=max_rows)

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
        """A SELECT or ASK result written by Oxigraph in ``results_format`` (json, xml, csv, tsv)."""
        prepared = query if isinstance(query, PreparedQuery) else prepare_query(query, base)
        return self._run(prepared, self._job(prepared, dataset, base, results_format, max_rows), timeout).body

    def query(
        self,
        query: PreparedQuery | str,
        *,
        dataset: DatasetSpec = DatasetSpec(),
        timeout: float | None = None,
        max_rows: int | None = None,
        base: str | None = None,
    ) -> Result:
        """Evaluate a query on Oxigraph and return it as an rdflib result (for the CLI, the views, tests)."""
        prepared = query if isinstance(query, PreparedQuery) else prepare_query(query, base)
        reply = self._run(prepared, self._job(prepared, dataset, base, "json", max_rows), timeout)
        return result_from_reply(reply, prepared)

    def _run(self, prepared: PreparedQuery, job: QueryJob, timeout: float | None) -> QueryReply:
        try:
            return self._pool.run(job, timeout)
        except QuerySyntaxError as refused:
            raise explain_refusal(prepared, refused) from None

    def read_graph(self, iri: URIRef | None) -> Graph | None:
        """A copy of one graph; ``None`` is the default graph (the union of all)."""
        return self.snapshot().graph_copy(iri)

    # -- writes ----------------------------------------------------------------

    def _apply_difference(self, removed: set[Quad], added: set[Quad]) -> None:
        """Write a committed change (the store is marked dirty since its journal entry; clean once written)."""
        for quad in removed:
            self._ox.remove(quad_to_ox(*quad))
        self._ox.extend([quad_to_ox(*quad) for quad in added])
        self._ox.flush()
        self._sizes = self._sizes_after(removed, added)
        self._generation += 1
        self._write_meta(key=self._key, dirty=False)
        self._checkpoint = self._make_checkpoint()

    def _sizes_after(self, removed: set[Quad], added: set[Quad]) -> tuple[int, dict[URIRef, int]] | None:
        """The graph sizes of the next generation from the current ones and the change, without counting
        the store again (a full scan at 10^6 quads); the change is exact: what it removes was there,
        what it adds was not."""
        if self._sizes is None or self._sizes[0] != self._generation:
            return None
        counts = dict(self._sizes[1])
        for *_, graph in removed:
            counts[graph] -= 1
        for *_, graph in added:
            counts[graph] = counts.get(graph, 0) + 1
        return self._generation + 1, {graph: n for graph, n in sorted(counts.items()) if n > 0}

    def _make_checkpoint(self) -> Path:
        """An immutable copy of the store for the query workers (hard links: milliseconds); old ones pruned.

        The last few are kept: a worker may still be reading one it opened before the commit.
        """
        self._checkpoints.mkdir(parents=True, exist_ok=True)
        existing = sorted((p for p in self._checkpoints.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
        number = int(existing[-1].name) + 1 if existing else 0
        target = self._checkpoints / str(number)
        self._ox.backup(str(target))
        for old in existing[:-KEPT_CHECKPOINTS]:
            shutil.rmtree(old, ignore_errors=True)
        return target


def query_job(
    prepared: PreparedQuery,
    snapshot: Path,
    default_graphs: tuple[str, ...] | None,
    named_graphs: tuple[str, ...] | None,
    *,
    base: str | None,
    fmt: str,
    max_rows: int | None,
) -> QueryJob:
    """The job for a worker: the query over ``snapshot`` with ipkg's prefixes and this dataset.

    ``None`` graphs: the default graph is the union of the named graphs, and every graph is named.
    """
    return QueryJob(
        snapshot=str(snapshot),
        query=prepared.text,
        base=base,
        prefixes=_PREFIXES,
        union=True,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        results_format=fmt,
        max_rows=max_rows,
        max_bytes=None,
        services=tuple(iri for keyword, iri in prepared.remote_targets if keyword == "SERVICE"),
    )


def result_from_reply(reply: QueryReply, prepared: PreparedQuery) -> Result:
    """A worker's reply (SPARQL JSON results, or N-Triples for graphs) as an rdflib result."""
    if reply.kind == "triples":
        result = Result(prepared.form)
        result.graph = Graph().parse(data=reply.body.decode("utf-8"), format="nt")
        return result
    return Result.parse(io.BytesIO(reply.body), format="json")


class OxigraphSnapshot(BaseSnapshot):
    """One generation of an Oxigraph store, read through the ``Snapshot`` interface."""

    def __init__(self, store: ox.Store, generation: int, sizes: Callable[[], dict[URIRef, int]]) -> None:
        super().__init__(generation)
        self._store = store
        self._sizes = sizes

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: URIRef | None = None,
    ) -> Iterator[Quad]:
        """Quads matching the pattern, in the named graphs."""
        s = None if subject is None else to_ox(subject)
        p = None if predicate is None else to_ox(predicate)
        if isinstance(s, ox.Literal) or (p is not None and not isinstance(p, ox.NamedNode)):
            return  # no triple has a literal subject or a non-IRI predicate
        o = None if obj is None else to_ox(obj)
        g = None if graph is None else ox.NamedNode(str(graph))
        yield from quads_from_ox(self._store.quads_for_pattern(s, p, o, g))

    def graph_sizes(self) -> dict[URIRef, int]:
        """Triples per non-empty named graph, sorted by IRI."""
        return self._sizes()


__all__ = ["OxigraphSnapshot", "OxigraphStore", "query_job", "result_from_reply"]
