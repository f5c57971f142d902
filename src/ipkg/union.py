"""Reads over every graph of an rdflib ``Dataset`` at once: the union the SPARQL endpoint shows as its default graph.

rdflib's own union access on a ``Dataset`` (``default_union``, reading a
``ConjunctiveGraph``) is deprecated, so :class:`Union` goes through the named
graphs one by one. The entity pages and the reconciliation index both read
the dataset this way; this module is the one place that does it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rdflib import Dataset
from rdflib.term import Node


def node_key(node: Node) -> tuple[str, str]:
    """A sort key for any node: its kind, then its text (Literals of different types never compare)."""
    return type(node).__name__, str(node)


class Union:
    """Reads from the union of a dataset's graphs, each triple and value once."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.graphs = list(dataset.graphs())

    def triples(self, pattern: tuple[Any, Any, Any]) -> Iterator[tuple[Node, Node, Node]]:
        """Triples matching ``pattern``, each once, in the order the graphs hold them."""
        seen: set[tuple[Node, Node, Node]] = set()
        for graph in self.graphs:
            for triple in graph.triples(pattern):
                if triple not in seen:
                    seen.add(triple)
                    yield triple

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        """Values of ``predicate`` on ``subject``, each once, sorted."""
        return sorted({o for g in self.graphs for o in g.objects(subject, predicate)}, key=node_key)

    def objects_in_graph_order(self, subject: Node, predicate: Node) -> list[Node]:
        """Values of ``predicate`` on ``subject``, each once, in the order the graphs hold them (no sorting)."""
        return [o for _, _, o in self.triples((subject, predicate, None))]

    def subjects(self, predicate: Node, obj: Node) -> list[Node]:
        """Resources with ``predicate`` ``obj``, each once, sorted."""
        return sorted({s for g in self.graphs for s in g.subjects(predicate, obj)}, key=node_key)

    def has_predicate(self, predicate: Node) -> bool:
        """Whether any graph uses ``predicate``."""
        pattern: tuple[Any, Any, Any] = (None, predicate, None)
        return any(next(iter(g.triples(pattern)), None) is not None for g in self.graphs)

    def __contains__(self, triple: tuple[Node | None, Node | None, Node | None]) -> bool:
        return any(triple in g for g in self.graphs)
