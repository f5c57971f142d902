"""Reads over the union of a snapshot's named graphs: the default graph the SPARQL endpoint shows.

The entity pages, the ontology page and the reconciliation index read the
data this way, through ``Snapshot.quads`` only, so they work on any backend.
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib.term import Node

from ipkg.store.base import Snapshot


def node_key(node: Node) -> tuple[str, str]:
    """A sort key for any node: its kind, then its text (Literals of different types never compare)."""
    return type(node).__name__, str(node)


class Union:
    """Reads from the union of a snapshot's graphs, each triple and value once."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def triples(
        self, subject: Node | None = None, predicate: Node | None = None, obj: Node | None = None
    ) -> Iterator[tuple[Node, Node, Node]]:
        """Triples matching the pattern, each once, in the order the snapshot holds them."""
        seen: set[tuple[Node, Node, Node]] = set()
        for s, p, o, _ in self.snapshot.quads(subject, predicate, obj):
            if (s, p, o) not in seen:
                seen.add((s, p, o))
                yield s, p, o

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        """Values of ``predicate`` on ``subject``, each once, sorted."""
        return sorted({o for _, _, o, _ in self.snapshot.quads(subject, predicate)}, key=node_key)

    def objects_in_graph_order(self, subject: Node, predicate: Node) -> list[Node]:
        """Values of ``predicate`` on ``subject``, each once, in the order the graphs hold them (no sorting)."""
        return [o for _, _, o in self.triples(subject, predicate)]

    def subjects(self, predicate: Node, obj: Node) -> list[Node]:
        """Resources with ``predicate`` ``obj``, each once, sorted."""
        return sorted({s for s, _, _, _ in self.snapshot.quads(None, predicate, obj)}, key=node_key)

    def has_predicate(self, predicate: Node) -> bool:
        """Whether any graph uses ``predicate``."""
        return next(self.snapshot.quads(None, predicate), None) is not None

    def __contains__(self, triple: tuple[Node | None, Node | None, Node | None]) -> bool:
        return next(self.snapshot.quads(*triple), None) is not None
