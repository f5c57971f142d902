"""The in-memory store: rdflib datasets, snapshot reads, serialised transactional writes.

Readers take the current ``KnowledgeGraph`` snapshot and never lock; a writer
copies the asserted graphs, applies its change to the copy, rebuilds (validate
→ reason) with ``build.rebuild``, appends the change to a journal, and only
then publishes the new snapshot. A change that fails at any step leaves the
published snapshot untouched. What is journalled is the change's effect, the
quads it removed and added (``changes.Effect``, in ``journal.Journal``); a change
that changes nothing is neither rebuilt nor journalled. On start the journal's
effects are applied again over the freshly built files, so committed updates
survive a restart exactly as they were acknowledged, while edits to ``data/``
still take effect. Queries and the WHERE part of updates run within the time
limit and the bounds of ``sparql.limits``.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.sparql import SPARQLError
from rdflib.query import Result
from rdflib.term import Node

from ipkg.build import KnowledgeGraph, rebuild
from ipkg.errors import Forbidden, QueryEvaluationError
from ipkg.namespaces import GRAPH_FACTS, GRAPH_INFERRED, GRAPH_ONTOLOGY
from ipkg.protocol.dataset import DatasetSpec
from ipkg.sparql.deadline import DeadlineMemory
from ipkg.sparql.guard import check_remote
from ipkg.sparql.limits import QueryLimits, evaluation_limits
from ipkg.sparql.prepare import PreparedQuery, PreparedUpdate, prepare_query, prepare_update
from ipkg.sparql.results import format_result
from ipkg.store.base import BaseSnapshot, Quad, UpdateOutcome, materialize
from ipkg.store.changes import Change, Effect, GraphWrite, UpdateChange, apply_change, from_json, to_json
from ipkg.store.journal import Journal

log = logging.getLogger("ipkg.store")

VIEW_CACHE_SIZE = 16


class MemoryStore:
    """The default backend: everything in memory, changes journalled under ``state_dir``."""

    def __init__(
        self,
        kg: KnowledgeGraph,
        *,
        journal: Path | None = None,
        service_allowlist: tuple[str, ...] = (),
        replay: bool = True,
        limits: QueryLimits | None = None,
    ) -> None:
        """``replay=False``: ``kg`` already holds the journal's changes (a store reopened from disk).

        ``limits`` bound each query's evaluation (default: the settings' defaults).
        """
        self._snapshot: tuple[KnowledgeGraph, int] = (kg, 0)
        self._write_lock = threading.Lock()
        self._views: OrderedDict[tuple[int, DatasetSpec], Dataset] = OrderedDict()
        self._views_lock = threading.Lock()
        self._journal = journal
        self._journal_file = None if journal is None else Journal(journal)
        self._allowlist = service_allowlist
        self._limits = limits or QueryLimits()
        if replay and journal is not None and journal.exists():
            self._replay(journal)

    @property
    def knowledge_graph(self) -> KnowledgeGraph:
        """The current committed snapshot."""
        return self._snapshot[0]

    @property
    def generation(self) -> int:
        """Number of changes committed since start (journal replay counts as one)."""
        return self._snapshot[1]

    def close(self) -> None:
        """Nothing to release: the journal is closed after every write."""

    def snapshot(self) -> DatasetSnapshot:
        """The current committed state."""
        kg, generation = self._snapshot
        return DatasetSnapshot(kg.dataset, generation)

    # -- reads ---------------------------------------------------------------

    def query(
        self,
        query: PreparedQuery | str,
        *,
        dataset: DatasetSpec = DatasetSpec(),
        timeout: float | None = None,
        max_rows: int | None = None,
        base: str | None = None,
    ) -> Result:
        """Evaluate a query over the requested dataset, fully, within the limits.

        Protocol graphs (``dataset``) override the query's own FROM / FROM NAMED.

        Raises:
            QuerySyntaxError, Forbidden, QueryTimeout, ResultTooLarge, QueryEvaluationError (``!^p``).
        """
        prepared = query if isinstance(query, PreparedQuery) else prepare_query(query, base)
        check_remote(prepared.remote_targets, self._allowlist)
        if not dataset.explicit and (prepared.default_graphs or prepared.named_graphs):
            dataset = DatasetSpec(prepared.default_graphs, prepared.named_graphs, infer=dataset.infer)
        kg, generation = self._snapshot  # one read: the data and its generation always match
        target = self._view(kg, generation, dataset)
        with evaluation_limits(timeout, self._limits):
            try:
                return materialize(target.query(prepared.query, base=base), max_rows)
            except (
                TypeError,
                ValueError,
                ArithmeticError,
                AttributeError,
                LookupError,
                RecursionError,
                SPARQLError,
            ) as exc:
                # rdflib lets some expression errors escape instead of leaving the value unbound
                log.warning("query evaluation failed: %r", exc, exc_info=True)
                raise QueryEvaluationError(f"the query could not be evaluated: {exc}") from exc

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
        """A SELECT or ASK result in ``results_format``, written by ipkg's result writers."""
        result = self.query(query, dataset=dataset, timeout=timeout, max_rows=max_rows, base=base)
        return format_result(result, results_format)

    def read_graph(self, iri: URIRef | None) -> Graph | None:
        """A copy of one graph; ``None`` is the default graph (the union of all)."""
        kg = self.knowledge_graph
        source: Graph
        if iri is None:
            source = kg.dataset
        else:
            names = {g.identifier for g in kg.dataset.graphs()}
            if iri not in names or not len(kg.dataset.graph(iri)):
                return None
            source = kg.dataset.graph(iri)
        copy = Graph(identifier=iri)
        for triple in source.triples((None, None, None)):
            copy.add(triple)
        return copy

    def graph_sizes(self) -> dict[URIRef, int]:
        """Triples per non-empty named graph, sorted by IRI."""
        return self.snapshot().graph_sizes()

    def _view(self, kg: KnowledgeGraph, generation: int, spec: DatasetSpec) -> Dataset:
        if not spec.explicit and spec.infer:
            return kg.dataset
        key = (generation, spec)
        with self._views_lock:
            if key in self._views:
                self._views.move_to_end(key)
                return self._views[key]
        view = _dataset_view(kg.dataset, spec)
        with self._views_lock:
            self._views[key] = view
            while len(self._views) > VIEW_CACHE_SIZE:
                self._views.popitem(last=False)
        return view

    # -- writes --------------------------------------------------------------

    def update(
        self,
        update: PreparedUpdate | str,
        *,
        base: str | None = None,
        timeout: float | None = None,
        using_graphs: tuple[str, ...] = (),
        using_named_graphs: tuple[str, ...] = (),
    ) -> UpdateOutcome:
        """Apply a SPARQL 1.1 Update as one transaction (validate, re-reason, journal, publish).

        In an update the default graph is the facts graph; the ontology, links
        and external graphs are addressed with GRAPH; the inferred graph is
        computed and cannot be written. ``using_graphs`` / ``using_named_graphs``
        are the protocol's using-graph-uri / using-named-graph-uri (§2.2.3).

        Raises:
            QuerySyntaxError, Forbidden, ProtocolConflict, ValidationFailed,
            InconsistentData, QueryTimeout.
        """
        prepared = update if isinstance(update, PreparedUpdate) else prepare_update(update, base)
        check_remote(prepared.remote_targets, self._allowlist)
        return self._commit(
            UpdateChange(prepared.text, base, using_graphs, using_named_graphs, prepared.update), timeout
        )

    def write_graph(self, iri: URIRef | None, graph: Graph | None, *, merge: bool) -> UpdateOutcome:
        """Graph Store Protocol writes: replace, merge into or (``graph=None``) empty one graph."""
        if merge and (graph is None or not len(graph)):
            return UpdateOutcome(0, 0, self.generation)
        return self._commit(GraphWrite(iri, graph, merge), None)

    def _commit(self, change: Change, timeout: float | None) -> UpdateOutcome:
        with self._write_lock:
            old, generation = self._snapshot
            scratch = _scratch(old)
            before = _quads(scratch)
            with evaluation_limits(timeout, self._limits):
                try:
                    apply_change(scratch, change)
                except (TypeError, ValueError, ArithmeticError, AttributeError, LookupError, RecursionError) as exc:
                    log.warning("update evaluation failed: %r", exc, exc_info=True)
                    raise QueryEvaluationError(f"the update could not be evaluated: {exc}") from exc
            effect = Effect.between(before, _quads(scratch))
            if not effect:
                return UpdateOutcome(0, 0, generation)  # nothing changed: nothing to validate or journal
            kg = _rebuild(old, scratch)
            if self._journal_file is not None:
                self._journal_file.append(to_json(effect))
            self._snapshot = (kg, generation + 1)
            outcome = UpdateOutcome(len(effect.added), len(effect.removed), generation + 1)
        log.info("update %s", outcome.summary())
        return outcome

    # -- journal -------------------------------------------------------------

    def _replay(self, journal: Path) -> None:
        changes = Journal(journal).read(from_json)
        if changes:
            log.info("replaying %d committed update(s) from %s", len(changes), journal)
            kg, generation = self._snapshot
            scratch = _scratch(kg)
            with evaluation_limits(None, None):
                for change in changes:
                    apply_change(scratch, change)
            self._snapshot = (_rebuild(kg, scratch), generation + 1)


