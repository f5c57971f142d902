"""Scaffolding shared by the test suite: where things are, scratch projects, a live server, a connection trap.

Plain functions and context managers, imported as ``from tests.support import …``;
the conftest files turn them into fixtures where a fixture is what the tests want.

- ``scratch_project`` makes a project folder: the repository's ontology and
  shapes, and a data folder written from text or copied from elsewhere;
  ``built_scratch_project`` also builds it, for a fixture that wants the graph.
  ``example_data`` writes the provenance that every resource of such a data
  set needs (one source, one sentence of it); ``wikidata_links`` a links file.
- ``run_cli`` runs the command line and captures what it printed.
- ``running`` serves a Flask app with waitress on 127.0.0.1 (a free port) in a
  background thread, waits until ``/health`` answers and stops it afterwards.
- ``ConnectionTrap`` is a listening socket on 127.0.0.1 that counts the
  connections made to it, so a test can prove that nothing was fetched.
- ``SUITES`` (``SPARQL11_SUITE``, ``SHACL_CORE_SUITE``, ``RECONCILIATION_SPECS``)
  is the third-party conformance material in ``tests/conformance/suites``.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
import waitress
from flask import Flask
from waitress import wasyncore

from ipkg.build import KnowledgeGraph, build
from ipkg.cli import main
from ipkg.config import Settings

REPO = Path(__file__).resolve().parents[1]
"""The repository root (holds ontology/, data/, shapes/, queries/, tests/)."""

SUITES = Path(__file__).resolve().parent / "conformance" / "suites"
"""Third-party conformance material, unmodified copies kept in the repository (see its NOTICE.md).

``sparql11/``: the W3C SPARQL 1.1 query, protocol and service-description tests;
``shacl/core/``: the W3C SHACL core tests; ``reconciliation/``: the Entity
Reconciliation API's JSON schemas and examples. A missing suite is a failure,
never a skip (``tests/conformance/test_suites_present.py``).
"""

SPARQL11_SUITE = SUITES / "sparql11"
"""The W3C SPARQL 1.1 tests (from w3c/rdf-tests, ``sparql/sparql11/``)."""

SHACL_CORE_SUITE = SUITES / "shacl" / "core"
"""The W3C SHACL core tests (from w3c/data-shapes, ``data-shapes-test-suite/tests/core/``)."""

RECONCILIATION_SPECS = SUITES / "reconciliation"
"""The Entity Reconciliation API's schemas, examples and spec text (from reconciliation-api/specs), by version."""

WIKIDATA_FIXTURES = REPO / "tests" / "fixtures" / "wikidata"
"""Wikidata exports for the Wikidata, link and QuickStatements tests."""

WIKIDATA_PROJECT_DATA = WIKIDATA_FIXTURES / "project" / "data"
"""The minimal data set of those tests (values copied from the shipped data): ``scratch_project(…, data_from=…)``."""


# --------------------------------------------------------------------------- scratch projects


TURTLE_PREFIXES = """\
@prefix ipkg: <https://w3id.org/ipkg/id/> .
@prefix ipkgo: <https://w3id.org/ipkg/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix src: <https://w3id.org/ipkg/id/source/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
"""The prefixes of ``example_data``."""


def example_data(
    resources: str,
    *,
    quote: str,
    title: str = "Example page on WIPO and Belarus",
    url: str = "https://example.org/wipo-belarus",
) -> str:
    """A Turtle data file that satisfies the shapes: the prefixes, a source, one sentence of it, ``resources``.

    The source is ``src:example-page`` (labelled ``title``, at ``url``, confidence H);
    its sentence ``src:example-page-p1-s1`` says ``quote``. Every resource in
    ``resources`` should be ``prov:wasDerivedFrom`` that sentence.
    """
    return f"""{TURTLE_PREFIXES}
src:example-page a ipkgo:Source ;
    rdfs:label "{title}"@en ;
    ipkgo:url "{url}"^^xsd:anyURI ;
    ipkgo:confidence "H" .

src:example-page-p1-s1 a ipkgo:Sentence ;
    rdfs:label "Example page, paragraph 1, sentence 1"@en ;
    ipkgo:quote "{quote}" ;
    ipkgo:paragraph 1 ;
    ipkgo:sentenceNumber 1 ;
    ipkgo:inSource src:example-page .

