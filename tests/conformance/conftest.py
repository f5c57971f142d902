"""Fixtures for the W3C conformance suites: where the test data is, and a scratch endpoint to run them against.

The W3C material is kept in the repository, unmodified, in ``suites/`` (see
``suites/NOTICE.md``; ``tests.support.SUITES``). ``test_suites_present.py``
fails when any of it is missing, so no test is ever skipped for want of it.
The protocol tests run ``CLEAR ALL`` and ``DROP ALL``, so they get a server of
their own over a scratch project (the repository's ontology and shapes, no
data), never the shipped data.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ipkg.build import build
from ipkg.config import Settings
from ipkg.serve import create_app
from ipkg.store import open_store
from tests.support import running, scratch_project

TOKEN = "conformance-token"


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def scratch_endpoint(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(URL of /sparql, update token) of a live server over an empty scratch store, on each backend."""
    root = scratch_project(tmp_path_factory.mktemp("conformance") / "project")
    settings = Settings(
        root=root, state_dir=root.parent / "var", update_token=TOKEN, query_timeout=20.0, store=request.param
    )
    store = open_store(settings, lambda: build(settings, progress=lambda _: None))
    try:
        with running(create_app(settings, store)) as url:
            yield url + "/sparql", TOKEN
    finally:
        store.close()