def _scratch(kg: KnowledgeGraph) -> Dataset:
    """A copy of the asserted graphs (every one named, the facts graph too) for a change to work on."""
    scratch = Dataset(store=DeadlineMemory(), default_union=False)
    for graph in kg.dataset.graphs():
        if graph.identifier == GRAPH_INFERRED or not len(graph) or not is_named_graph(graph.identifier):
            continue
        target = scratch.graph(graph.identifier)
        for triple in graph:
            target.add(triple)
    return scratch


def _quads(scratch: Dataset) -> set[Quad]:
    """Every quad of the scratch dataset's named graphs."""
    return {
        (s, p, o, graph.identifier)
        for graph in scratch.graphs()
        if isinstance(graph.identifier, URIRef) and is_named_graph(graph.identifier)
        for s, p, o in graph
    }


def _rebuild(kg: KnowledgeGraph, scratch: Dataset) -> KnowledgeGraph:
    """Validate and reason over the changed asserted graphs: the next snapshot, or an error and no change.

    Raises:
        Forbidden: the change wrote the inferred graph.
        ValidationFailed, InconsistentData: see ``build.rebuild``.
    """
    if len(scratch.graph(GRAPH_INFERRED)):
        raise Forbidden(f"<{GRAPH_INFERRED}> is computed by the reasoner and cannot be written")
    asserted: dict[URIRef, Graph] = {GRAPH_FACTS: scratch.graph(GRAPH_FACTS)}
    for graph in scratch.graphs():
        identifier = graph.identifier
        special = identifier in (GRAPH_ONTOLOGY, GRAPH_INFERRED, GRAPH_FACTS)
        if isinstance(identifier, URIRef) and is_named_graph(identifier) and not special and len(graph):
            asserted[identifier] = graph
    return rebuild(scratch.graph(GRAPH_ONTOLOGY), kg.shapes, asserted, progress=log.debug)


