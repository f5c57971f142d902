"""The in-memory store: rdflib datasets, snapshot reads, serialised transactional writes.

Readers take the current ``KnowledgeGraph`` snapshot and never lock; a writer
copies the asserted graphs, applies its change to the copy, rebuilds (validate
→ reason) with ``build.assemble``, appends the change to a journal, and only
then publishes the new snapshot. A change that fails at any step leaves the
published snapshot untouched. On start the journal is replayed over the
freshly built files, so committed updates survive a restart while edits to
``data/`` still take effect.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql import update as sparql_update
from rdflib.plugins.sparql.evaluate import evalPart
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import FrozenBindings, Query, QueryContext, Update
from rdflib.query import Result
from rdflib.term import Node

import ipkg.federation  # noqa: F401 - installs the SERVICE evaluator
from ipkg.build import KnowledgeGraph, assemble
from ipkg.deadline import DeadlineMemory, deadline
from ipkg.errors import Forbidden, IpkgError
from ipkg.namespaces import GRAPH_FACTS, GRAPH_INFERRED, GRAPH_ONTOLOGY
from ipkg.query import prepare_query, prepare_update
from ipkg.store.base import DatasetSpec, UpdateOutcome, materialize
from ipkg.store.guard import check_remote

log = logging.getLogger("ipkg.store")

Triple = tuple[Node, Node, Node]

VIEW_CACHE_SIZE = 16


class MemoryStore:
    """The default backend: everything in memory, changes journalled under ``state_dir``."""

    def __init__(
        self,
        kg: KnowledgeGraph,
        *,
        journal: Path | None = None,
        service_allowlist: tuple[str, ...] = (),
    ) -> None:
        self._kg = kg
        self._generation = 0
        self._write_lock = threading.Lock()
        self._views: OrderedDict[tuple[int, DatasetSpec], Dataset] = OrderedDict()
        self._views_lock = threading.Lock()
        self._journal = journal
        self._allowlist = service_allowlist
        if journal is not None and journal.exists():
            self._replay(journal)

    @property
    def knowledge_graph(self) -> KnowledgeGraph:
        """The current committed snapshot."""
        return self._kg

    @property
    def generation(self) -> int:
        """Number of changes committed since start (journal replay counts as one)."""
        return self._generation

    # -- reads ---------------------------------------------------------------

    def query(
        self,
        text: str,
        *,
        dataset: DatasetSpec = DatasetSpec(),
        timeout: float | None = None,
        max_rows: int | None = None,
        base: str | None = None,
    ) -> Result:
        """Evaluate ``text`` over the requested dataset, fully, within the limits.

        Protocol graphs (``dataset``) override the query's own FROM / FROM NAMED.

        Raises:
            QuerySyntaxError, Forbidden, QueryTimeout, ResultTooLarge.
        """
        prepared = prepare_query(text, base)
        check_remote(prepared.algebra, self._allowlist)
        # Attribute access, not ``.get``: rdflib's CompValue.get(name) returns ``name`` itself for a
        # missing key, which is truthy; attribute access gives None.
        clause = prepared.algebra.datasetClause
        if not dataset.explicit and clause:
            dataset = DatasetSpec(
                default_graphs=tuple(str(c.default) for c in clause if c.default is not None),
                named_graphs=tuple(str(c.named) for c in clause if c.named is not None),
                infer=dataset.infer,
            )
        if clause:
            prepared = _without_dataset_clause(prepared)
        kg, generation = self._kg, self._generation
        target = self._view(kg, generation, dataset)
        with deadline(timeout):
            return materialize(target.query(prepared, base=base), max_rows)

    def read_graph(self, iri: URIRef | None) -> Graph | None:
        """A copy of one graph; ``None`` is the default graph (the union of all)."""
        kg = self._kg
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
        graphs = self._kg.dataset.graphs()
        return {
            URIRef(str(g.identifier)): len(g)
            for g in sorted(graphs, key=lambda g: str(g.identifier))
            if len(g) and is_named_graph(g.identifier)
        }

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
        text: str,
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
        change = Change(text, base, using_graphs, using_named_graphs)
        check_remote(change.prepare().algebra, self._allowlist)
        return self._commit(change, timeout)

    def write_graph(self, iri: URIRef | None, graph: Graph | None, *, merge: bool) -> UpdateOutcome:
        """Graph Store Protocol writes, expressed as an update so they journal the same way."""
        target = "DEFAULT" if iri is None or iri == GRAPH_FACTS else f"GRAPH <{iri}>"
        parts = [] if merge else [f"DROP SILENT {target}"]
        if graph is not None and len(graph):
            body = graph.serialize(format="nt")
            inner = body if iri is None or iri == GRAPH_FACTS else f"GRAPH <{iri}> {{\n{body}}}"
            parts.append(f"INSERT DATA {{\n{inner}}}")
        if not parts:
            return UpdateOutcome(0, 0, self._generation)
        return self._commit(Change(" ;\n".join(parts)), None)

    def _commit(self, change: Change, timeout: float | None) -> UpdateOutcome:
        with self._write_lock:
            old = self._kg
            kg = self._apply(old, [change], timeout)
            before = _asserted_triples(old)
            after = _asserted_triples(kg)
            if self._journal is not None:
                self._append_journal(change)
            self._kg = kg
            self._generation += 1
            outcome = UpdateOutcome(len(after - before), len(before - after), self._generation)
        log.info("update %s", outcome.summary())
        return outcome

    def _apply(self, kg: KnowledgeGraph, changes: list[Change], timeout: float | None) -> KnowledgeGraph:
        scratch = Dataset(store=DeadlineMemory(), default_union=False)
        for graph in kg.dataset.graphs():
            if graph.identifier == GRAPH_INFERRED or not len(graph):
                continue
            target = scratch.default_graph if graph.identifier == GRAPH_FACTS else scratch.graph(graph.identifier)
            for triple in graph:
                target.add(triple)
        with deadline(timeout):
            for change in changes:
                _eval_update(scratch, change.prepare())
        if len(scratch.graph(GRAPH_INFERRED)):
            raise Forbidden(f"<{GRAPH_INFERRED}> is computed by the reasoner and cannot be written")
        asserted: dict[URIRef, Graph] = {GRAPH_FACTS: scratch.default_graph}
        for graph in scratch.graphs():
            identifier = graph.identifier
            special = identifier in (GRAPH_ONTOLOGY, GRAPH_INFERRED, GRAPH_FACTS)
            if is_named_graph(identifier) and not special and len(graph):
                asserted[identifier] = graph  # type: ignore[index]
        return assemble(scratch.graph(GRAPH_ONTOLOGY), kg.shapes, asserted, progress=log.debug)

    # -- journal -------------------------------------------------------------

    def _append_journal(self, change: Change) -> None:
        assert self._journal is not None
        self._journal.parent.mkdir(parents=True, exist_ok=True)
        entry = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **asdict(change)})
        with self._journal.open("a", encoding="utf-8") as handle:
            handle.write(entry + "\n")
            handle.flush()

    def _replay(self, journal: Path) -> None:
        changes = []
        for number, line in enumerate(journal.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                changes.append(
                    Change(
                        str(entry["update"]),
                        entry.get("base"),
                        tuple(entry.get("using_graphs", ())),
                        tuple(entry.get("using_named_graphs", ())),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise IpkgError(f"{journal}:{number}: corrupt journal entry ({exc})") from exc
        if changes:
            log.info("replaying %d committed update(s) from %s", len(changes), journal)
            self._kg = self._apply(self._kg, changes, None)
            self._generation += 1


class ProtocolConflict(IpkgError):
    """using-graph-uri / using-named-graph-uri together with USING or WITH (Protocol §2.2.3)."""


@dataclass(frozen=True)
class Change:
    """One committed (or attempted) update: what the journal records and replays."""

    update: str
    base: str | None = None
    using_graphs: tuple[str, ...] = ()
    using_named_graphs: tuple[str, ...] = ()

    def prepare(self) -> Update:
        """Parse the update and apply the protocol's USING graphs to its DELETE/INSERT operations.

        Raises:
            QuerySyntaxError: the text does not parse.
            ProtocolConflict: protocol USING graphs and USING/WITH in the text.
        """
        prepared = prepare_update(self.update, self.base)
        if not (self.using_graphs or self.using_named_graphs):
            return prepared
        clauses = [CompValue("UsingClause", default=URIRef(g)) for g in self.using_graphs]
        clauses += [CompValue("UsingClause", named=URIRef(g)) for g in self.using_named_graphs]
        for operation in prepared.algebra:
            if operation.name != "Modify":
                continue
            if operation.using or operation.withClause:  # not .get: see MemoryStore.query
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
    existing[GRAPH_FACTS] = dataset.default_graph
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
    """The graph an update writes for ``iri``: the facts graph is the update's default graph."""
    return dataset.default_graph if iri == GRAPH_FACTS else dataset.graph(iri)


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


