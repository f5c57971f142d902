"""What every ``ipkg`` command shares: the exit codes and the way to reach the data."""

from __future__ import annotations

import argparse

from ipkg.build import build
from ipkg.config import Settings
from ipkg.store.base import Store

EXIT_OK, EXIT_REJECTED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def open_built_store(settings: Settings, args: argparse.Namespace) -> Store:
    """Build the project and open the store on it: the CLI reads what the server would serve."""
    from ipkg.store import open_store

    return open_store(settings, build(settings, progress=None if not args.quiet else lambda _: None))
