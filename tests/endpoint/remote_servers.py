"""Real SPARQL servers for the remote store's contract tests: ``oxigraph serve`` and Virtuoso, on loopback only.

Each server is started by the first test that needs it (``remote_server``), once per
session, with a scratch database in a temporary folder and on a free port of
127.0.0.1, and stopped when the session ends (terminate, then kill). Nothing is
installed here: ``oxigraph`` comes from the ``oxigraph`` PyPI package (the dev
extra), ``virtuoso-t`` from Debian's ``virtuoso-opensource-7-bin`` (``make test``
installs it with apt-get when it is missing). A server that is not installed
skips its tests, unless ``IPKG_REQUIRE_REMOTE=1`` (CI sets it in ``.ci/run``),
which makes that a failure; a server that is installed but does not start is
always a failure.

How each is driven (what ``RemoteStore`` is given):

- ``oxigraph serve``: query ``/query``, update ``/update``, no Graph Store URL, so
  loads are chunked INSERT DATA and snapshot reads are paged SELECTs.
- Virtuoso 7: query ``/sparql`` (anonymous, read-only), update ``/sparql-auth`` and
  Graph Store ``/sparql-graph-crud-auth`` with HTTP Digest auth as ``dba`` (the
  scratch database's default password), so loads and whole-graph reads use the
  Graph Store and credentials are exercised. The anonymous ``SPARQL`` user is
  granted SERVICE calls (``SPARQL_LOAD_SERVICE_DATA``, ``SPARQL_SPONGE``, with
  ``isql-vt``) and nothing else: anonymous updates stay refused, as on a default
  installation.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from ipkg.store.remote import RemoteEndpoint

REQUIRE_REMOTE = os.environ.get("IPKG_REQUIRE_REMOTE", "") not in ("", "0")
"""Whether a remote server that is not installed is a failure (CI) rather than a skip."""

SERVERS = ("oxigraph", "virtuoso")
"""The remote servers the contract tests run against."""

START_TIMEOUT = 60.0

SERVER_MEMORY = 4 * 1024 * 1024 * 1024
"""Bytes of data a server process may allocate (RLIMIT_DATA). ``oxigraph serve`` has no per-query memory bound:
without this, one hostile query of the suite (a cross product, a string doubled 28 times) takes every byte of the
machine before its time limit. Past it the server dies, and ``RemoteServerPool`` starts a new one for later tests."""

OXIGRAPH_TIMEOUT = 10
"""``oxigraph serve --timeout-s``: it takes no time limit per query, so the server stops what ipkg gave up on."""

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
ServerThreads = 10
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = {dir}
MaxQueryMem = 256M

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 10
MaxClientConnections = 10
KeepAliveTimeout = 10
MaxKeepAlives = 10
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 60
"""
"""A scratch Virtuoso: both ports on 127.0.0.1 only, no Unix socket, everything under one temporary folder."""


class ServerMissing(Exception):
    """The server's program is not installed."""


@dataclass
class RemoteServer:
    """A running server: what ``RemoteStore`` needs to reach it, and its process."""

    name: str
    endpoint: RemoteEndpoint
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """Terminate the server (kill it if it does not stop in 20 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(query_url: str) -> bool:
    data = urllib.parse.urlencode({"query": "ASK {}"}).encode()
    request = urllib.request.Request(query_url, data=data, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own loopback server
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _wait(server: RemoteServer) -> RemoteServer:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        if _answers(server.endpoint.query_url):
            return server
        time.sleep(0.2)
    server.stop()
    tail = server.log.read_text(encoding="utf-8", errors="replace")[-2000:] if server.log.exists() else ""
    raise RuntimeError(f"{server.name} did not start on {server.endpoint.query_url}:\n{tail}")


def _memory_limit() -> None:
    resource.setrlimit(resource.RLIMIT_DATA, (SERVER_MEMORY, SERVER_MEMORY))


def _oxigraph_program() -> str:
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise ServerMissing("`oxigraph` is not installed (pip install oxigraph: the dev extra has it)")
    return found


def start_oxigraph(directory: Path) -> RemoteServer:
    """``oxigraph serve`` on a scratch database in ``directory``."""
    program = _oxigraph_program()
    port = free_port()
    log = directory / "oxigraph.log"
    command = [program, "serve", "--location", str(directory / "data"), "--bind", f"127.0.0.1:{port}"]
    command += ["--timeout-s", str(OXIGRAPH_TIMEOUT)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_memory_limit
        )
    url = f"http://127.0.0.1:{port}"
    endpoint = RemoteEndpoint(query_url=f"{url}/query", update_url=f"{url}/update", dialect="auto")
    return _wait(RemoteServer("oxigraph serve", endpoint, process, log))


def start_virtuoso(directory: Path) -> RemoteServer:
    """Virtuoso 7 (``virtuoso-t +foreground``) on a scratch database in ``directory``."""
    program = shutil.which("virtuoso-t")
    if not program:
        raise ServerMissing("`virtuoso-t` is not installed (Debian: apt-get install virtuoso-opensource-7-bin)")
    http_port, sql_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=directory, http_port=http_port, sql_port=sql_port), encoding="utf-8")
    log = directory / "virtuoso.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [program, "-c", str(ini), "+foreground"],
            cwd=directory,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_memory_limit,
        )
    url = f"http://127.0.0.1:{http_port}"
    endpoint = RemoteEndpoint(
        query_url=f"{url}/sparql",
        update_url=f"{url}/sparql-auth",
        graph_store_url=f"{url}/sparql-graph-crud-auth",
        user="dba",
        password="dba",  # noqa: S106 - the scratch database's default, on loopback, for the life of the test session
        dialect="auto",
    )
    server = _wait(RemoteServer("Virtuoso", endpoint, process, log))
    isql = shutil.which("isql-vt")
    if isql:  # anonymous queries may call SERVICE (ipkg's allow-list is checked before anything is forwarded)
        grants = 'GRANT SPARQL_LOAD_SERVICE_DATA TO "SPARQL"; GRANT SPARQL_SPONGE TO "SPARQL";'
        try:
            subprocess.run(
                [isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={grants}"],
                check=True,
                capture_output=True,
                timeout=60,
                stdin=subprocess.DEVNULL,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as failed:
            server.stop()
            raise RuntimeError(f"Virtuoso did not take the SERVICE grants: {failed}") from failed
    return server


STARTERS = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}


class RemoteServerPool:
    """The session's servers, each started at its first ``get`` and all stopped by ``close``."""

    def __init__(self, folders: pytest.TempPathFactory) -> None:
        self._folders = folders
        self._servers: dict[str, RemoteServer] = {}
        self._problems: dict[str, tuple[bool, str]] = {}

    def get(self, name: str) -> RemoteServer:
        """The running server ``name``; skips (or fails, see the module docstring) when it cannot be had."""
        running = self._servers.get(name)
        if running is not None and running.process.poll() is not None:  # it died (a hostile test): a new one
            del self._servers[name]
        if name not in self._servers and name not in self._problems:
            try:
                self._servers[name] = STARTERS[name](self._folders.mktemp(f"remote-{name}"))
            except ServerMissing as missing:
                self._problems[name] = (True, str(missing))
            except RuntimeError as failed:
                self._problems[name] = (False, str(failed))
        if name in self._problems:
            missing, problem = self._problems[name]
            if missing and not REQUIRE_REMOTE:
                pytest.skip(problem)
            if missing:
                problem += "; IPKG_REQUIRE_REMOTE is set, so remote-store tests may not be skipped"
            pytest.fail(problem)
        return self._servers[name]

    def close(self) -> None:
        """Stop every server started."""
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
