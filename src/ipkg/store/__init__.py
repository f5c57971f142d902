"""Stores behind the endpoint: one interface (``base.Store``), backends beside it.

A store is handed a built knowledge graph and never runs the pipeline itself:
``open_store`` is the one place that picks and starts a backend, and it is
given the means to build (``build``) for when the backend's own copy is stale.
Importing this package loads no backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ipkg.config import Settings

if TYPE_CHECKING:
    from ipkg.build import KnowledgeGraph
    from ipkg.store.base import Store

JOURNAL_NAME = "journal.jsonl"


def open_store(settings: Settings, build: Callable[[], KnowledgeGraph]) -> Store:
    """Open the configured backend, replaying or reusing the committed updates of the state directory.

    The in-memory backend always calls ``build``; the Oxigraph and remote backends only
    when the project's files changed since their store was loaded.
    """
    from ipkg.sparql import engine

    engine.install()
    journal = settings.var_dir / "store" / JOURNAL_NAME
    if settings.store == "memory":
        from ipkg.sparql.limits import limits_from
        from ipkg.store.memory import MemoryStore

        return MemoryStore(
            build(), journal=journal, service_allowlist=settings.service_allowlist, limits=limits_from(settings)
        )
    from ipkg.build import build_key
    from ipkg.build.load import parse_files, source_files
    from ipkg.sparql.limits import limits_from

    if settings.store == "remote":
        from ipkg.store.remote import RemoteEndpoint, RemoteStore

        return RemoteStore(
            RemoteEndpoint.from_settings(settings),
            state_dir=settings.var_dir / "store",
            key=build_key(settings),
            build=build,
            shapes=lambda: parse_files(source_files(settings).shapes),
            journal=journal,
            service_allowlist=settings.service_allowlist,
            limits=limits_from(settings),
        )
    from ipkg.store.oxigraph import OxigraphStore

    return OxigraphStore(
        settings.var_dir / "store" / "oxigraph",
        key=build_key(settings),
        build=build,
        shapes=lambda: parse_files(source_files(settings).shapes),
        journal=journal,
        service_allowlist=settings.service_allowlist,
        workers=settings.query_workers,
        worker_memory_limit=settings.worker_memory_limit,
        limits=limits_from(settings),
    )


__all__ = ["JOURNAL_NAME", "open_store"]
