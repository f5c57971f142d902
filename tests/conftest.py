"""Shared fixtures: paths anchored at this file, the shipped data built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipkg.build import KnowledgeGraph, build
from ipkg.build.load import parse_files, rdf_files
from ipkg.config import Settings
from tests.support import REPO


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root (holds ontology/, data/, shapes/, queries/)."""
    return REPO


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for the shipped data, with state kept out of the work tree."""
    return Settings(root=REPO, state_dir=tmp_path_factory.mktemp("state"))


@pytest.fixture(scope="session")
def kg(settings: Settings) -> KnowledgeGraph:
    """The shipped data, loaded, validated and reasoned once for the whole session."""
    return build(settings, progress=lambda _: None)


@pytest.fixture(scope="session")
def ontology():  # type: ignore[no-untyped-def]
    """The ontology graph alone."""
    return parse_files(rdf_files(REPO / "ontology"))
