"""``ipkg serve`` says where it serves, and stops cleanly (the WSGI server itself is stood in for)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ipkg.config import Settings
from ipkg.serve import server


class _Store:
    closed = False

    def close(self) -> None:
        self.closed = True


class _Server:
    effective_port = "8123"  # as waitress gives it: text

    def run(self) -> None:
        raise KeyboardInterrupt


def test_serve_logs_its_address_and_closes_the_store(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    store = _Store()
    app = Flask("stand-in")
    app.extensions["ipkg"] = type("State", (), {"store": store})()
    monkeypatch.setattr(server, "create_app", lambda settings: app)
    monkeypatch.setattr(server, "make_server", lambda app, settings: _Server())
    errors: list[Any] = []
    monkeypatch.setattr(logging.Handler, "handleError", lambda self, record: errors.append(record))
    with caplog.at_level(logging.INFO, logger="ipkg"):
        server.run(Settings(root=tmp_path, state_dir=tmp_path / "state", host="127.0.0.1"))
    assert not errors, "a log line of the server could not be formatted"
    assert "serving on http://127.0.0.1:8123/ (SPARQL endpoint /sparql, UI /)" in caplog.text
    assert "stopped after" in caplog.text
    assert store.closed
