"""What a committed change is, how it is applied to a scratch copy of the asserted graphs, and how it is journalled.

A change arrives as a SPARQL 1.1 Update (with the protocol's USING graphs) or
a Graph Store write (replace or merge one graph with the triples of a request
body; never turned into SPARQL text, so a graph IRI from a client cannot inject
operations). What is journalled is neither: it is the change's **effect**, the
quads it removed and added (``Effect``, N-Quads in the JSON entry), so a restart
replays exactly what was acknowledged: ``STRUUID()``, ``NOW()`` or ``BNODE()``
give the values they gave, and nothing is parsed as SPARQL or re-evaluated.
Entries of the two older kinds (the update's text, a graph write's N-Triples)
are still read and applied as before. In the scratch dataset every asserted
graph is a named graph, and the facts graph is also the default graph of updates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.plugins.sparql import update as sparql_update
from rdflib.plugins.sparql.evaluate import evalPart
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import FrozenBindings, QueryContext, Update
from rdflib.term import Node

from ipkg.build.load import parse_text
from ipkg.errors import ProtocolConflict, QueryEvaluationError
from ipkg.namespaces import GRAPH_FACTS
from ipkg.ntriples import read_quads, write_quads
from ipkg.sparql.deadline import DeadlineMemory
from ipkg.sparql.prepare import prepare_update

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, URIRef]


@dataclass(frozen=True)
class UpdateChange:
    """A SPARQL 1.1 Update request: what the journal records and replays."""

    update: str
    base: str | None = None
    using_graphs: tuple[str, ...] = ()
    using_named_graphs: tuple[str, ...] = ()
    parsed: Update | None = field(default=None, compare=False, repr=False)
    """The update already parsed from ``update`` (by the view), so that it is not parsed twice."""

    def prepare(self) -> Update:
        """Parse the update and apply the protocol's USING graphs to its DELETE/INSERT operations.

        Raises:
            QuerySyntaxError: the text does not parse.
            ProtocolConflict: protocol USING graphs and USING/WITH in the text.
        """
        if not (self.using_graphs or self.using_named_graphs):
            return self.parsed or prepare_update(self.update, self.base).update
        prepared = prepare_update(self.update, self.base).update  # a fresh one: USING is written into it
        clauses = [CompValue("UsingClause", default=URIRef(g)) for g in self.using_graphs]
        clauses += [CompValue("UsingClause", named=URIRef(g)) for g in self.using_named_graphs]
        for operation in prepared.algebra:
            if operation.name != "Modify":
                continue
            if operation.using or operation.withClause:  # attributes: CompValue.get(name) gives name when missing
                raise ProtocolConflict(
                    "using-graph-uri/using-named-graph-uri cannot be combined with USING or WITH in the update"
                )
            operation["using"] = clauses
        return prepared


def _eval_modify(ctx: QueryContext, operation: CompValue) -> None:
    """DELETE/INSERT … WHERE, with the dataset of the WHERE clause as USING / USING NAMED say (Update §3.1.3).

    rdflib would fetch USING graphs from the web (ipkg turns that off), and then
    leaves every named graph visible to ``GRAPH ?g`` whatever USING NAMED lists.
    Here the WHERE clause runs over a view holding exactly the listed graphs
    (one ipkg does not hold is empty; the facts graph is the update's default
    graph), and the templates are applied to the real dataset afterwards: all
    deletions, then all insertions, in the WITH graph or the default graph.
    """
    if not operation.using:
        sparql_update.evalModify(ctx, operation)
        return
    dataset = ctx.dataset
    assert isinstance(dataset, Dataset) and ctx.graph is not None  # _eval_update sets both
    existing: dict[Node, Graph] = {g.identifier: g for g in dataset.graphs()}
    view = Dataset(store=DeadlineMemory(), default_union=False)
    for clause in operation.using:
        iri = URIRef(clause.default if clause.default is not None else clause.named)
        target = view.default_graph if clause.default is not None else view.graph(iri)
        for copied in existing.get(iri, Graph()):
            target.add(copied)
    where = QueryContext(view, initBindings={})
    where.graph = view.default_graph
    where.prologue = ctx.prologue
    solutions = list(evalPart(where, operation.where))
    default = _update_graph(dataset, operation.withClause) if operation.withClause is not None else ctx.graph
    for template, apply in ((operation.delete, Graph.remove), (operation.insert, Graph.add)):
        if not template:
            continue
        for solution in solutions:
            for triple in _instantiate(template.triples or (), solution):
                apply(default, triple)
            for name, quads in (template.quads or {}).items():
                graph_iri = solution.get(name)
                if not isinstance(graph_iri, URIRef):  # unbound, or not an IRI: no graph to write
                    continue
                for triple in _instantiate(quads, solution):
                    apply(_update_graph(dataset, graph_iri), triple)


def _update_graph(dataset: Dataset, iri: URIRef) -> Graph:
    """The graph an update writes for ``iri`` (the facts graph is a named graph like any other)."""
    return dataset.graph(iri)


def _instantiate(template: Iterable[tuple[Node, Node, Node]], solution: FrozenBindings) -> Iterator[Triple]:
    """The triples of a template under one solution; fresh blank nodes per solution, unbound ones skipped."""
    fresh: dict[Node, BNode] = {}

    def term(node: Node) -> Node | None:
        if isinstance(node, BNode):
            return fresh.setdefault(node, BNode())
        value: Node | None = solution.get(node)
        return value

    for s, p, o in template:
        subject, predicate, object_ = term(s), term(p), term(o)
        if subject is not None and predicate is not None and object_ is not None:
            yield subject, predicate, object_


def _eval_create(ctx: QueryContext, operation: CompValue) -> None:
    """CREATE GRAPH (Update §3.2.1): an error if the graph exists (unless SILENT), else nothing to do.

    The store keeps no empty graph (a graph exists while it holds a triple), so
    creating one changes nothing; rdflib's own CREATE only raises "not implemented".
    """
    assert ctx.dataset is not None
    iri = operation.graphiri
    if operation.silent or not isinstance(iri, URIRef):
        return
    if len(Graph(store=ctx.dataset.store, identifier=iri)):  # not dataset.graph(iri): that would create it
        raise QueryEvaluationError(f"CREATE GRAPH <{iri}>: the graph already exists (CREATE SILENT GRAPH ignores that)")


_UPDATE_OPERATIONS = {
    "Load": sparql_update.evalLoad,
    "Clear": sparql_update.evalClear,
    "Drop": sparql_update.evalDrop,
    "Create": _eval_create,
    "Add": sparql_update.evalAdd,
    "Move": sparql_update.evalMove,
    "Copy": sparql_update.evalCopy,
    "InsertData": sparql_update.evalInsertData,
    "DeleteData": sparql_update.evalDeleteData,
    "DeleteWhere": sparql_update.evalDeleteWhere,
    "Modify": _eval_modify,
}


def _eval_update(dataset: Dataset, update: Update) -> None:
    """rdflib's ``evalUpdate``, with the facts graph as the update's default graph.

    rdflib makes the default graph of an update the union of all graphs when
    its process-wide ``SPARQL_DEFAULT_GRAPH_UNION`` flag is on (it is, for
    queries), and then cannot insert into it; SPARQL Update §3 wants one graph.
    ipkg's is the facts graph, and the very same graph object answers to
    ``GRAPH <…/graph/facts>``, so both spellings write the same triples. The
    operations are applied in order and the first failure aborts the request
    (§3: "MUST abort the sequence").
    """
    facts = dataset.graph(GRAPH_FACTS)
    for operation in update.algebra:
        ctx = QueryContext(dataset, initBindings={})  # rdflib's evaluation needs a mapping (BIND, VALUES)
        ctx.graph = facts
        ctx.prologue = operation.prologue
        _UPDATE_OPERATIONS[operation.name](ctx, operation)


@dataclass(frozen=True)
class GraphChange:
    """A journal entry of the older kind: a Graph Store write as N-Triples (read, never written any more)."""

    graph: str | None
    ntriples: str
    merge: bool = False


@dataclass(frozen=True)
class GraphWrite:
    """A Graph Store write: replace (or with ``merge`` add to) one graph; ``graph=None`` is the facts graph."""

    graph: URIRef | None
    triples: Graph | None
    """The body's triples, applied as they are (never serialised and parsed again); None empties the graph."""
    merge: bool = False


