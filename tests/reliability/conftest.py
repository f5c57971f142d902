"""Fixtures of the reliability suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import ConnectionTrap


@pytest.fixture
def trap() -> Iterator[ConnectionTrap]:
    """A connection-counting listener; a test asserts ``trap.count() == 0`` to prove nothing was fetched."""
    with ConnectionTrap() as listening:
        yield listening
