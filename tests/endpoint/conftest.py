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

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ipkg.build import KnowledgeGraph, build
from ipkg.config import Settings
from ipkg.serve import create_app
from ipkg.sparql.limits import limits_from
from ipkg.store import JOURNAL_NAME
from ipkg.store.memory import MemoryStore
from ipkg.store.oxigraph import OxigraphStore
from ipkg.store.remote import RemoteStore
from tests.endpoint.remote_servers import SERVERS, RemoteServerPool
from tests.support import SCRATCH_TOKEN, AppFactory, ConnectionTrap, example_data, running, scratch_project

# Scratch data for the endpoint tests: two agents and a membership, each
# derived from one source sentence, so that every shape is satisfied.
TINY_DATA = example_data(
    """\
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
""",
    quote="The Republic of Belarus has been a member of WIPO since 1991.",
)


@pytest.fixture(scope="session")
def scratch_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder (ontology/, shapes/, data/) small enough to build in about a second."""
    return scratch_project(tmp_path_factory.mktemp("scratch") / "project", data={"tiny.ttl": TINY_DATA})


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
    return Settings(root=scratch_root, state_dir=tmp_path / "var", update_token=SCRATCH_TOKEN, query_timeout=10.0)


BACKENDS = [
    "memory",
    "oxigraph",
    *(pytest.param(f"remote-{name}", marks=pytest.mark.remote) for name in SERVERS),
]
"""Every backend; ``remote-<server>`` is the remote store over a real server (``remote_servers``)."""


REMOTE_CONTRACT = frozenset(
    {
        "test_protocol_client.py",
        "test_store_writes.py",
        "test_journal_recovery.py",
        "test_live_http.py",
        "test_hostile_queries.py",
        "test_hostile_property.py",
        "test_remote_store.py",
    }
)
"""The endpoint test modules that also run on the remote backends: the store contract subset.

Every test of these modules runs on every backend: the protocol (queries, datasets, formats,
updates, the Graph Store, the service description, VoID), the shape gate and the journal
across restarts, live HTTP (time limits, no request forgery), hostile queries and the
property-based hostile requests. Left out is ``test_issue10_regressions.py``: its engine
tests measure the bounds of ipkg's own engines (``max_query_memory``, ``max_literal_length``,
worker memory), which a remote server does not have (``oxigraph serve`` has no memory bound
per query at all: its cross products take the machine's memory), and its front tests
(rate limits, proxies, uploads, reconciliation caps) do not depend on the store. Keeping the
subset keeps ``make test`` within its time on two cores; ``-m remote`` selects the remote runs.
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the remote backends on the ``REMOTE_CONTRACT`` modules only (deselected elsewhere, not skipped)."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec is not None else None
        remote = isinstance(backend, str) and backend.startswith("remote-")
        (dropped if remote and item.path.name not in REMOTE_CONTRACT else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend under test: every endpoint test runs on each (the store contract)."""
    return str(request.param)


@pytest.fixture(scope="session")
def remote_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> RemoteServerPool:
    """``remote_server.get(name)``: that server, started at its first use in the session, stopped at its end."""
    pool = RemoteServerPool(tmp_path_factory)
    request.addfinalizer(pool.close)
    return pool


@pytest.fixture
def make_app(
    scratch_settings: Settings, scratch_kg: KnowledgeGraph, backend: str, request: pytest.FixtureRequest
) -> Iterator[AppFactory]:
    """``make_app(**setting_changes)``: an app over a fresh store of the scratch snapshot.

    The store is opened like ``open_store`` does (journal under
    ``state_dir/store``), but over the session's build instead of a new one.
    A remote backend loads the scratch build into its server (whatever an
    earlier test left there is not this store's: it drops what it writes to).
    """
    stores: list[Any] = []
    server = request.getfixturevalue("remote_server").get(backend.removeprefix("remote-")) if "-" in backend else None

    def factory(**changes: Any) -> Flask:
        settings = scratch_settings.replace(**changes) if changes else scratch_settings
        journal = settings.var_dir / "store" / JOURNAL_NAME
        store: Any
        if backend == "memory":
            store = MemoryStore(
                scratch_kg, journal=journal, service_allowlist=settings.service_allowlist, limits=limits_from(settings)
            )
        elif server is not None:
            store = RemoteStore(
                server.endpoint,
                state_dir=settings.var_dir / "store",
                key="scratch",
                build=lambda: scratch_kg,
                shapes=lambda: scratch_kg.shapes,
                journal=journal,
                service_allowlist=settings.service_allowlist,
                limits=limits_from(settings),
            )
            stores.append(store)
        else:
            store = OxigraphStore(
                settings.var_dir / "store" / "oxigraph",
                key="scratch",
                build=lambda: scratch_kg,
                shapes=lambda: scratch_kg.shapes,
                journal=journal,
                service_allowlist=settings.service_allowlist,
                workers=2,
            )
            stores.append(store)
        return create_app(settings, store)

    yield factory
    for store in stores:
        store.close()


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


@contextmanager
def serve(app: Flask, *, threads: int = 4) -> Iterator[LiveServer]:
    """Serve ``app`` over real HTTP on 127.0.0.1 (a free port) for the duration of the ``with``."""
    with running(app, threads=threads) as url:
        yield LiveServer(url, app)


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


@pytest.fixture
def trap() -> Iterator[ConnectionTrap]:
    """A connection-counting listener; a test asserts ``trap.count() == 0`` to prove nothing was fetched."""
    with ConnectionTrap() as listening:
        yield listening
