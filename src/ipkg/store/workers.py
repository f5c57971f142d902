"""Queries in worker processes: the only way to really stop a query Oxigraph is running.

pyoxigraph evaluates a query in Rust with no time limit and no way to cancel
it from Python. Each query therefore runs in a worker process holding a
read-only view of a checkpoint of the store (an immutable copy made of hard
links at each commit: a read-only view of the live database would break when
the writer compacts files away under it); at the deadline the worker is killed
(the query stops, its memory is returned) and a fresh one takes its place, so
a runaway query answers 503 while the others keep being served. Workers also
run under a memory limit (``RLIMIT_DATA``): a query that blows it kills only
its worker. Results are written by Oxigraph's own serialisers in the worker.

The worker side imports nothing but pyoxigraph, so workers start quickly.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import resource
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from ipkg.errors import (
    QueryEvaluationError,
    QueryResourceLimit,
    QuerySyntaxError,
    QueryTimeout,
    RemoteServiceError,
    ResultTooLarge,
)

log = logging.getLogger("ipkg.store")

_BOOLEAN_LINES = {
    "csv": {True: b"true\r\n", False: b"false\r\n"},
    "tsv": {True: b"?_askResult\ntrue\n", False: b"?_askResult\nfalse\n"},
}
_STALE_FILES = re.compile(r"No such file or directory|Corruption", re.IGNORECASE)
"""What RocksDB says when a read-only view outlived files that were removed."""
_QUOTED_CSV_FIELD = re.compile(rb'"[^"]*(?:""[^"]*)*"')
"""A quoted CSV field: a value with a comma, a quote or a line break in it, blank lines included."""
_EMPTY_CSV_ROW = re.compile(_QUOTED_CSV_FIELD.pattern + rb"|(?<=\r\n)(?=\r\n)")
"""A quoted field (matched to be skipped whole) or the place of an empty line outside one."""

READY = "ready"
"""A new worker's first message: it is loaded and waits for jobs."""

WORKER_WAIT = 30.0
"""Longest a query waits for a free worker (queueing is not evaluation: the time limit starts when it is sent)."""

MIN_ROW_BYTES = {"json": 2, "xml": 9, "csv": 2, "tsv": 1}
"""Fewest bytes a result row takes in each format: below ``max_rows`` × this, no row count is needed."""


@dataclass(frozen=True)
class QueryJob:
    """One query for a worker, with everything it needs (picklable)."""

    snapshot: str
    """Directory of the read-only checkpoint to query (one per committed generation)."""
    query: str
    base: str | None
    prefixes: dict[str, str]
    union: bool
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    results_format: str
    """json, xml, csv or tsv for SELECT/ASK; graphs always come back as N-Triples."""
    max_rows: int | None
    max_bytes: int | None
    services: tuple[str, ...] = ()
    """SERVICE endpoints the query calls (allow-listed): an I/O failure then is theirs."""


@dataclass(frozen=True)
class QueryReply:
    """What a worker answers: the result kind and its serialisation."""

    kind: str
    """``solutions``, ``boolean`` or ``triples``."""
    body: bytes
    rows: int | None = None


# --------------------------------------------------------------------------- worker side


