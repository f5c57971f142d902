"""Per-query bounds on what rdflib's evaluation may hold and produce, checked where solutions are made.

rdflib evaluates SPARQL in pure Python, and some queries never read the store
(``VALUES`` cross products, nested ``CONCAT``), so the deadline that
``DeadlineMemory.triples`` checks is not enough. ``install`` (called by
``ipkg.sparql.engine.install``, never at import) hooks rdflib in three places:

- **solutions**: every solution mapping rdflib creates (``FrozenDict.__init__``)
  and every compatibility test of a join (``FrozenDict.compatible``) counts a
  tick; every ``CHECK_EVERY`` ticks the thread's deadline is checked, so a query
  stops within moments of its limit whatever it does;
- **expressions** (``Expr.eval``): a tick per evaluation; an exception a function
  raises on a bad value (``YEAR("x"^^xsd:dateTime)``, an overflow) is an
  expression error (SPARQL 1.1 §17.3: the value is unbound, the FILTER false), not
  a crash; a string longer than ``max_literal_length`` is an expression error too,
  and ``CONCAT`` checks the length before it joins; the context an expression is
  evaluated in is kept per thread (rdflib keeps it on the shared query object, so
  two threads evaluating one prepared query read each other's variables);
- **materialisation** (``ipkg.sparql.evaluation``): ORDER BY, DISTINCT, GROUP BY,
  joins, MINUS and CONSTRUCT charge the solutions they keep to the query's memory
  budget (``max_query_memory``, estimated bytes); past it the query stops with
  ``QueryMemoryExceeded`` (HTTP 503 naming the setting).

``evaluation_limits`` sets the bounds for the queries evaluated in this thread;
without it (the build, pySHACL) nothing is bounded but what the deadline says.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rdflib.plugins.sparql import operators
from rdflib.plugins.sparql.parserutils import Expr
from rdflib.plugins.sparql.sparql import FrozenDict, SPARQLError
from rdflib.term import Literal

from ipkg.config import Settings
from ipkg.errors import QueryMemoryExceeded
from ipkg.sparql.deadline import check_deadline, deadline

CHECK_EVERY = 512
"""Ticks (solutions made, join tests, expression evaluations) between two deadline checks."""

ROW_BYTES = 120
"""Estimated bytes of one binding of a solution kept in memory (measured: about 800 bytes for six)."""

EXPRESSION_ERRORS: tuple[type[BaseException], ...] = (
    ArithmeticError,
    AttributeError,
    LookupError,
    RecursionError,
    TypeError,
    ValueError,
)
"""What a SPARQL function raises on a value it cannot handle; each is an expression error (§17.3).
RecursionError too: rdflib's arithmetic on ill-typed literals recurses without end."""


@dataclass(frozen=True)
class QueryLimits:
    """The bounds of one query's evaluation (from the settings of the same names)."""

    max_query_memory: int = 256 * 1024 * 1024
    """Estimated bytes of solutions a query may hold at once (ORDER BY, DISTINCT, GROUP BY, joins, CONSTRUCT)."""
    max_literal_length: int = 1024 * 1024
    """Longest string (in characters) a function may produce; a longer one is an expression error."""


def limits_from(settings: Settings) -> QueryLimits:
    """The query limits the settings give."""
    return QueryLimits(max_query_memory=settings.max_query_memory, max_literal_length=settings.max_literal_length)


class _Budget:
    """What the current query holds, against its limits."""

    __slots__ = ("held", "limits")

    def __init__(self, limits: QueryLimits) -> None:
        self.limits = limits
        self.held = 0


_local = threading.local()
_ticks = 0


@contextmanager
def evaluation_limits(timeout: float | None, limits: QueryLimits | None) -> Iterator[None]:
    """Evaluate the block's queries (in this thread) within ``timeout`` seconds and ``limits``."""
    previous = getattr(_local, "budget", None)
    _local.budget = None if limits is None else _Budget(limits)
    try:
        with deadline(timeout):
            yield
    finally:
        _local.budget = previous


def _budget() -> _Budget | None:
    budget: _Budget | None = getattr(_local, "budget", None)
    return budget


def literal_limit() -> int | None:
    """The longest string the current query's functions may produce (None: unbounded)."""
    budget = _budget()
    return None if budget is None else budget.limits.max_literal_length


def tick() -> None:
    """Count one unit of evaluation work; every ``CHECK_EVERY`` units, check the deadline."""
    global _ticks
    _ticks += 1
    if not _ticks % CHECK_EVERY:
        check_deadline()


