"""Stores behind the endpoint: one interface (``base.Store``), backends beside it.

``open_store`` is the one place that picks and starts a backend.
"""

from __future__ import annotations

from ipkg.build import build
from ipkg.config import Settings
from ipkg.store.base import DatasetSpec, Store, UpdateOutcome
from ipkg.store.memory import MemoryStore

JOURNAL_NAME = "journal.jsonl"


def open_store(settings: Settings) -> MemoryStore:
    """Build the shipped data and open the store, replaying committed updates."""
    return MemoryStore(
        build(settings),
        journal=settings.var_dir / "store" / JOURNAL_NAME,
        service_allowlist=settings.service_allowlist,
    )


__all__ = ["DatasetSpec", "MemoryStore", "Store", "UpdateOutcome", "open_store"]
