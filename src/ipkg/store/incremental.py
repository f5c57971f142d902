"""Transactions that cost what the change costs, not what the graph costs: the writer of the Oxigraph backend.

The in-memory backend rebuilds its whole snapshot for every change (copy,
validate everything, reason over everything). Here the asserted graphs are
changed in place and every actual addition and removal is recorded, so that:

- the **effect** (quads removed and added) is known without comparing copies;
- **validation** runs on the nodes the change touched and their neighbours
  (``validate(focus=…)``, the compiled shapes), on a union graph kept in step;
  a change touching a blank node is validated in full (focus nodes are IRIs);
- **reasoning** is incremental: the compiled rules of ``build.rules`` fire on
  the new triples only (semi-naive), and a removal takes back what only the
  removed triples supported by delete and rederive (``build.dred``). A change
  to the schema, or one that could split an ``owl:sameAs`` class, recomputes
  the closure;
- the **inferred graph** is changed in place by what the change concerns: the
  changed triples and those the closure gained or lost are judged by the output
  filters again; a change to what the filters read (``owl:sameAs``,
  memberships) makes their indexes again and adds the triples whose verdict
  that may turn (``reason.OutputFilter.refreshed``). Only a recomputed closure
  is filtered whole.

A change that fails (shapes, inconsistency, time limit) is undone from the
record, the closure's own changes included (``Edit.revert``), and the state is
exactly what it was. ``tests/unit/test_incremental.py`` holds it equal to a full
rebuild after random sequences of changes, and to reasoning from scratch after
random sequences of removals.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import owlrl
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ipkg.build import KnowledgeGraph
from ipkg.build.dred import Edit
from ipkg.build.reason import OutputFilter
from ipkg.build.rules import Closure, close, compile_rules, is_tbox
from ipkg.build.validate import validate
from ipkg.errors import Forbidden, InconsistentData, ValidationFailed
from ipkg.namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY
from ipkg.sparql.deadline import DeadlineMemory
from ipkg.store.base import Quad
from ipkg.store.changes import Change, Effect, apply_change

log = logging.getLogger("ipkg.store")

Triple = tuple[Node, Node, Node]


class RecordingMemory(DeadlineMemory):
    """rdflib's memory store that records every triple really added or removed, per named graph."""

    def __init__(self) -> None:
        super().__init__()
        self.record: list[tuple[bool, Quad]] | None = None

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        """Add, recording the quad if it is new."""
        named = isinstance(getattr(context, "identifier", None), URIRef)
        if self.record is not None and named and next(self.triples(triple, context), None) is None:
            self.record.append((True, (*triple, context.identifier)))
        super().add(triple, context, quoted)

    def remove(self, triple: Any, context: Any = None) -> None:
        """Remove every match, recording each removed quad."""
        if self.record is not None:
            for found, contexts in list(self.triples(triple, context)):
                for ctx in list(contexts) if context is None else [context]:
                    if isinstance(getattr(ctx, "identifier", None), URIRef):
                        self.record.append((False, (*found, ctx.identifier)))
        super().remove(triple, context)


