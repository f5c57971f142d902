"""rdflib's evaluation of the operators that keep solutions in memory, charged to the query's budget.

``install`` (called by ``ipkg.sparql.engine.install``) puts these functions in
place of rdflib's own in ``rdflib.plugins.sparql.evaluate``, whose ``evalPart``
looks them up there at each call. Each does what rdflib's does, but every
solution it keeps is charged to the query's memory budget (``limits.charge``),
so ``ORDER BY ?c ?f`` over a cross product stops with a clear error instead of
taking the server's memory. Besides:

- UNION streams its two branches instead of collecting both in a list;
- GROUP BY over no solution gives no group (SPARQL 1.1 §18.5: only an aggregate
  *without* GROUP BY has its one group over no solution), where rdflib gave one
  empty row; a GROUP_CONCAT longer than ``max_literal_length`` is unbound;
- COUNT(DISTINCT …) and DISTINCT aggregates, which remember what they saw, are charged too;
- DESCRIBE collects the resources to describe one solution at a time.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from rdflib import Graph
from rdflib.plugins.sparql import evaluate
from rdflib.plugins.sparql.aggregates import Aggregator, GroupConcat
from rdflib.plugins.sparql.evalutils import _eval, _fillTemplate, _join, _minus, _val
from rdflib.plugins.sparql.parserutils import CompValue, value
from rdflib.plugins.sparql.sparql import FrozenBindings, QueryContext, SPARQLError
from rdflib.term import Identifier, Literal, URIRef, Variable

from ipkg.sparql.limits import EXPRESSION_ERRORS, ROW_BYTES, charge, literal_limit, release, row_bytes, tick

TRIPLE_BYTES = 600
"""Estimated bytes of one triple in a CONSTRUCT graph (three indexes of rdflib's memory store)."""


def eval_order_by(ctx: QueryContext, part: CompValue) -> Iterator[Any]:
    """ORDER BY (§15.1): every solution is kept, then sorted key by key (stable), as rdflib does.

    The sort compares rdflib terms in Python, so it can take longer than the query's time limit;
    every comparison counts a tick, and a sort past the deadline stops with it.
    """
    held = _Held()
    try:
        rows = list(held.keep(evaluate.evalPart(ctx, part.p)))
        for condition in reversed(part.expr):
            descending = bool(condition.order and condition.order == "DESC")
            keyed = []
            for row in rows:
                tick()
                keyed.append(_Ordered(_val(value(row, condition.expr, variables=True)), row))
            keyed.sort(reverse=descending)
            rows = [item.row for item in keyed]
        yield from rows
    finally:
        held.release()


class _Ordered:
    """A solution and its sort key; each comparison counts a tick (so the deadline stops a long sort)."""

    __slots__ = ("key", "row")

    def __init__(self, key: Any, row: Any) -> None:
        self.key = key
        self.row = row

    def __lt__(self, other: _Ordered) -> bool:
        tick()
        return bool(self.key < other.key)


def eval_distinct(ctx: QueryContext, part: CompValue) -> Iterator[Any]:
    """DISTINCT: the solutions seen so far are kept."""
    seen: set[Any] = set()
    held = _Held()
    try:
        for row in evaluate.evalPart(ctx, part.p):
            if row not in seen:
                held.add(row_bytes(row))
                seen.add(row)
                yield row
    finally:
        held.release()


def eval_join(ctx: QueryContext, join: CompValue) -> Iterator[Any]:
    """Join: a lazy join streams; otherwise the right side is kept (as a set) and joined with each left solution."""
    if join.lazy:
        yield from evaluate.evalLazyJoin(ctx, join)
        return
    held = _Held()
    try:
        right = set(held.keep(evaluate.evalPart(ctx, join.p2)))
        yield from _join(evaluate.evalPart(ctx, join.p1), right)
    finally:
        held.release()


def eval_minus(ctx: QueryContext, minus: CompValue) -> Iterator[Any]:
    """MINUS: the right side is kept."""
    held = _Held()
    try:
        right = set(held.keep(evaluate.evalPart(ctx, minus.p2)))
        yield from _minus(evaluate.evalPart(ctx, minus.p1), right)
    finally:
        held.release()


class _Held:
    """What one operator keeps, charged as it grows and released when the operator is done."""

    def __init__(self) -> None:
        self.size = 0

    def add(self, size: int) -> None:
        charge(size)
        self.size += size

    def keep(self, rows: Iterable[Any]) -> Iterator[Any]:
        for row in rows:
            self.add(row_bytes(row))
            yield row

    def release(self) -> None:
        release(self.size)
        self.size = 0


def eval_union(ctx: QueryContext, union: CompValue) -> Iterator[Any]:
    """UNION: the first branch's solutions, then the second's, streamed."""
    yield from evaluate.evalPart(ctx, union.p1)
    yield from evaluate.evalPart(ctx, union.p2)


class _BoundedGroupConcat(GroupConcat):
    """GROUP_CONCAT that stops (the value becomes unbound) once the text would pass ``max_literal_length``."""

    def __init__(self, aggregation: CompValue) -> None:
        super().__init__(aggregation)
        self.length = 0
        self.too_long = False
        self.limit = literal_limit()

    def update(self, row: FrozenBindings, aggregator: Aggregator) -> None:
        if self.too_long:
            return
        count = len(self.value)
        super().update(row, aggregator)
        if len(self.value) > count:
            self.length += len(self.value[-1]) + len(self.separator)
            charge(ROW_BYTES + len(self.value[-1]))
            if self.limit is not None and self.length > self.limit:
                self.too_long = True
                self.value = []

    def get_value(self) -> Literal | None:  # type: ignore[override]
        return None if self.too_long else super().get_value()


AGGREGATE_ERRORS: tuple[type[BaseException], ...] = (SPARQLError, *EXPRESSION_ERRORS)
"""An aggregate that raises one of these over its group is an error: unbound in the result (§18.5)."""


class _BoundedAggregator(Aggregator):
    """rdflib's aggregator, where an aggregate whose evaluation fails is unbound (§18.5), not a failed query."""

    accumulator_classes = {**Aggregator.accumulator_classes, "Aggregate_GroupConcat": _BoundedGroupConcat}

    def __init__(self, aggregations: list[CompValue]) -> None:
        super().__init__(aggregations)
        self.failed: set[Any] = set()

    def update(self, row: FrozenBindings) -> None:
        for accumulator in list(self.accumulators.values()):  # SAMPLE and SUM remove themselves
            if accumulator.var in self.failed:
                continue
            try:
                if accumulator.use_row(row):
                    accumulator.update(row, self)
            except AGGREGATE_ERRORS:
                self.failed.add(accumulator.var)

    def get_bindings(self) -> Mapping[Variable, Identifier]:
        for accumulator in self.accumulators.values():
            if accumulator.var in self.failed:
                continue
            try:
                accumulator.set_value(self.bindings)
            except AGGREGATE_ERRORS:
                self.failed.add(accumulator.var)
        for variable in self.failed:
            self.bindings.pop(variable, None)
        return self.bindings


def eval_aggregate_join(ctx: QueryContext, agg: CompValue) -> Iterator[FrozenBindings]:
    """GROUP BY and aggregates (§11): one aggregator per group, each group and each remembered value charged."""
    group_by = agg.p.expr
    remembers = any(a.distinct for a in agg.A)
    groups: dict[Any, Aggregator] = collections.defaultdict(lambda: _BoundedAggregator(aggregations=agg.A))
    held = _Held()
    if group_by is None:
        groups[True]  # noqa: B018 - without GROUP BY there is one group, even over no solution
    try:
        for row in evaluate.evalPart(ctx, agg.p):
            key: Any = True if group_by is None else tuple(_eval(e, row, False) for e in group_by)
            if key not in groups:
                held.add(ROW_BYTES * (len(agg.A) + (0 if key is True else len(key)) + 1))
            groups[key].update(row)
            if remembers:
                held.add(row_bytes(row))
        for aggregator in groups.values():  # with GROUP BY and no solution: no group, no row
            yield FrozenBindings(ctx, aggregator.get_bindings())
    finally:
        held.release()


def eval_construct(ctx: QueryContext, query: CompValue) -> dict[str, Any]:
    """CONSTRUCT: each new triple of the graph being built is charged."""
    template = query.template or query.p.p.triples  # CONSTRUCT WHERE: the pattern is the template
    graph = Graph()
    for solution in evaluate.evalPart(ctx, query.p):
        for triple in _fillTemplate(template, solution):
            if triple not in graph:
                charge(TRIPLE_BYTES + sum(len(t) for t in triple if isinstance(t, Literal)))
                graph.add(triple)
    return {"type_": "CONSTRUCT", "graph": graph}


def eval_describe(ctx: QueryContext, query: CompValue) -> dict[str, Any]:
    """DESCRIBE: the resources named or bound, collected one solution at a time, then their bounded descriptions."""
    graph = Graph()
    assert ctx.graph is not None
    for prefix, namespace in ctx.graph.namespaces():
        graph.bind(prefix, namespace)
    described = {term for term in query.PV if isinstance(term, URIRef)}
    if query.p is not None:
        for solution in evaluate.evalPart(ctx, query.p):
            for term in solution.values():
                if term not in described:
                    charge(ROW_BYTES + len(term))
                    described.add(term)
    for resource in described:
        ctx.graph.cbd(resource, target_graph=graph)
    return {"type_": "DESCRIBE", "graph": graph}


_REPLACED = {
    "evalOrderBy": eval_order_by,
    "evalDistinct": eval_distinct,
    "evalJoin": eval_join,
    "evalMinus": eval_minus,
    "evalUnion": eval_union,
    "evalAggregateJoin": eval_aggregate_join,
    "evalConstructQuery": eval_construct,
    "evalDescribeQuery": eval_describe,
}


def install() -> None:
    """Put the bounded operators in place of rdflib's (idempotent)."""
    for name, function in _REPLACED.items():
        setattr(evaluate, name, function)


def installed() -> bool:
    """Whether rdflib evaluates these operators through this module."""
    return all(getattr(evaluate, name) is function for name, function in _REPLACED.items())
