"""A real ``ipkg serve`` in a child process, on 127.0.0.1 only, and the means to probe it.

- ``Server`` starts ``python -m ipkg serve`` on a small scratch project with the
  settings given (``IPKG_*`` variables; the store backend is the configured one,
  ``IPKG_STORE``, unless a scenario names it), waits for ``/health``, and can be
  killed (``SIGKILL``) and started again on the same state directory.
- ``ProcessMemory`` samples the resident memory of the server and its children
  (Oxigraph's query workers) in a thread, for the peak under bombs.
- ``call`` sends one request from a chosen loopback source address (127.0.0.1,
  127.0.0.2 …): the server's per-client limits count each address apart, as they
  would real clients.

Every loop that uses these is bounded in count and time; nothing leaves the loopback interface.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support import REPO, SCRATCH_TOKEN, example_data, scratch_project

AUTH = {"Authorization": f"Bearer {SCRATCH_TOKEN}"}
ATTACKER = "127.0.0.1"
"""The source address of hostile traffic."""
BYSTANDER = "127.0.0.2"
"""The source address of the cheap queries that must keep being answered meanwhile."""

DATA = example_data(
    """\
ipkg:belarus a ipkgo:State ;
    rdfs:label "Belarus"@en ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:wipo a ipkgo:SpecializedAgency ;
    rdfs:label "World Intellectual Property Organization"@en ;
    prov:wasDerivedFrom src:example-page-p1-s1 .
""",
    quote="The Republic of Belarus has been a member of WIPO since 1991.",
)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    base: str,
    method: str,
    path: str,
    *,
    body: bytes | str | None = None,
    headers: Mapping[str, str] | None = None,
    source: str = BYSTANDER,
    timeout: float = 60.0,
) -> Reply:
    """One HTTP/1.1 request from ``source`` (a loopback address); a refused or dropped connection is status 0."""
    parts = urllib.parse.urlsplit(base)
    assert parts.hostname in ("127.0.0.1", "localhost"), "loopback only"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout, source_address=(source, 0))
    data = body.encode("utf-8") if isinstance(body, str) else body
    started = time.monotonic()
    try:
        connection.request(method, path, body=data, headers=dict(headers or {}))
        response = connection.getresponse()
        payload = response.read()
        return Reply(response.status, dict(response.getheaders()), payload, time.monotonic() - started)
    except (OSError, http.client.HTTPException):
        return Reply(0, {}, b"", time.monotonic() - started)
    finally:
        connection.close()


def update(base: str, text: str, *, source: str = BYSTANDER, timeout: float = 60.0) -> Reply:
    """One SPARQL update with the scratch token, as every writing scenario sends it."""
    headers = {**AUTH, "Content-Type": "application/sparql-update"}
    return call(base, "POST", "/sparql", body=text, headers=headers, source=source, timeout=timeout)


def query_path(query: str, **params: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, **params})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_project(folder: Path) -> Path:
    """A scratch project (the repository's ontology and shapes, two resources) under ``folder``."""
    root = folder / "project"
    if not root.exists():
        scratch_project(root, data={"tiny.ttl": DATA})
    return root


@dataclass
class Server:
    """``ipkg serve`` in a child process; ``start()`` waits for ``/health``."""

    folder: Path
    settings: dict[str, str] = field(default_factory=dict)
    backend: str | None = None
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def state_dir(self) -> Path:
        return self.folder / "var"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("IPKG_") or k == "IPKG_STORE"}
        env.update(
            {
                "IPKG_ROOT": str(make_project(self.folder)),
                "IPKG_STATE_DIR": str(self.state_dir),
                "IPKG_HOST": "127.0.0.1",
                "IPKG_PORT": str(self.port),
                "IPKG_UPDATE_TOKEN": SCRATCH_TOKEN,
                "IPKG_LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(REPO / "src"),
            }
        )
        if self.backend:
            env["IPKG_STORE"] = self.backend
        env.update(self.settings)
        return env

    def start(self, *, within: float = 120.0) -> Server:
        self.port = self.port or free_port()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = self.folder / f"server-{int(time.time() * 1000)}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "ipkg", "serve"],
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
            )
        stop = time.monotonic() + within
        while time.monotonic() < stop:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.output()[-3000:]}")
            if call(self.url, "GET", "/health", timeout=2).status == 200:
                return self
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"the server did not answer /health within {within} s:\n{self.output()[-3000:]}")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the server and its query workers: no clean-up runs."""
        if self.process is None:
            return
        for pid in [*descendants(self.process.pid), self.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def descendants(pid: int) -> list[int]:
    """The process's children, grandchildren …"""
    found: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found.extend(children)
            stack.extend(children)
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of the process and its descendants."""
    total = 0
    for member in [pid, *descendants(pid)]:
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class ProcessMemory:
    """Samples ``tree_rss`` every ``every`` seconds in a thread; ``peak`` is the largest seen."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        self.pid = pid
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self._stop.wait(self.every)

    def __enter__(self) -> ProcessMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class CheapQueries:
    """A bystander asking a cheap query every ``every`` seconds (in a thread) while something else runs."""

    QUERY = "ASK { ipkg:belarus ?p ?o }"

    def __init__(self, base: str, every: float = 0.25, source: str = BYSTANDER) -> None:
        self.base = base
        self.every = every
        self.source = source
        self.replies: list[Reply] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.replies.append(call(self.base, "GET", query_path(self.QUERY), source=self.source, timeout=30))
            self._stop.wait(self.every)

    def __enter__(self) -> CheapQueries:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=40)

    def latencies(self) -> list[float]:
        return [r.seconds if r.status == 200 else float("inf") for r in self.replies]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@contextmanager
def read_only(path: Path) -> Iterator[bool]:
    """Make ``path`` (a file or folder) unwritable for the block, also for root; yields whether that worked.

    Not root: permission bits. Root ignores those, so the immutable attribute is used (``chattr +i``).
    """
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(mode & 0o555)
        try:
            yield True
        finally:
            path.chmod(mode)
        return
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode == 0  # noqa: S607
    try:
        yield done
    finally:
        if done:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)  # noqa: S607
