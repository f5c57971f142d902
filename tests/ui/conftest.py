"""Fixtures of the UI tests: a small project built once, its app, and a Flask test client.

The project (``tests/ui/project``) is the shipped ontology and shapes with a
few resources of its own and two competency questions, so that the pages are
tested on known data whatever state the shipped data is in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ipkg.config import Settings
from ipkg.serve import create_app
from tests.support import scratch_project

PROJECT = Path(__file__).resolve().parent / "project"


@pytest.fixture(scope="session")
def ui_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for a copy of the small project (ontology and shapes from the repository)."""
    root = scratch_project(
        tmp_path_factory.mktemp("ui-project"), data_from=PROJECT / "data", queries_from=PROJECT / "queries"
    )
    return Settings(root=root, state_dir=root / "var")


@pytest.fixture(scope="session")
def ui_app(ui_settings: Settings) -> Flask:
    """The app over the small project (built once per session)."""
    return create_app(ui_settings)


@pytest.fixture
def client(ui_app: Flask) -> FlaskClient:
    """A test client of the app."""
    return ui_app.test_client()
