"""A small, bounded HTTP load generator: threads, one keep-alive ``http.client`` connection each.

Every peer is measured with this same client. A cell sends at most
``max_requests`` requests and runs at most ``max_seconds`` (each request also
has a socket timeout), and only to the loopback address it is given.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class CellResult:
    """Latencies (seconds) of the requests that answered 200, and what went wrong."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    first_error: str = ""

    @property
    def ok(self) -> int:
        return len(self.latencies)

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile in milliseconds (NaN without data)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1] * 1000

    @property
    def throughput(self) -> float:
        """Answered requests per second over the cell's wall time."""
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0


def query_path(path: str, query: str) -> str:
    """``path?query=…`` (SPARQL 1.1 Protocol, query via GET)."""
    return f"{path}?{urlencode({'query': query})}"


def run_cell(
    host: str,
    port: int,
    target: str,
    *,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> CellResult:
    """GET ``target`` from ``concurrency`` threads until ``max_requests`` are sent or ``max_seconds`` pass."""
    if host not in LOOPBACK:
        raise ValueError(f"the load generator only targets the loopback address, not {host!r}")
    headers = {"Accept": "application/sparql-results+json", **(headers or {})}
    result = CellResult()
    lock = threading.Lock()
    budget = [max_requests]
    start_gate = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def take() -> bool:
        with lock:
            if budget[0] <= 0 or time.perf_counter() >= deadline[0]:
                return False
            budget[0] -= 1
            return True

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        mine: list[float] = []
        errors = 0
        first_error = ""
        start_gate.wait()
        while take():
            began = time.perf_counter()
            try:
                conn.request("GET", target, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    mine.append(time.perf_counter() - began)
                else:
                    errors += 1
                    first_error = first_error or f"HTTP {response.status}"
            except (OSError, http.client.HTTPException) as exc:
                errors += 1
                first_error = first_error or f"{type(exc).__name__}: {exc}"
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.close()
        with lock:
            result.latencies.extend(mine)
            result.errors += errors
            result.first_error = result.first_error or first_error

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + max_seconds
    start_gate.wait()
    for thread in threads:
        thread.join(timeout=max_seconds + timeout + 5)
    result.elapsed = time.perf_counter() - began
    return result


def median(values: list[float]) -> float:
    """The median of the finite values (NaN when there are none)."""
    finite = [v for v in values if v == v]
    return statistics.median(finite) if finite else float("nan")