class _Budget:
    """A write target that refuses to grow past ``limit`` bytes (a result too large stops early)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.limit is not None and self.size > self.limit:
            raise _TooLarge
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """File-like protocol: nothing is buffered."""

    def value(self) -> bytes:
        return b"".join(self.parts)


class _TooLarge(Exception):
    pass


def worker_main(conn: Connection, memory_limit: int | None) -> None:
    """The worker loop: answer jobs on read-only views of their checkpoints until the parent closes the pipe."""
    import pyoxigraph as ox

    if memory_limit:
        resource.setrlimit(resource.RLIMIT_DATA, (memory_limit, memory_limit))
    store: Any = None
    opened = ""
    formats = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML}
    formats |= {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
    conn.send(READY)
    while True:
        try:
            job: QueryJob = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if store is None or job.snapshot != opened:
                store = ox.Store.read_only(job.snapshot)
                opened = job.snapshot
            try:
                reply = _run(ox, store, job, formats)
            except (RuntimeError, OSError) as exc:
                if not _STALE_FILES.search(str(exc)):
                    raise
                # The checkpoint went away under this view (it is pruned once newer ones exist): reopen.
                store = ox.Store.read_only(job.snapshot)
                reply = _run(ox, store, job, formats)
            conn.send(reply)
        except _TooLarge:
            conn.send(("too-large", job.max_bytes))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except MemoryError:
            conn.send(("memory", None))
        except OSError as exc:  # a SERVICE call that failed, or the store read under a compaction
            store = None
            conn.send(("io", str(exc)))
        except Exception as exc:  # noqa: BLE001 - every engine failure is reported to the parent, which maps it
            conn.send(("evaluation", f"{type(exc).__name__}: {exc}"))


def _run(ox: Any, store: Any, job: QueryJob, formats: dict[str, Any]) -> QueryReply:
    options: dict[str, Any] = {"base_iri": job.base, "prefixes": job.prefixes}
    if job.default_graphs is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    else:
        options["use_default_graph_as_union"] = job.union
    if job.named_graphs is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    result = store.query(job.query, **options)
    out = _Budget(job.max_bytes)
    if isinstance(result, ox.QueryBoolean):
        if job.results_format in _BOOLEAN_LINES:  # CSV/TSV define no ASK form: ipkg writes one line, as everywhere
            return QueryReply("boolean", _BOOLEAN_LINES[job.results_format][bool(result)])
        result.serialize(out, formats[job.results_format])
        return QueryReply("boolean", out.value())
    if isinstance(result, ox.QuerySolutions):
        result.serialize(out, formats[job.results_format])
        body = out.value()
        if job.results_format == "csv":
            body = _fill_empty_csv_rows(body)
        rows = None
        if job.max_rows is not None and len(body) > job.max_rows * MIN_ROW_BYTES[job.results_format]:
            rows = _count_rows(ox, body, job.results_format, formats)
        return QueryReply("solutions", body, rows)
    result.serialize(out, ox.RdfFormat.N_TRIPLES)
    body = out.value()
    return QueryReply("triples", body, body.count(b"\n"))


def _fill_empty_csv_rows(body: bytes) -> bytes:
    """Write a solution binding nothing as one empty field (``""``), as ipkg's own CSV writer does.

    Oxigraph writes it as an empty line, which CSV readers skip, so the solution would be lost. Only a
    result of one variable has such lines (an empty row of two is ``,``), and a result of none has no
    field to fill. A quoted value may hold a blank line of its own: quoted fields are skipped whole.
    """
    header = body.partition(b"\r\n")[0]
    if not header or b"," in header:
        return body
    return _EMPTY_CSV_ROW.sub(lambda match: match.group() or b'""', body)


def _count_rows(ox: Any, body: bytes, fmt: str, formats: dict[str, Any]) -> int:
    """Solutions in a serialised result; CSV is counted by its record ends, as Oxigraph refuses to read CSV back."""
    if fmt == "csv":
        return _QUOTED_CSV_FIELD.sub(b"", body).count(b"\r\n") - 1  # the header is a record too
    return sum(1 for _ in ox.parse_query_results(body, formats[fmt]))


# --------------------------------------------------------------------------- parent side


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    started: float = field(default_factory=time.monotonic)


class WorkerPool:
    """A fixed number of query workers over one on-disk store.

    ``run`` takes an idle worker (waiting for one counts against the query's
    time limit), sends the job and waits for the answer until the deadline.
    """

    def __init__(self, *, size: int, memory_limit: int | None) -> None:
        self._memory_limit = memory_limit
        self._size = max(1, size)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._live: set[_Worker] = set()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        # Workers die with the pool (and at exit), never left running behind a forgotten store.
        self._finalizer = weakref.finalize(self, _stop_all, self._live)

    def _start(self) -> _Worker:
        """A worker is a program of its own (``python -m ipkg.store.workers``), whatever the parent's main module."""
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        command = [sys.executable, "-m", "ipkg.store.workers", str(to_child_r), str(from_child_w)]
        command.append(str(self._memory_limit or 0))
        # S603: the command is this interpreter running ipkg's own worker module
        process = subprocess.Popen(command, pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL)  # noqa: S603
        os.close(to_child_r)
        os.close(from_child_w)
        worker = _Worker(process, _Duplex(from_child_r, to_child_w))
        self._live.add(worker)
        return worker

    def _ensure_started(self) -> None:
        with self._lock:
            if self._started or self._closed:
                return
            self._started = True
        for _ in range(self._size):
            self._spawn()

    def start(self) -> None:
        """Start the workers now (in the background) rather than at the first query."""
        self._ensure_started()

    def _spawn(self) -> None:
        """Start a worker; it joins the idle ones once it says it is ready (in a thread: the caller goes on)."""

        def start() -> None:
            if self._closed:
                return
            worker = self._start()
            try:
                ready = worker.conn.poll(WORKER_WAIT) and worker.conn.recv() == READY
            except (EOFError, OSError, ValueError):  # the pool closed the pipe meanwhile, or the worker died
                ready = False
            if ready and not self._closed:
                self._idle.put(worker)
                return
            if not self._closed:
                log.error("a query worker did not start (exit code %s)", worker.process.poll())
            _stop(worker)
            self._live.discard(worker)

        threading.Thread(target=start, name="ipkg-worker-start", daemon=True).start()

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start its successor in the background (the caller answers at once)."""
        _stop(worker)
        self._live.discard(worker)
        self._spawn()

    def run(self, job: QueryJob, timeout: float | None) -> QueryReply:
        """Evaluate ``job`` in a worker within ``timeout`` seconds.

        Raises:
            QueryTimeout: no answer by the deadline (the worker is killed).
            QueryResourceLimit: the worker died, e.g. past its memory limit.
            QuerySyntaxError, QueryEvaluationError, ResultTooLarge: as the engine reported.
        """
        self._ensure_started()
        try:
            worker = self._idle.get(timeout=max(timeout or 0, WORKER_WAIT))
        except queue.Empty:
            raise QueryResourceLimit(None, busy=True) from None
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            worker.conn.send(job)
            left = None if deadline is None else max(deadline - time.monotonic(), 0)
            if not worker.conn.poll(left):
                log.warning("query stopped at its time limit; restarting its worker")
                self._replace(worker)
                raise QueryTimeout(timeout or 0)
            reply = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise QueryResourceLimit(self._memory_limit) from None
        self._idle.put(worker)
        return _reply_or_raise(reply, job)

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        self._finalizer()


def _stop(worker: _Worker) -> None:
    worker.conn.close()
    worker.process.kill()
    worker.process.wait(5)


def _stop_all(live: set[_Worker]) -> None:
    for worker in list(live):
        _stop(worker)
    live.clear()


class _Duplex(Connection):
    """A connection reading one pipe and writing another (the worker's two ends of stdin-like pipes)."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        super().__init__(read_fd)
        self._writer = Connection(write_fd)

    def send(self, obj: Any) -> None:
        self._writer.send(obj)

    def close(self) -> None:
        super().close()
        self._writer.close()


def _reply_or_raise(reply: Any, job: QueryJob) -> QueryReply:
    if isinstance(reply, QueryReply):
        if job.max_rows is not None and reply.rows is not None and reply.rows > job.max_rows:
            raise ResultTooLarge(job.max_rows)
        return reply
    kind, detail = reply
    if kind == "too-large":
        error = ResultTooLarge(job.max_rows or 0)
        error.hint = f"the serialised result passed {detail} bytes; add a LIMIT (or paginate with LIMIT/OFFSET)"
        raise error
    if kind == "syntax":
        raise QuerySyntaxError(str(detail))
    if kind == "memory":
        raise QueryResourceLimit(None)
    if kind == "io" and job.services:
        raise RemoteServiceError(job.services[0], f"failed: {detail}")
    raise QueryEvaluationError(f"the query could not be evaluated: {detail}")


if __name__ == "__main__":  # the worker program; through the module's own names, so replies unpickle
    from ipkg.store import workers

    workers.worker_main(workers._Duplex(int(sys.argv[1]), int(sys.argv[2])), int(sys.argv[3]) or None)