def row_bytes(row: Mapping[Any, Any]) -> int:
    """Estimated bytes a kept solution costs: its bindings and the text of its literals."""
    return ROW_BYTES * (len(row) + 1) + sum(len(v) for v in row.values() if isinstance(v, Literal))


def charge(size: int) -> None:
    """Add ``size`` estimated bytes to what the current query holds.

    Raises:
        QueryMemoryExceeded: past the query's ``max_query_memory``.
    """
    budget = _budget()
    if budget is None:
        return
    budget.held += size
    if budget.held > budget.limits.max_query_memory:
        raise QueryMemoryExceeded(budget.limits.max_query_memory)


def release(size: int) -> None:
    """Give back ``size`` estimated bytes (a kept collection was freed)."""
    budget = _budget()
    if budget is not None:
        budget.held = max(0, budget.held - size)


# --------------------------------------------------------------------------- the hooks


class _Contexts(threading.local):
    """The context each expression is being evaluated in, per thread (rdflib keeps one on the shared object)."""

    def __init__(self) -> None:
        self.by_expression: dict[int, Any] = {}


_contexts = _Contexts()


def _expression_context(self: Expr) -> Any:
    return _contexts.by_expression.get(id(self))


def _set_expression_context(self: Expr, value: Any) -> None:
    if value is None:
        _contexts.by_expression.pop(id(self), None)
    else:
        _contexts.by_expression[id(self)] = value


def _eval(self: Expr, ctx: Any = {}) -> Any:  # noqa: B006 - rdflib's signature
    """``Expr.eval``: rdflib's, plus a tick, thread-local context, expression errors and the length bound."""
    tick()
    contexts = _contexts.by_expression
    key = id(self)
    previous = contexts.get(key)
    contexts[key] = ctx
    try:
        function = getattr(self._evalfn, "__func__", None)
        result = _concat(self) if function is _CONCAT else self._evalfn(ctx)  # type: ignore[misc]
    except SPARQLError as error:
        return error
    except EXPRESSION_ERRORS as error:
        return SPARQLError(f"{self.name}: {type(error).__name__}: {error}"[:300])
    finally:
        if previous is None:
            contexts.pop(key, None)
        else:
            contexts[key] = previous
    if isinstance(result, Literal):
        limit = literal_limit()
        if limit is not None and len(result) > limit:
            return SPARQLError(f"{self.name}: a string longer than {limit} characters (max_literal_length)")
    return result


def _concat(expr: Expr) -> Literal:
    """CONCAT (§17.4.3.12) evaluating its arguments once (rdflib does it three times) and bounded in length."""
    given = expr.arg
    args = given if isinstance(given, list) else [] if given is None else [given]
    limit = literal_limit()
    if limit is not None and sum(len(a) for a in args if isinstance(a, str)) > limit:
        raise SPARQLError(f"CONCAT: a string longer than {limit} characters (max_literal_length)")
    strings = [operators.string(a) for a in args]
    datatypes = {a.datatype for a in strings}
    languages = {a.language for a in strings}
    datatype = datatypes.pop() if len(datatypes) == 1 else None
    language = languages.pop() if len(languages) == 1 else None
    return Literal("".join(strings), datatype=datatype, lang=language)


_CONCAT = operators.Builtin_CONCAT


def _frozen_init(self: FrozenDict, *args: Any, **kwargs: Any) -> None:
    """``FrozenDict.__init__`` (every solution rdflib makes), plus a tick."""
    self._d = dict(*args, **kwargs)
    self._hash = None
    tick()


def _compatible(self: FrozenDict, other: Mapping[Any, Any]) -> bool:
    """``FrozenDict.compatible`` (the inner loop of joins and MINUS), plus a tick."""
    tick()
    for key in self:
        try:
            if self[key] != other[key]:
                return False
        except KeyError:
            pass
    return True


def install() -> None:
    """Hook solution creation, join tests and expression evaluation (idempotent)."""
    FrozenDict.__init__ = _frozen_init  # type: ignore[method-assign]
    FrozenDict.compatible = _compatible  # type: ignore[method-assign]
    Expr.eval = _eval  # type: ignore[method-assign]
    Expr.ctx = property(_expression_context, _set_expression_context)  # type: ignore[assignment]


def installed() -> bool:
    """Whether the hooks are in place."""
    return FrozenDict.__init__ is _frozen_init and Expr.eval is _eval
