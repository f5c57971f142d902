"""Fixtures for the W3C conformance suites: where the test data is, and a scratch endpoint to run them against.

The W3C material lives beside the repository (``../shared/conformance``); CI
always has it, and each test module skips with a clear reason when it is
missing. The protocol tests run ``CLEAR ALL`` and ``DROP ALL``, so they get a
server of their own over a scratch project (the repository's ontology and
shapes, no data), never the shipped data.
"""

from __future__ import annotations

import shutil
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import waitress
from waitress import wasyncore

from ipkg.build import build
from ipkg.config import Settings
from ipkg.serve import create_app
from ipkg.store import JOURNAL_NAME, MemoryStore

REPO = Path(__file__).resolve().parents[2]
TOKEN = "conformance-token"


@pytest.fixture(scope="module")
def scratch_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(URL of /sparql, update token) of a live server over an empty scratch store."""
    root = tmp_path_factory.mktemp("conformance") / "project"
    root.mkdir()
    shutil.copytree(REPO / "ontology", root / "ontology")
    shutil.copytree(REPO / "shapes", root / "shapes")
    (root / "data").mkdir()
    settings = Settings(root=root, state_dir=root.parent / "var", update_token=TOKEN, query_timeout=20.0)
    store = MemoryStore(build(settings, progress=lambda _: None), journal=settings.var_dir / "store" / JOURNAL_NAME)
    server = waitress.create_server(create_app(settings, store), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="conformance-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    try:
        with urllib.request.urlopen(url + "/health", timeout=10) as response:  # listening since create_server
            assert response.status == 200
        yield url + "/sparql", TOKEN
    finally:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))  # noqa: SLF001
        thread.join(timeout=10)
        server.task_dispatcher.shutdown(timeout=10)