@dataclass(frozen=True)
class Effect:
    """What a committed change did: the quads it removed and added (disjoint sets), in the named graphs."""

    removed: frozenset[Quad]
    added: frozenset[Quad]

    def __bool__(self) -> bool:
        return bool(self.removed or self.added)

    @classmethod
    def between(cls, before: set[Quad], after: set[Quad]) -> Effect:
        """The effect that turns ``before`` into ``after``."""
        return cls(frozenset(before - after), frozenset(after - before))


Change = UpdateChange | GraphChange | GraphWrite | Effect


def apply_change(dataset: Dataset, change: Change) -> None:
    """Apply one change to ``dataset`` (a scratch copy; every asserted graph named, facts included)."""
    if isinstance(change, UpdateChange):
        _eval_update(dataset, change.prepare())
        return
    if isinstance(change, Effect):
        for s, p, o, g in change.removed:
            dataset.graph(g).remove((s, p, o))
        for s, p, o, g in change.added:
            dataset.graph(g).add((s, p, o))
        return
    graph = change.graph
    target = dataset.graph(URIRef(graph) if graph is not None else GRAPH_FACTS)
    if not change.merge:
        target.remove((None, None, None))
    if isinstance(change, GraphWrite):
        for triple in change.triples if change.triples is not None else ():
            target.add(triple)
        return
    for triple in parse_text(change.ntriples, "nt", source="journalled graph write"):
        target.add(triple)


def to_json(change: Effect) -> dict[str, Any]:
    """The journal entry of a change: its effect, as N-Quads (blank node labels kept)."""
    return {"kind": "effect", "removed": write_quads(change.removed), "added": write_quads(change.added)}


def from_json(entry: dict[str, Any]) -> Change:
    """A change from its journal entry (entries without ``kind`` are updates, the oldest kind).

    Raises:
        KeyError, TypeError, ValueError: the entry is not a change.
    """
    if not isinstance(entry, dict):
        raise TypeError("a journal entry is a JSON object")
    kind = entry.get("kind", "update")
    if kind == "effect":
        return Effect(_quads(entry["removed"]), _quads(entry["added"]))
    if kind == "graph":
        return GraphChange(entry["graph"], str(entry["ntriples"]), bool(entry.get("merge", False)))
    if kind != "update":
        raise ValueError(f"unknown kind of journal entry {kind!r}")
    return UpdateChange(
        str(entry["update"]),
        entry.get("base"),
        tuple(entry.get("using_graphs", ())),
        tuple(entry.get("using_named_graphs", ())),
    )


def _quads(text: Any) -> frozenset[Quad]:
    if not isinstance(text, str):
        raise TypeError("removed/added must be N-Quads text")
    quads = set()
    for s, p, o, g in read_quads(text, labels=True):
        if not isinstance(g, URIRef):
            raise ValueError("every quad of an effect names its graph")
        quads.add((s, p, o, g))
    return frozenset(quads)
