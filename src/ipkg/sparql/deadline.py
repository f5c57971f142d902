"""Cooperative query cancellation: a deadline that rdflib's evaluation runs into.

rdflib evaluates SPARQL in pure Python by pulling triples from its store, so a
store whose ``triples`` checks a per-thread deadline stops any query, however
it is written, within a few thousand matched triples of the limit. The query
raises ``QueryTimeout`` in its own thread; other requests are not affected.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rdflib.plugins.stores.memory import Memory

from ipkg.errors import QueryTimeout

_local = threading.local()
CHECK_EVERY = 256
"""Triples yielded between two clock reads (a clock read costs about as much as a match)."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Run the block with a time limit for queries evaluated in this thread."""
    previous = getattr(_local, "limit", None)
    _local.limit = None if seconds is None else (time.monotonic() + seconds, seconds)
    try:
        yield
    finally:
        _local.limit = previous


def remaining() -> float | None:
    """Seconds left before this thread's deadline (0 once it has passed), or None without a deadline."""
    limit = getattr(_local, "limit", None)
    return None if limit is None else max(0.0, limit[0] - time.monotonic())


def check_deadline() -> None:
    """Raise QueryTimeout if this thread's deadline has passed."""
    limit = getattr(_local, "limit", None)
    if limit is not None and time.monotonic() > limit[0]:
        raise QueryTimeout(limit[1])


class DeadlineMemory(Memory):
    """rdflib's in-memory store, checking the thread's deadline while it yields and while it takes triples."""

    _added = 0

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        """Add a triple; every ``CHECK_EVERY`` additions, check the deadline (a parse or a CONSTRUCT stops with it)."""
        self._added += 1
        if not self._added % CHECK_EVERY:
            check_deadline()
        super().add(triple, context, quoted)

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[Any]:  # type: ignore[override]
        check_deadline()
        for count, item in enumerate(super().triples(triple_pattern, context), start=1):
            if count % CHECK_EVERY == 0:
                check_deadline()
            yield item
