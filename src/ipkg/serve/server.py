"""Run the app under waitress, a production WSGI server with a thread pool."""

from __future__ import annotations

import logging

import waitress

from ipkg.config import Settings
from ipkg.serve import create_app

log = logging.getLogger("ipkg.serve")


def run(settings: Settings) -> None:
    """Build, then serve until interrupted."""
    logging.getLogger().setLevel(settings.log_level.upper())
    app = create_app(settings)
    log.info("serving on http://%s:%d/ (SPARQL endpoint /sparql, UI /)", settings.host, settings.port)
    waitress.serve(
        app,
        host=settings.host,
        port=settings.port,
        threads=settings.threads,
        ident="ipkg",
        # above Flask's own limit, so that Flask answers 413 through ipkg's error table
        max_request_body_size=settings.max_body_bytes + 1024 * 1024,
        channel_timeout=int(settings.query_timeout) + 30,
    )
