"""The write side of backends whose data live outside Python (Oxigraph on disk, a remote SPARQL server).

Such a backend answers queries itself but cannot run the shape gate and the
reasoner. Writes therefore go through an ``incremental.IncrementalWriter`` (the
change applied to the asserted graphs in place, the touched nodes validated,
the new consequences reasoned), are journalled as their effect, and the
difference — asserted quads and inferred triples removed and added — is
handed to the backend to apply. The writer's state is made from the backend's
own data on the first write after a start (the slow part: the closure of
everything), or from a fresh build.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from ipkg.build import CONFORMS, KnowledgeGraph
from ipkg.namespaces import GRAPH_INFERRED
from ipkg.sparql.guard import check_remote
from ipkg.sparql.limits import QueryLimits, evaluation_limits
from ipkg.sparql.prepare import PreparedUpdate, prepare_update
from ipkg.store.base import Quad, UpdateOutcome
from ipkg.store.changes import Change, GraphWrite, UpdateChange, to_json
from ipkg.store.incremental import IncrementalWriter
from ipkg.store.journal import Journal

ApplyDifference = Callable[[set[Quad], set[Quad]], None]
"""Called with (quads to remove, quads to add) to make the backend equal to the committed dataset."""


class Mirror:
    """Transactional writes for a backend that stores the data elsewhere; see the module docstring."""

    def __init__(
        self,
        *,
        apply: ApplyDifference,
        read_all: Callable[[], Iterable[Quad]],
        shapes: Callable[[], Graph],
        journal: Path | None,
        service_allowlist: tuple[str, ...] = (),
        limits: QueryLimits | None = None,
        built: KnowledgeGraph | None = None,
        begin: Callable[[], None] | None = None,
    ) -> None:
        """``built``: the dataset of a fresh build (journal replayed), which the backend was just loaded with.

        ``begin`` runs before a committed change is journalled: a backend marks itself dirty
        there, so that a crash between the journal and the backend makes the next start
        rebuild from the files and the journal rather than trust a store lacking the entry.
        """
        self._begin = begin
        self._apply = apply
        self._read_all = read_all
        self._shapes = shapes
        self._journal = None if journal is None else Journal(journal)
        self._allowlist = service_allowlist
        self._limits = limits
        self._built = built
        self._writer: IncrementalWriter | None = None
        self._lock = threading.Lock()

    def update(
        self,
        update: PreparedUpdate | str,
        *,
        base: str | None,
        timeout: float | None,
        using_graphs: tuple[str, ...],
        using_named_graphs: tuple[str, ...],
    ) -> UpdateOutcome | None:
        """Apply an update; the outcome (generation unset), or None when nothing changed."""
        prepared = update if isinstance(update, PreparedUpdate) else prepare_update(update, base)
        check_remote(prepared.remote_targets, self._allowlist)
        return self._write(
            UpdateChange(prepared.text, base, using_graphs, using_named_graphs, prepared.update), timeout
        )

    def write_graph(self, iri: URIRef | None, graph: Graph | None, *, merge: bool) -> UpdateOutcome | None:
        """A Graph Store write; the outcome, or None when nothing changed."""
        if merge and (graph is None or not len(graph)):
            return None
        return self._write(GraphWrite(iri, graph, merge), None)

    def _write(self, change: Change, timeout: float | None) -> UpdateOutcome | None:
        with self._lock:
            writer = self._writer or self._open_writer()
            with evaluation_limits(timeout, self._limits):
                committed = writer.commit(change)
            if committed is None:
                return None
            effect, removed, added = committed
            try:
                if self._begin is not None:
                    self._begin()
                if self._journal is not None:
                    self._journal.append(to_json(effect))
                self._apply(
                    {*effect.removed, *((s, p, o, GRAPH_INFERRED) for s, p, o in removed)},
                    {*effect.added, *((s, p, o, GRAPH_INFERRED) for s, p, o in added)},
                )
            except BaseException:
                self._writer = None  # it holds the change the backend did not take: read it again next time
                raise
        return UpdateOutcome(len(effect.added), len(effect.removed), -1)

    def _open_writer(self) -> IncrementalWriter:
        kg = self._built
        if kg is None:
            dataset = Dataset(default_union=True)
            for s, p, o, g in self._read_all():
                dataset.graph(g).add((s, p, o))
            kg = KnowledgeGraph(dataset=dataset, shapes=self._shapes(), report=CONFORMS)
        self._writer = IncrementalWriter(kg)
        self._built = None
        return self._writer


class MirroredWrites:
    """The write methods of a ``Store`` whose writes go through a ``Mirror`` (``_mirror``, ``_generation``)."""

    _mirror: Mirror
    _generation: int

    def update(
        self,
        update: PreparedUpdate | str,
        *,
        base: str | None = None,
        timeout: float | None = None,
        using_graphs: tuple[str, ...] = (),
        using_named_graphs: tuple[str, ...] = (),
    ) -> UpdateOutcome:
        """Apply a SPARQL 1.1 Update as one transaction, then write its effect to the backend."""
        outcome = self._mirror.update(
            update, base=base, timeout=timeout, using_graphs=using_graphs, using_named_graphs=using_named_graphs
        )
        return self._outcome(outcome)

    def write_graph(self, iri: URIRef | None, graph: Graph | None, *, merge: bool) -> UpdateOutcome:
        """Graph Store Protocol writes, through the same transaction."""
        return self._outcome(self._mirror.write_graph(iri, graph, merge=merge))

    def _outcome(self, committed: UpdateOutcome | None) -> UpdateOutcome:
        if committed is None:
            return UpdateOutcome(0, 0, self._generation)
        return UpdateOutcome(committed.added, committed.removed, self._generation)


__all__ = ["ApplyDifference", "Mirror", "MirroredWrites"]
