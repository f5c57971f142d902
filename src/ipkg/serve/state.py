"""What a running app holds: its settings, its store, cached statistics, its admission rules. One per app.

``public_root`` is the one place an absolute URL of this server comes from:
every view that writes a link (the service description, VoID, entities,
dumps and the JSON-LD context, the reconciliation manifest and preview, the
base of queries and uploads) builds it from there, never from the request's
``Host`` header, which any client can set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request

from ipkg.config import Settings
from ipkg.serve.admission import ClientLimiter, WriteGate
from ipkg.serve.description import Statistics
from ipkg.serve.proxy import CLIENT_ADDRESS, FORWARDED_ROOT, own_authorities
from ipkg.store.base import Store

EXTENSION = "ipkg"


@dataclass
class AppState:
    """Stored in ``app.extensions['ipkg']``; nothing reads configuration at import time."""

    settings: Settings
    store: Store
    statistics: Statistics = field(default_factory=Statistics)
    clients: ClientLimiter = field(init=False)
    writes: WriteGate = field(init=False)

    def __post_init__(self) -> None:
        self.clients = ClientLimiter(self.settings.client_concurrency, self.settings.client_rate)
        self.writes = WriteGate(self.settings.max_pending_writes)


def state() -> AppState:
    """The state of the current app."""
    app_state: AppState = current_app.extensions[EXTENSION]
    return app_state


def public_root() -> str:
    """The root URL clients reach this server at, ending in ``/``.

    ``public_base_url`` when it is set; else the root a trusted proxy forwarded
    (``trusted_proxies``); else this server's own address: the request's ``Host``
    only when it names the server itself (its configured host, or the name of
    the address it listens on, with its port), otherwise the configured host
    and the port. A client can never make the server write links to another host.
    """
    settings = state().settings
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/") + "/"
    environ: dict[str, Any] = request.environ
    forwarded = environ.get(FORWARDED_ROOT)
    if forwarded:
        return str(forwarded)
    scheme = str(environ.get("wsgi.url_scheme", "http"))
    own = own_authorities(environ, settings.host, scheme)
    asked = str(environ.get("HTTP_HOST", "")).lower()
    return f"{scheme}://{asked if asked in own else own[0]}/"


def public_url(path: str) -> str:
    """The absolute URL of ``path`` (relative to the root, no leading slash) on this server."""
    return public_root() + path.lstrip("/")


def client_address() -> str:
    """The client's address: the one a trusted proxy forwarded, else the connection's."""
    environ = request.environ
    return str(environ.get(CLIENT_ADDRESS) or environ.get("REMOTE_ADDR") or "unknown")


def context_url() -> str:
    """This server's own ``/context.jsonld``: JSON-LD it answers with refers to it, so clients can fetch it."""
    return public_url("context.jsonld")