class IncrementalWriter:
    """The asserted graphs, their closure and inferred graph, changed in place; see the module docstring."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self._shapes = kg.shapes
        self._backwards = {
            *kg.shapes.objects(None, SH.targetObjectsOf),
            *kg.shapes.objects(None, SH.inversePath),
        }
        """Predicates a shape follows from object to subject: their objects are focus nodes too."""
        self._memory = RecordingMemory()
        self.dataset = Dataset(store=self._memory, default_union=False)
        self.inferred: set[Triple] = set()
        self._stated: dict[Triple, int] = {}
        self._data = Graph()
        """The union of every asserted graph and the ontology: what the shapes see."""
        for graph in kg.dataset.graphs():
            identifier = graph.identifier
            if not isinstance(identifier, URIRef) or identifier == GRAPH_INFERRED:
                continue
            target = self.dataset.graph(identifier)
            for triple in graph:
                target.add(triple)
                self._count(triple, +1)
        self._closure, self._schema = self._close()
        self._filter = self._new_filter()
        self.inferred = {t for t in self._closure if self._filter.keeps(t)}

    # -- the closure ---------------------------------------------------------------

    def _close(self) -> tuple[Closure, frozenset[Triple]]:
        """The closure of everything stated, from scratch, and the closed schema it started from.

        owlrl closes the schema (see build.rules); the closed schema counts as stated when a
        removal is taken back (``_is_stated``).
        """
        tbox = Graph()
        for triple in self._stated:
            if is_tbox(triple):
                tbox.add(triple)
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(tbox)
        errors = [str(m) for m in tbox.objects(None, ERRNS.error)]
        closure = close(compile_rules(tbox), set(self._stated).union(tbox))
        if errors or closure.errors:
            raise InconsistentData(errors + closure.errors)
        return closure, frozenset(tbox)

    def _is_stated(self, triple: Triple) -> bool:
        """Whether the closure holds ``triple`` as an input (asserted, or the closed schema), whatever derives it."""
        return triple in self._stated or triple in self._schema

    def _new_filter(self) -> OutputFilter:
        """The output filters over the whole closure (``reason.infer``'s), judging against the live stated set."""
        schema = {t for triple in self.dataset.graph(GRAPH_ONTOLOGY) for t in triple if isinstance(t, BNode)}
        return OutputFilter(self._closure, self._stated, schema)

    # -- the union graph the shapes see --------------------------------------------

    def _count(self, triple: Triple, step: int) -> None:
        count = self._stated.get(triple, 0) + step
        if count <= 0:
            self._stated.pop(triple, None)
            self._data.remove(triple)
        else:
            if triple not in self._stated:
                self._data.add(triple)
            self._stated[triple] = count

    # -- a change --------------------------------------------------------------------

    def commit(self, change: Change) -> tuple[Effect, set[Triple], set[Triple]] | None:
        """Apply ``change``: its effect on the asserted graphs and (removed, added) inferred triples.

        None when the change changes nothing. On any error the state is as before.

        Raises:
            ValidationFailed, InconsistentData, Forbidden, QueryTimeout: nothing changed.
        """
        record: list[tuple[bool, Quad]] = []
        self._memory.record = record
        try:
            apply_change(self.dataset, change)
        except BaseException:
            self._memory.record = None
            self._undo(record)
            raise
        self._memory.record = None
        effect = _net(record)
        if not effect:
            return None
        try:
            if any(g == GRAPH_INFERRED for *_, g in effect.added):
                raise Forbidden(f"<{GRAPH_INFERRED}> is computed by the reasoner and cannot be written")
            for *triple, _ in effect.removed:
                self._count(tuple(triple), -1)  # type: ignore[arg-type]
            for *triple, _ in effect.added:
                self._count(tuple(triple), +1)  # type: ignore[arg-type]
            self._validate(effect)
        except BaseException:
            self._undo(record)
            self._recount(effect)
            raise
        try:
            removed, added = self._reason(effect)
        except BaseException:
            self._undo(record)
            self._recount(effect)
            raise
        return effect, removed, added

    def _recount(self, effect: Effect) -> None:
        """Put the counts back after an undone change (the reverse of ``commit``'s counting)."""
        for *triple, _ in effect.added:
            self._count(tuple(triple), -1)  # type: ignore[arg-type]
        for *triple, _ in effect.removed:
            self._count(tuple(triple), +1)  # type: ignore[arg-type]

    def _undo(self, record: list[tuple[bool, Quad]]) -> None:
        for added, (s, p, o, g) in reversed(record):
            graph = self.dataset.graph(g)
            if added:
                graph.remove((s, p, o))
            else:
                graph.add((s, p, o))

    def _validate(self, effect: Effect) -> None:
        """The shapes on the nodes the change can affect.

        Those are the subjects of changed triples, the nodes pointing at them (their
        constraints read the subjects' values: ``sh:class``, paths), and the objects of
        changed triples whose predicate a shape reads backwards (``sh:targetObjectsOf``,
        ``sh:inversePath``). A blank node among them means full validation.

        Raises:
            ValidationFailed: the report names each violation.
        """
        changed = [(s, p, o) for s, p, o, _ in (*effect.added, *effect.removed)]
        subjects = {s for s, _, _ in changed}
        focus = subjects | {o for _, p, o in changed if p in self._backwards and not isinstance(o, Literal)}
        focus |= {m for node in subjects for m in self._data.subjects(None, node)}
        full = any(isinstance(node, BNode) for node in focus)
        report = validate(self._data, self._shapes, None, focus=None if full else sorted(focus, key=str))
        if not report.conforms:
            raise ValidationFailed(report)

    def _reason(self, effect: Effect) -> tuple[set[Triple], set[Triple]]:
        """(inferred triples removed, inferred triples added) by the change; on any error nothing has changed.

        Removals are taken back by delete and rederive, then additions run forward, in one
        ``Edit`` that can be reverted exactly. A schema change, or a removal that could split
        an ``owl:sameAs`` class (``Edit.retract`` declines), recomputes the closure instead.
        ``self.inferred`` is changed in place once nothing can fail any more.

        Raises:
            InconsistentData: the change contradicts the ontology.
        """
        removed = {(s, p, o) for s, p, o, _ in effect.removed}
        added = {(s, p, o) for s, p, o, _ in effect.added}
        changed = removed | added
        previous, schema, edit = self._closure, self._schema, Edit(self._closure)
        try:
            if any(is_tbox(t) for t in changed) or not edit.retract(removed, self._is_stated):
                self._closure, self._schema = self._close()
                filters, judged = self._new_filter(), None
            else:
                self._closure.run(added)
                if self._closure.errors:
                    raise InconsistentData(list(self._closure.errors))
                touched = changed.union(edit.dropped, edit.added)
                if _touches_schema_bnodes(effect):
                    filters, judged = self._new_filter(), None
                else:
                    filters, again = self._filter.refreshed(self._closure, touched)
                    judged = touched | again
            gone, new = self._judged(filters, judged)
        except BaseException:
            edit.revert()
            self._closure, self._schema = previous, schema
            raise
        self._filter = filters
        self.inferred -= gone
        self.inferred |= new
        return gone, new

    def _judged(self, filters: OutputFilter, triples: set[Triple] | None) -> tuple[set[Triple], set[Triple]]:
        """(leaving, entering) the inferred graph among ``triples`` (None: the whole closure), by ``filters``."""
        closure, inferred = self._closure.triples, self.inferred
        if triples is None:
            kept = {t for t in closure if filters.keeps(t)}
            return inferred - kept, kept - inferred
        kept = {t for t in triples if t in closure and filters.keeps(t)}
        return {t for t in triples if t in inferred} - kept, kept - inferred

    def quads(self) -> Iterator[Quad]:
        """Every quad the store should hold: asserted graphs, ontology and the inferred graph."""
        for s, p, o, g in self.dataset.quads((None, None, None, None)):
            identifier = g.identifier if isinstance(g, Graph) else g
            if isinstance(identifier, URIRef) and identifier != GRAPH_INFERRED:
                yield s, p, o, identifier
        for s, p, o in self.inferred:
            yield s, p, o, GRAPH_INFERRED


def _touches_schema_bnodes(effect: Effect) -> bool:
    """Whether the change adds or removes an ontology triple with a blank node: the filters drop triples about those."""
    return any(
        g == GRAPH_ONTOLOGY and any(isinstance(t, BNode) for t in (s, p, o))
        for s, p, o, g in (*effect.added, *effect.removed)
    )


def _net(record: list[tuple[bool, Quad]]) -> Effect:
    """The net effect of a record: a quad added then removed (or the reverse) did not change."""
    first: dict[Quad, bool] = {}
    last: dict[Quad, bool] = {}
    for added, quad in record:
        first.setdefault(quad, added)
        last[quad] = added
    added_quads = frozenset(q for q, a in last.items() if a and first[q])
    removed_quads = frozenset(q for q, a in last.items() if not a and not first[q])
    return Effect(removed_quads, added_quads)
