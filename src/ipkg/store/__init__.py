"""Stores behind the endpoint: one interface (``base.Store``), backends beside it.

A store is handed a built knowledge graph and never builds: ``open_store`` is
the one place that picks and starts a backend on it.
"""

from __future__ import annotations

from ipkg.build import KnowledgeGraph
from ipkg.config import Settings
from ipkg.sparql import engine
from ipkg.store.base import Snapshot, Store, UpdateOutcome
from ipkg.store.memory import MemoryStore

JOURNAL_NAME = "journal.jsonl"


def open_store(settings: Settings, kg: KnowledgeGraph) -> MemoryStore:
    """Open the store on a built graph, replaying the committed updates of the state directory."""
    engine.install()
    return MemoryStore(
        kg,
        journal=settings.var_dir / "store" / JOURNAL_NAME,
        service_allowlist=settings.service_allowlist,
    )


__all__ = ["MemoryStore", "Snapshot", "Store", "UpdateOutcome", "open_store"]
