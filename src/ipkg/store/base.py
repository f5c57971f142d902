"""The store interface: the only door to the data once the server has built it.

A store answers prepared queries over a chosen RDF dataset with a time limit
and a row limit, applies updates as transactions (validate with the shapes,
re-reason, then commit, or change nothing), reads or replaces named graphs,
and hands out read-only snapshots for everything that is not SPARQL (entity
pages, statistics, dumps, the reconciliation index). Views, the CLI and the
index use only these methods, so any backend can stand behind them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from rdflib import Dataset, Graph, URIRef
from rdflib.query import Result
from rdflib.term import Identifier, Node, Variable

from ipkg.errors import ResultTooLarge
from ipkg.protocol.dataset import DatasetSpec
from ipkg.sparql.prepare import PreparedQuery, PreparedUpdate

Quad = tuple[Node, Node, Node, URIRef]
"""Subject, predicate, object and the IRI of the named graph holding the triple."""


@dataclass(frozen=True)
class UpdateOutcome:
    """What a committed change did, for the response and the log."""

    added: int
    removed: int
    generation: int

    def summary(self) -> str:
        """One line for people."""
        return f"committed: {self.added} triple(s) added, {self.removed} removed (generation {self.generation})"


class Snapshot(Protocol):
    """One committed state of the store, read without locks and never changed."""

    @property
    def generation(self) -> int:
        """The store generation this snapshot shows."""

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: URIRef | None = None,
    ) -> Iterator[Quad]:
        """Quads matching the pattern (``None`` matches anything), in the named graphs."""

    def graph_sizes(self) -> dict[URIRef, int]:
        """Triples per non-empty named graph, sorted by IRI."""

    def to_dataset(self, graphs: Iterable[URIRef]) -> Dataset:
        """A dataset holding these named graphs (for serialisers); unknown graphs are left out."""


class BaseSnapshot(ABC):
    """What every backend's snapshot shares: its generation, and copies of graphs made from its quads."""

    def __init__(self, generation: int) -> None:
        self._generation = generation

    @property
    def generation(self) -> int:
        """The store generation this snapshot shows."""
        return self._generation

    @abstractmethod
    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: URIRef | None = None,
    ) -> Iterator[Quad]:
        """Quads matching the pattern (``None`` matches anything), in the named graphs."""

    @abstractmethod
    def graph_sizes(self) -> dict[URIRef, int]:
        """Triples per non-empty named graph, sorted by IRI."""

    def to_dataset(self, graphs: Iterable[URIRef]) -> Dataset:
        """A new dataset with copies of these graphs; unknown graphs are left out."""
        dataset = Dataset()
        existing = self.graph_sizes()
        for iri in graphs:
            if iri in existing:
                target = dataset.graph(iri)
                for s, p, o, _ in self.quads(graph=iri):
                    target.add((s, p, o))
        return dataset

    def graph_copy(self, iri: URIRef | None) -> Graph | None:
        """A copy of one graph, or None when it does not exist; ``None`` is the default graph (the union of all)."""
        if iri is not None and iri not in self.graph_sizes():
            return None
        graph = Graph(identifier=iri)
        for s, p, o, _ in self.quads(graph=iri):
            graph.add((s, p, o))
        return graph


class Store(Protocol):
    """What the endpoint needs from a backend."""

    @property
    def generation(self) -> int:
        """Increases by one with every committed change (for caches and ETags)."""

    def snapshot(self) -> Snapshot:
        """The current committed state, for reads other than SPARQL."""

    def query(
        self,
        query: PreparedQuery | str,
        *,
        dataset: DatasetSpec = DatasetSpec(),
        timeout: float | None = None,
        max_rows: int | None = None,
        base: str | None = None,
    ) -> Result:
        """Evaluate a query, fully, within ``timeout`` seconds and ``max_rows`` rows."""

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
        """A SELECT or ASK result serialised as ``results_format`` (json, xml, csv, tsv) by the engine."""

    def update(
        self,
        update: PreparedUpdate | str,
        *,
        base: str | None = None,
        timeout: float | None = None,
        using_graphs: tuple[str, ...] = (),
        using_named_graphs: tuple[str, ...] = (),
    ) -> UpdateOutcome:
        """Apply a SPARQL 1.1 Update as one transaction."""

    def read_graph(self, iri: URIRef | None) -> Graph | None:
        """A copy of the named graph (None: the default graph), or None if it does not exist."""

    def write_graph(self, iri: URIRef | None, graph: Graph | None, *, merge: bool) -> UpdateOutcome:
        """Replace (or with ``merge`` add to) a graph; ``graph=None`` deletes it. One transaction."""

    def graph_sizes(self) -> dict[URIRef, int]:
        """Triples per non-empty named graph."""

    def close(self) -> None:
        """Release what the store holds (worker processes, locks on disk); it is not used afterwards."""


def materialize(result: Result, max_rows: int | None) -> Result:
    """Evaluate a lazy result fully (inside the caller's deadline) and enforce the row limit.

    Raises:
        ResultTooLarge: more than ``max_rows`` rows (or triples).
    """
    if result.type == "SELECT":
        # Not ``for row in result``: rdflib's iterator drops (for good) every solution that binds no
        # variable, and ``SELECT (MAX(?x) AS ?m)`` over no match must still answer its one empty row.
        # ``bindings`` keeps them; the lazy solutions are first wrapped so that evaluation stops as soon
        # as the limit is passed, instead of after a huge result has been built.
        pending = getattr(result, "_genbindings", None)
        if pending is not None:
            result.bindings = _at_most(pending, max_rows)
        if max_rows is not None and len(result.bindings) > max_rows:
            raise ResultTooLarge(max_rows)
        return result
    graph = result.graph if result.type in ("CONSTRUCT", "DESCRIBE") else None
    if graph is not None and max_rows is not None and len(graph) > max_rows:
        raise ResultTooLarge(max_rows)
    return result


def _at_most(
    solutions: Iterable[Mapping[Variable, Identifier]],
    max_rows: int | None,
) -> Iterator[Mapping[Variable, Identifier]]:
    """``solutions``, raising ResultTooLarge at the first one past ``max_rows``."""
    for count, solution in enumerate(solutions, start=1):
        if max_rows is not None and count > max_rows:
            raise ResultTooLarge(max_rows)
        yield solution
