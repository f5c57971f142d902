"""What the dataset says about one resource, graph by graph, for the entity pages.

A resource's description is every triple with the resource as subject, in
any graph of the dataset, plus the incoming triples (resource as object), plus
the blank nodes its values lead to. A triple is *inferred* when the
``…/graph/inferred`` graph is the only one holding it. The quad formats keep
the named graphs, so they show the same split as the HTML page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rdflib import BNode, URIRef
from rdflib.term import Node

from ipkg.namespaces import GRAPH_BASE, GRAPH_INFERRED
from ipkg.store.base import Snapshot
from ipkg.store.union import Union, node_key

__all__ = ["Description", "Statement", "statements"]


@dataclass(frozen=True)
class Statement:
    """One triple and the named graphs that hold it."""

    subject: Node
    predicate: URIRef
    object: Node
    graphs: frozenset[URIRef]

    @property
    def inferred(self) -> bool:
        """Only the reasoner's graph holds it."""
        return self.graphs <= {GRAPH_INFERRED}

    @property
    def graph_names(self) -> str:
        """The graphs, short (``facts, links``), for a tooltip."""
        return ", ".join(sorted(str(g).removeprefix(GRAPH_BASE) for g in self.graphs))


def statements(snapshot: Snapshot, subject: Node | None = None, obj: Node | None = None) -> list[Statement]:
    """The triples matching ``(subject, ?, obj)`` across every named graph, each with its graphs."""
    found: dict[tuple[Node, Node, Node], set[URIRef]] = {}
    for s, p, o, g in snapshot.quads(subject, None, obj):
        found.setdefault((s, p, o), set()).add(g)
    return [
        Statement(s, p, o, frozenset(graphs))
        for (s, p, o), graphs in sorted(found.items(), key=lambda item: tuple(map(node_key, item[0])))
        if isinstance(p, URIRef)
    ]


class Description:
    """What the dataset says about one resource."""

    def __init__(self, snapshot: Snapshot, iri: URIRef) -> None:
        self.snapshot = snapshot
        self.union = Union(snapshot)
        self.iri = iri
        self.outgoing = statements(snapshot, subject=iri)
        self.incoming = [st for st in statements(snapshot, obj=iri) if st.subject != iri]

    def bnode_closure(self) -> list[Statement]:
        """Statements about the blank nodes the outgoing values lead to (transitively)."""
        seen: set[Node] = set()
        todo = [st.object for st in self.outgoing if isinstance(st.object, BNode)]
        out: list[Statement] = []
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for st in statements(self.snapshot, subject=node):
                out.append(st)
                if isinstance(st.object, BNode):
                    todo.append(st.object)
        return out

    def quads(self) -> Iterator[tuple[Node, Node, Node, URIRef]]:
        """Every statement of the description, once per graph holding it."""
        for st in (*self.outgoing, *self.bnode_closure(), *self.incoming):
            for graph in sorted(st.graphs):
                yield st.subject, st.predicate, st.object, graph