_UPDATE_OPERATIONS = {
    "Load": sparql_update.evalLoad,
    "Clear": sparql_update.evalClear,
    "Drop": sparql_update.evalDrop,
    "Create": sparql_update.evalCreate,
    "Add": sparql_update.evalAdd,
    "Move": sparql_update.evalMove,
    "Copy": sparql_update.evalCopy,
    "InsertData": sparql_update.evalInsertData,
    "DeleteData": sparql_update.evalDeleteData,
    "DeleteWhere": sparql_update.evalDeleteWhere,
    "Modify": _eval_modify,
}


def _eval_update(dataset: Dataset, update: Update) -> None:
    """rdflib's ``evalUpdate``, with the dataset's own default graph as the update's default graph.

    rdflib makes the default graph of an update the union of all graphs when
    its process-wide ``SPARQL_DEFAULT_GRAPH_UNION`` flag is on (it is, for
    queries), and then cannot insert into it; SPARQL Update §3 wants the
    default graph itself. The operations are applied in order and the first
    failure aborts the request (§3: "MUST abort the sequence").
    """
    for operation in update.algebra:
        ctx = QueryContext(dataset, initBindings={})  # rdflib's evaluation needs a mapping (BIND, VALUES)
        ctx.graph = dataset.default_graph
        ctx.prologue = operation.prologue
        _UPDATE_OPERATIONS[operation.name](ctx, operation)


def _without_dataset_clause(query: Query) -> Query:
    algebra = CompValue(query.algebra.name, **{k: v for k, v in query.algebra.items() if k != "datasetClause"})
    return Query(query.prologue, algebra)


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


def _asserted_triples(kg: KnowledgeGraph) -> set[tuple[object, ...]]:
    return {
        (*triple, graph.identifier)
        for graph in kg.dataset.graphs()
        if graph.identifier != GRAPH_INFERRED
        for triple in graph
    }
