"""Run the app under waitress, a production WSGI server with a thread pool, with limits for slow and greedy clients.

waitress reads requests in one event loop and hands complete ones to worker
threads, so a slow client costs a connection, not a thread. ``make_server``
sets the limits from the settings: how many connections are held open
(``connection_limit``, with ``poll`` so more than 1024 work), how long an idle
one is kept (``channel_timeout``), the largest header section (431 beyond
``max_header_bytes``) and body (413), and how long a client may take to send
one request (``request_timeout``; waitress itself only closes connections
that send nothing, so one that sends a byte every few seconds would be kept
for ever). Per-client limits and the write queue are in ``admission``.
"""

from __future__ import annotations

import logging
import resource
import time
from typing import Any

import waitress
from flask import Flask

from ipkg.config import Settings
from ipkg.serve import create_app

log = logging.getLogger("ipkg.serve")

CLEANUP_INTERVAL = 2
"""Seconds between two passes over the open connections (idle and slow ones are closed then)."""


def make_server(app: Flask, settings: Settings, *, host: str | None = None, port: int | None = None) -> Any:
    """A waitress server for ``app`` with ipkg's connection limits (``run()`` serves until interrupted)."""
    server = waitress.create_server(
        app,
        host=settings.host if host is None else host,
        port=settings.port if port is None else port,
        threads=settings.threads,
        ident="ipkg",
        # above Flask's own limit, so that Flask answers 413 through ipkg's error table
        max_request_body_size=settings.max_body_bytes + 1024 * 1024,
        max_request_header_size=settings.max_header_bytes,
        connection_limit=settings.connection_limit,
        channel_timeout=settings.channel_timeout,
        cleanup_interval=CLEANUP_INTERVAL,
        asyncore_use_poll=True,
        backlog=1024,
    )
    for listener in _listeners(server):
        limit_request_time(listener, settings.request_timeout)
    return server


def limit_request_time(server: Any, seconds: float) -> None:
    """Close connections that take more than ``seconds`` to send one request.

    waitress keeps the request being received on its channel (``channel.request``)
    until it is complete; each maintenance pass notes when a channel's current
    request was first seen, and closes the channel once that is too long ago.
    """
    original = server.maintenance

    def maintenance(now: float) -> None:
        original(now)
        for channel in list(server.active_channels.values()):
            pending = channel.request
            if pending is None:
                channel.ipkg_receiving = None
                continue
            seen = getattr(channel, "ipkg_receiving", None)
            if seen is None or seen[0] is not pending:
                channel.ipkg_receiving = (pending, now)
            elif now - seen[1] > seconds:
                log.info("closing a connection from %s: no complete request in %g s", channel.addr, seconds)
                channel.will_close = True

    server.maintenance = maintenance


def _listeners(server: Any) -> list[Any]:
    """The listening servers (one, or one per address when the host resolves to several)."""
    if hasattr(server, "active_channels"):
        return [server]
    return [s for s in getattr(server, "map", {}).values() if hasattr(s, "active_channels")]


def _allow_open_files(count: int) -> None:
    """Raise the soft limit of open files to ``count`` (within the hard limit), for ``connection_limit``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count if hard == resource.RLIM_INFINITY else min(count, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def run(settings: Settings) -> None:
    """Build, then serve until interrupted."""
    logging.getLogger().setLevel(settings.log_level.upper())
    app = create_app(settings)
    _allow_open_files(settings.connection_limit + 256)
    server = make_server(app, settings)
    port = getattr(server, "effective_port", settings.port)  # waitress gives it as text
    log.info("serving on http://%s:%s/ (SPARQL endpoint /sparql, UI /)", settings.host, port)
    started = time.monotonic()
    try:
        server.run()
    except KeyboardInterrupt:
        log.info("stopped after %.0f s", time.monotonic() - started)
    finally:
        close = getattr(app.extensions["ipkg"].store, "close", None)
        if callable(close):
            close()
