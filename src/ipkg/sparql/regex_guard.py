"""SPARQL REGEX and REPLACE that cannot hang the server (SPARQL 1.1 §17.4.3.14, §17.4.3.15).

rdflib evaluates them with Python's ``re``, which holds the interpreter lock
and cannot be interrupted: one hostile pattern such as ``(a+)+$`` on a long
string would freeze every thread of the server. ``install`` points rdflib's
operators at the ``regex`` module instead, matching with a timeout equal to
what is left of the query's deadline (capped by ``MAX_SECONDS`` without one)
and releasing the lock while it matches; a match that runs out of time raises
``QueryTimeout`` like any other slow query.
"""

from __future__ import annotations

import re
import types
from typing import Any

import regex
from rdflib.plugins.sparql import operators
from rdflib.plugins.sparql.sparql import SPARQLError

from ipkg.errors import QueryTimeout
from ipkg.sparql.deadline import remaining
from ipkg.sparql.limits import literal_limit

MAX_SECONDS = 5.0
"""Longest a single regular-expression match may run when no query deadline is set."""


def _budget() -> float:
    left = remaining()
    return MAX_SECONDS if left is None else max(left, 0.001)


def _timed(call: Any, *args: Any, **kwargs: Any) -> Any:
    budget = _budget()
    try:
        return call(*args, timeout=budget, concurrent=True, **kwargs)
    except TimeoutError as exc:
        raise QueryTimeout(round(budget, 3)) from exc
    except (regex.error, IndexError) as exc:  # a bad pattern or group reference: an expression error (§17.3)
        raise SPARQLError(f"invalid regular expression: {exc}") from exc


def search(pattern: str, string: str, flags: int = 0) -> Any:
    """``re.search`` with a time limit."""
    return _timed(regex.search, pattern, string, flags=flags)


def sub(pattern: str, replacement: str, string: str, flags: int = 0) -> str:
    """``re.sub`` with a time limit, and an output no longer than the query's ``max_literal_length``.

    rdflib's REPLACE passes its flags as the fourth positional argument (which ``re.sub`` takes as
    ``count``), so here the fourth argument is the flags: ``REPLACE("ABA", "a", "x", "i")`` replaces
    every match, ignoring case. Each replacement is expanded and counted as it is made, so
    ``REPLACE(?long, "", ?long)`` stops at the bound instead of building a string of the square size.
    """
    limit = literal_limit()
    if limit is None:
        result: str = _timed(regex.sub, pattern, replacement, string, flags=flags)
        return result
    produced = 0

    def expand(match: Any) -> str:
        nonlocal produced
        piece: str = match.expand(replacement)
        produced += len(piece) + match.start() - match.end()
        if len(string) + produced > limit:
            raise SPARQLError(f"REPLACE: a string longer than {limit} characters (max_literal_length)")
        return piece

    result = _timed(regex.sub, pattern, expand, string, flags=flags)
    return result


class _TimedRe(types.ModuleType):
    """What rdflib's operators module sees as ``re``: ``re`` itself, but timed ``search`` and ``sub``."""

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)


def install() -> None:
    """Make rdflib's SPARQL operators match with time limits (idempotent)."""
    if isinstance(operators.re, _TimedRe):  # type: ignore[attr-defined]
        return
    shim = _TimedRe("re")
    shim.search = search  # type: ignore[attr-defined]
    shim.sub = sub  # type: ignore[attr-defined]
    operators.re = shim  # type: ignore[attr-defined]


def installed() -> bool:
    """Whether rdflib's operators match through this module."""
    return isinstance(operators.re, _TimedRe)  # type: ignore[attr-defined]