{resources}"""


def wikidata_links(items: Mapping[str, str]) -> str:
    """A Turtle links file: ``ipkg:<name> owl:sameAs wd:<item>`` for each name → Wikidata item."""
    lines = [f"ipkg:{name} owl:sameAs wd:{item} ." for name, item in items.items()]
    return (
        "@prefix ipkg: <https://w3id.org/ipkg/id/> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix wd: <http://www.wikidata.org/entity/> .\n\n" + "\n".join(lines) + "\n"
    )


def scratch_project(
    root: Path,
    *,
    data: Mapping[str, str] | None = None,
    data_from: Path | None = None,
    queries_from: Path | None = None,
) -> Path:
    """Make ``root`` a project folder with the repository's ontology/ and shapes/, and return it.

    Its data/ folder is a copy of ``data_from`` when given, else empty; then each
    ``data`` entry (a path relative to data/ → its text) is written into it.
    ``queries_from``, when given, is copied as queries/. ``root`` itself may
    exist already (an empty folder from ``tmp_path_factory.mktemp``).
    """
    root.mkdir(parents=True, exist_ok=True)
    for folder in ("ontology", "shapes"):
        shutil.copytree(REPO / folder, root / folder)
    if data_from is not None:
        shutil.copytree(data_from, root / "data")
    else:
        (root / "data").mkdir()
    for name, text in (data or {}).items():
        path = root / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if queries_from is not None:
        shutil.copytree(queries_from, root / "queries")
    return root


def built_scratch_project(root: Path, data: Mapping[str, str]) -> KnowledgeGraph:
    """``scratch_project(root, data=data)``, loaded, validated and reasoned, with its state under ``root/var``."""
    scratch_project(root, data=data)
    return build(Settings(root=root, state_dir=root / "var"), progress=lambda _: None)


def run_cli(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    """``ipkg --root <root> -q <args>``: (exit code, stdout, stderr)."""
    code = main(["--root", str(root), "-q", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --------------------------------------------------------------------------- the endpoint tests' scratch project


SCRATCH_TOKEN = "s3cret"
"""The update token of the endpoint tests' scratch settings (``scratch_settings``)."""

AUTH = {"Authorization": f"Bearer {SCRATCH_TOKEN}"}
"""The header that authorizes an update with ``SCRATCH_TOKEN``."""

AppFactory = Callable[..., Flask]
"""``make_app(**setting_changes)``: the endpoint tests' app over a fresh store."""

VALID_STATE = """PREFIX ipkg: <https://w3id.org/ipkg/id/>
PREFIX ipkgo: <https://w3id.org/ipkg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT DATA {
  ipkg:switzerland a ipkgo:State ;
      rdfs:label "Switzerland"@en ;
      prov:wasDerivedFrom <https://w3id.org/ipkg/id/source/example-page> .
}"""
"""An update that conforms to the shapes: a labelled state with provenance (3 triples)."""


# --------------------------------------------------------------------------- a live server


def wait_until_healthy(url: str, *, within: float = 10.0) -> None:
    """Poll ``url``/health until it answers 200 (fail after ``within`` seconds)."""
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
            raise TimeoutError(f"{url} did not become healthy within {within} s")
        time.sleep(0.02)  # the poll interval, not a guess at readiness


@contextmanager
def running(app: Flask, *, threads: int = 4, within: float = 10.0, **adjustments: Any) -> Iterator[str]:
    """Serve ``app`` with waitress on 127.0.0.1 (a free port) in a daemon thread; yield its base URL.

    The URL is yielded once ``/health`` answers 200 (within ``within`` seconds).
    ``adjustments`` go to waitress as they are (``asyncore_use_poll=True``, …).
    Shutdown runs in the server's own loop thread (through its trigger), so no
    socket is closed under a running ``select`` and none is left open.
    """
    server: Any = waitress.create_server(
        app, host="127.0.0.1", port=0, threads=threads, ident="ipkg-test", **adjustments
    )
    thread = threading.Thread(target=server.run, name="ipkg-live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    try:
        wait_until_healthy(url, within=within)
        yield url
    finally:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))  # noqa: SLF001 - no public stop
        thread.join(timeout=10)
        server.task_dispatcher.shutdown(timeout=10)
        assert not thread.is_alive(), "the live server did not stop"


# --------------------------------------------------------------------------- a connection trap


class ConnectionTrap:
    """A listening socket on 127.0.0.1 that counts every connection made to it.

    ``with ConnectionTrap() as trap:`` starts it (a thread accepts and at once
    closes each connection, so a client fails fast and never hangs) and stops
    it on leaving; a test asserts ``trap.count() == 0`` to prove nothing was fetched.
    """

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.accepted = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="connection-trap", daemon=True)

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.sock.getsockname()[1])

    @property
    def base(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ConnectionTrap:
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()

    def _run(self) -> None:
        """Accept and at once close connections until stopped."""
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
