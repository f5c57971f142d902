"""The RDF dataset a request names (SPARQL 1.1 Protocol §2.1.4, Query §13). No rdflib, no Flask."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetSpec:
    """The RDF dataset a query runs over.

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


def graph_iris(values: Sequence[str]) -> tuple[str, ...]:
    """Graph IRIs, deduplicated, order kept."""
    return tuple(dict.fromkeys(values))
