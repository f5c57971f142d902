"""Fixtures for the endpoint tests: a tiny scratch project, an app over it, a test client, a live server.

The scratch project copies the repository's ontology and shapes and adds a
three-resource data file that satisfies them, so a build takes about a second
and updates (validate → reason) are quick. It is built once per session; each
test gets its own ``MemoryStore`` over that snapshot and its own ``state_dir``,
so a committed update in one test is never seen by another. Published
snapshots are never mutated by the store, and ``_snapshot_untouched`` checks
that after every test.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import waitress
from flask import Flask
from flask.testing import FlaskClient
from waitress import wasyncore

from ipkg.build import KnowledgeGraph, build
from ipkg.config import Settings
from ipkg.serve import create_app
from ipkg.store import JOURNAL_NAME, MemoryStore

REPO = Path(__file__).resolve().parents[2]
TOKEN = "s3cret"

TINY_DATA = """\
# Scratch data for the endpoint tests: two agents and a membership, each
# derived from one source sentence, so that every shape is satisfied.
@prefix ipkg: <https://w3id.org/ipkg/id/> .
@prefix ipkgo: <https://w3id.org/ipkg/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix src: <https://w3id.org/ipkg/id/source/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

src:example-page a ipkgo:Source ;
    rdfs:label "Example page on WIPO and Belarus"@en ;
    ipkgo:url "https://example.org/wipo-belarus"^^xsd:anyURI ;
    ipkgo:confidence "H" .

src:example-page-p1-s1 a ipkgo:Sentence ;
    rdfs:label "Example page, paragraph 1, sentence 1"@en ;
    ipkgo:quote "The Republic of Belarus has been a member of WIPO since 1991." ;
    ipkgo:paragraph 1 ;
    ipkgo:sentenceNumber 1 ;
    ipkgo:inSource src:example-page .

ipkg:belarus a ipkgo:State ;
    rdfs:label "Belarus"@en ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:wipo a ipkgo:SpecializedAgency ;
    rdfs:label "World Intellectual Property Organization"@en ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:belarus-membership-wipo a ipkgo:Membership ;
    rdfs:label "Belarus in WIPO"@en ;
    ipkgo:member ipkg:belarus ;
    ipkgo:organization ipkg:wipo ;
    ipkgo:startDate "1991-12-25"^^xsd:date ;
    prov:wasDerivedFrom src:example-page-p1-s1 .
"""


def write_scratch_project(root: Path) -> Path:
    """Create ``root`` with the repository's ontology and shapes and the tiny data file."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "ontology", root / "ontology")
    shutil.copytree(REPO / "shapes", root / "shapes")
    (root / "data").mkdir()
    (root / "data" / "tiny.ttl").write_text(TINY_DATA, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def scratch_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder (ontology/, shapes/, data/) small enough to build in about a second."""
    return write_scratch_project(tmp_path_factory.mktemp("scratch") / "project")


@pytest.fixture(scope="session")
def scratch_kg(scratch_root: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    """The scratch project, built once (load → validate → reason)."""
    settings = Settings(root=scratch_root, state_dir=tmp_path_factory.mktemp("scratch-build-state"))
    return build(settings, progress=lambda _: None)


@pytest.fixture(autouse=True)
def _snapshot_untouched(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test may change its own store, never the shared built snapshot."""
    if "scratch_kg" not in request.fixturenames:
        yield
        return
    kg: KnowledgeGraph = request.getfixturevalue("scratch_kg")
    before = len(kg.dataset)
    yield
    assert len(kg.dataset) == before, "the shared snapshot was mutated"


@pytest.fixture
def scratch_settings(scratch_root: Path, tmp_path: Path) -> Settings:
    """Settings over the scratch project: update token set, state under the test's tmp_path."""
    return Settings(root=scratch_root, state_dir=tmp_path / "var", update_token=TOKEN, query_timeout=10.0)


AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app(scratch_settings: Settings, scratch_kg: KnowledgeGraph) -> AppFactory:
    """``make_app(**setting_changes)``: an app over a fresh store of the scratch snapshot.

    The store is opened like ``open_store`` does (journal under
    ``state_dir/store``), but over the session's build instead of a new one.
    """

    def factory(**changes: Any) -> Flask:
        settings = scratch_settings.replace(**changes) if changes else scratch_settings
        store = MemoryStore(
            scratch_kg,
            journal=settings.var_dir / "store" / JOURNAL_NAME,
            service_allowlist=settings.service_allowlist,
        )
        return create_app(settings, store)

    return factory


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    """The app over the scratch project, update token ``s3cret``."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Flask's test client for ``app``."""
    return app.test_client()


# --------------------------------------------------------------------------- live server


@dataclass
class LiveServer:
    """A running waitress server: its base URL and the app it serves."""

    url: str
    app: Flask

    @property
    def sparql(self) -> str:
        """The SPARQL endpoint URL."""
        return self.url + "/sparql"


def wait_until_healthy(url: str, *, within: float = 10.0) -> None:
    """Poll ``/health`` until it answers 200 (fail after ``within`` seconds)."""
    stop = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > stop:
                raise
        if time.monotonic() > stop:
            raise TimeoutError(f"{url} did not become healthy")
        time.sleep(0.02)  # the poll interval, not a guess at readiness


@contextmanager
def serve(app: Flask, *, threads: int = 4) -> Iterator[LiveServer]:
    """Serve ``app`` with waitress on 127.0.0.1 (a free port) in a daemon thread.

    Shutdown runs in the server's own loop thread (through its trigger), so no
    socket is closed under a running ``select`` and none is left open.
    """
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads, ident="ipkg-test")
    thread = threading.Thread(target=server.run, name="ipkg-live-server", daemon=True)
    thread.start()
    live = LiveServer(f"http://127.0.0.1:{server.effective_port}", app)
    try:
        wait_until_healthy(live.url)
        yield live
    finally:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))  # noqa: SLF001
        thread.join(timeout=10)
        server.task_dispatcher.shutdown(timeout=10)
        assert not thread.is_alive(), "the live server did not stop"


@pytest.fixture
def serve_app() -> Callable[..., AbstractContextManager[LiveServer]]:
    """``with serve_app(app) as live:`` for a test that needs a server over an app of its own."""
    return serve


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """``app`` served over real HTTP on 127.0.0.1."""
    with serve(app) as live:
        yield live


# --------------------------------------------------------------------------- connection trap


@dataclass
class ConnectionTrap:
    """A listening socket on 127.0.0.1 that counts every connection made to it."""

    sock: socket.socket
    accepted: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.sock.getsockname()[1])

    @property
    def base(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def run(self) -> None:
        """Accept and at once close connections until stopped, so a client fails fast and never hangs."""
        while not self._stop.is_set():
            with self._lock:
                try:
                    conn, _ = self.sock.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                self.accepted += 1
                conn.close()

    def count(self) -> int:
        """Connections accepted so far, including any still waiting in the kernel's backlog."""
        with self._lock:
            self.sock.setblocking(False)
            try:
                while True:
                    try:
                        conn, _ = self.sock.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    self.accepted += 1
                    conn.close()
            finally:
                self.sock.settimeout(0.05)
            return self.accepted


@pytest.fixture
def trap() -> Iterator[ConnectionTrap]:
    """A connection-counting listener; a test asserts ``trap.count() == 0`` to prove nothing was fetched."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.05)
    trap = ConnectionTrap(sock)
    thread = threading.Thread(target=trap.run, name="connection-trap", daemon=True)
    thread.start()
    try:
        yield trap
    finally:
        trap._stop.set()  # noqa: SLF001
        thread.join(timeout=5)
        sock.close()
