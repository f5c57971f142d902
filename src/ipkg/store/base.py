"""The store interface the endpoint talks to, and what every backend shares.

A store answers queries over a chosen RDF dataset with a time limit and a row
limit, applies updates as transactions (validate with the shapes, re-reason,
then commit, or change nothing), and reads or replaces named graphs. The
limits, the transaction rule and the SERVICE/LOAD allow-list are enforced
here and in ``guard``, not per backend, so they hold whichever store is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from rdflib import Graph, URIRef
from rdflib.query import Result
from rdflib.term import Identifier, Variable

from ipkg.build import KnowledgeGraph
from ipkg.errors import ResultTooLarge


@dataclass(frozen=True)
class DatasetSpec:
    """The RDF dataset a query runs over (SPARQL 1.1 Protocol §2.1.4, Query §13).

    Empty ``default_graphs`` and ``named_graphs`` mean the store's own dataset:
    the union of every graph as default graph (without the inferred graph when
    ``infer`` is false) and every graph as a named graph.
    """

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    infer: bool = True

    @property
    def explicit(self) -> bool:
        """Whether the request named its graphs (protocol parameters or FROM / FROM NAMED)."""
        return bool(self.default_graphs or self.named_graphs)


@dataclass(frozen=True)
class UpdateOutcome:
    """What a committed change did, for the response and the log."""

    added: int
    removed: int
    generation: int

    def summary(self) -> str:
        """One line for people."""
        return f"committed: {self.added} triple(s) added, {self.removed} removed (generation {self.generation})"


class Store(Protocol):
    """What the endpoint needs from a backend."""

    @property
    def knowledge_graph(self) -> KnowledgeGraph:
        """The current committed snapshot (never mutated after it is published)."""

    @property
    def generation(self) -> int:
        """Increases by one with every committed change (for caches and ETags)."""

    def query(
        self,
        text: str,
        *,
        dataset: DatasetSpec = DatasetSpec(),
        timeout: float | None = None,
        max_rows: int | None = None,
        base: str | None = None,
    ) -> Result:
        """Evaluate a query, fully, within ``timeout`` seconds and ``max_rows`` rows."""

    def update(
        self,
        text: str,
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
    elif result.type in ("CONSTRUCT", "DESCRIBE") and result.graph is not None:
        too_many = max_rows is not None and len(result.graph) > max_rows
        if too_many:
            raise ResultTooLarge(max_rows)  # type: ignore[arg-type]
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


def graph_iris(values: Sequence[str]) -> tuple[str, ...]:
    """Graph IRIs, deduplicated, order kept."""
    return tuple(dict.fromkeys(values))