def is_named_graph(identifier: object) -> bool:
    """Whether a graph of an rdflib dataset is one of the store's named graphs.

    Any IRI names a graph (``urn:`` ones too: a graph a client wrote must not
    vanish at commit); rdflib's own default graph and blank-node graph ids do not.
    """
    return isinstance(identifier, URIRef) and identifier != DATASET_DEFAULT_GRAPH_ID


def _dataset_view(dataset: Dataset, spec: DatasetSpec) -> Dataset:
    """A new dataset holding copies of the graphs ``spec`` names (unknown graphs are empty)."""
    view = Dataset(store=DeadlineMemory(), default_union=False)
    existing = {str(g.identifier): g for g in dataset.graphs()}
    if spec.explicit:
        defaults, named = spec.default_graphs, spec.named_graphs
    else:
        keep = sorted(
            str(g.identifier)
            for g in dataset.graphs()
            if is_named_graph(g.identifier) and g.identifier != GRAPH_INFERRED
        )
        defaults, named = tuple(keep), tuple(keep)
    for iri in defaults:
        if iri in existing:
            for triple in existing[iri]:
                view.default_graph.add(triple)
    for iri in named:
        target = view.graph(URIRef(iri))
        if iri in existing:
            for triple in existing[iri]:
                target.add(triple)
    return view


class DatasetSnapshot(BaseSnapshot):
    """A committed rdflib dataset, read through the ``Snapshot`` interface."""

    def __init__(self, dataset: Dataset, generation: int) -> None:
        super().__init__(generation)
        self._dataset = dataset

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: URIRef | None = None,
    ) -> Iterator[Quad]:
        """Quads matching the pattern, in the named graphs."""
        # A Graph over the store, not ``dataset.graph(iri)``, which would create a missing graph.
        context = None if graph is None else Graph(store=self._dataset.store, identifier=graph)
        for s, p, o, g in self._dataset.quads((subject, predicate, obj, context)):
            identifier = g.identifier if isinstance(g, Graph) else g
            if isinstance(identifier, URIRef) and is_named_graph(identifier):
                yield s, p, o, identifier

    def graph_sizes(self) -> dict[URIRef, int]:
        """Triples per non-empty named graph, sorted by IRI."""
        graphs = self._dataset.graphs()
        return {
            URIRef(str(g.identifier)): len(g)
            for g in sorted(graphs, key=lambda g: str(g.identifier))
            if len(g) and is_named_graph(g.identifier)
        }
