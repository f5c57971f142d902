"""What a running app holds: its settings, its store, cached statistics. One per app."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, request

from ipkg.config import Settings
from ipkg.serve.description import Statistics
from ipkg.store.base import Store

EXTENSION = "ipkg"


@dataclass
class AppState:
    """Stored in ``app.extensions['ipkg']``; nothing reads configuration at import time."""

    settings: Settings
    store: Store
    statistics: Statistics = field(default_factory=Statistics)


def state() -> AppState:
    """The state of the current app."""
    app_state: AppState = current_app.extensions[EXTENSION]
    return app_state


def context_url() -> str:
    """This server's own ``/context.jsonld``: JSON-LD it answers with refers to it, so clients can fetch it."""
    return request.url_root + "context.jsonld"
