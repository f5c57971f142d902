"""What every ``ipkg`` command shares: the exit codes and the way to reach the data."""

from __future__ import annotations

import argparse

from ipkg.build import build
from ipkg.config import Settings
from ipkg.store.base import Store

EXIT_OK, EXIT_REJECTED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def open_built_store(settings: Settings, args: argparse.Namespace) -> Store:
    """Build the project and open an in-memory store on it, with the committed updates replayed.

    The CLI reads what the server serves (the files plus the journal), but never opens the
    server's on-disk store, which a running server holds locked.
    """
    from ipkg.store import open_store

    quiet = None if not args.quiet else lambda _: None
    return open_store(settings.replace(store="memory"), lambda: build(settings, progress=quiet))
