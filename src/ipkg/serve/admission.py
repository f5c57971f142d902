"""Who may take a worker thread, and for how long: per-client limits and the bounded write queue.

The server has a few worker threads; a request holds one until it is
answered. Two rules keep them for the many:

- **per client** (``ClientLimiter``): one client address may have at most
  ``client_concurrency`` requests in progress, and (with ``client_rate``) send
  on average that many per second; past either it is answered 429 with
  ``Retry-After`` at once, before any work;
- **writes** (``WriteGate``): one write is applied at a time, and at most
  ``max_pending_writes`` more may wait for it; past that a write is answered
  503 with ``Retry-After`` at once instead of holding a thread that readers
  need. Readers never wait for writes: they read the last published snapshot.

Both are plain objects with a lock, independent of the store behind them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ipkg.errors import Busy, TooManyRequests


@dataclass
class _Client:
    active: int = 0
    tokens: float = 0.0
    updated: float = 0.0


class ClientLimiter:
    """Requests in progress and the request rate, per client address."""

    def __init__(self, concurrency: int, rate: int) -> None:
        self.concurrency = concurrency
        self.rate = rate
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()

    def enter(self, client: str) -> None:
        """Admit one request of ``client``, or refuse it.

        Raises:
            TooManyRequests: the client has ``concurrency`` requests in progress, or is over its rate.
        """
        now = time.monotonic()
        with self._lock:
            state = self._clients.get(client)
            if state is None:
                state = self._clients[client] = _Client(tokens=2.0 * self.rate, updated=now)
            if state.active >= self.concurrency:
                raise TooManyRequests(
                    f"this client already has {state.active} requests in progress; at most {self.concurrency} are "
                    "served at once (client_concurrency)",
                    retry_after=1,
                    setting="client_concurrency",
                )
            if self.rate:
                state.tokens = min(2.0 * self.rate, state.tokens + (now - state.updated) * self.rate)
                state.updated = now
                if state.tokens < 1.0:
                    wait = max(1, math.ceil((1.0 - state.tokens) / self.rate))
                    raise TooManyRequests(
                        f"this client sends more than {self.rate} requests per second (client_rate)",
                        retry_after=wait,
                        setting="client_rate",
                    )
                state.tokens -= 1.0
            state.active += 1

    def leave(self, client: str) -> None:
        """One request of ``client`` is answered."""
        with self._lock:
            state = self._clients.get(client)
            if state is None:
                return
            state.active = max(0, state.active - 1)
            full = not self.rate or state.tokens + (time.monotonic() - state.updated) * self.rate >= 2.0 * self.rate
            if not state.active and full:
                del self._clients[client]  # nothing to remember: the table holds only busy clients

    def active(self, client: str) -> int:
        """Requests of ``client`` in progress."""
        with self._lock:
            state = self._clients.get(client)
            return 0 if state is None else state.active


class WriteGate:
    """One write at a time, at most ``pending`` more waiting; the rest are turned away at once."""

    def __init__(self, pending: int) -> None:
        self.pending = pending
        self._admitted = 0
        self._lock = threading.Lock()
        self._seconds = 1.0
        """A moving average of how long a write takes, for ``Retry-After``."""

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Hold a place in the write queue for the block.

        Raises:
            Busy: a write is being applied and ``pending`` more are waiting.
        """
        with self._lock:
            if self._admitted > self.pending:
                ahead = self._admitted
                raise Busy(
                    f"the server is applying a write and {ahead - 1} more are waiting; "
                    f"at most {self.pending} may wait (max_pending_writes)",
                    retry_after=max(1, math.ceil(self._seconds * ahead)),
                    setting="max_pending_writes",
                )
            self._admitted += 1
        started = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self._admitted -= 1
                self._seconds = 0.7 * self._seconds + 0.3 * (time.monotonic() - started)


__all__ = ["ClientLimiter", "WriteGate"]
