"""The HTTP face of ipkg: a Flask app serving SPARQL 1.1, the Graph Store protocol, entity pages and a UI.

``create_app(settings, store)`` wires the blueprints; ``server.run`` serves the
app with waitress, a production WSGI server.
"""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, Response, g, request

from ipkg.config import Settings
from ipkg.serve import errors
from ipkg.serve.proxy import ForwardedHeaders, networks
from ipkg.serve.state import EXTENSION, AppState, client_address
from ipkg.store.base import Store

log = logging.getLogger("ipkg.serve")


def create_app(settings: Settings | None = None, store: Store | None = None) -> Flask:
    """The WSGI app for ``store``; without one, build the project's data and open the store on it."""
    from ipkg.build import build
    from ipkg.config import load_settings
    from ipkg.serve import dumps, entities, graph_store, reconcile, sparql, ui
    from ipkg.store import open_store

    settings = settings or load_settings()
    store = store or open_store(settings, lambda: build(settings))
    app = Flask("ipkg", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app_state = AppState(settings=settings, store=store)
    app.extensions[EXTENSION] = app_state
    if settings.trusted_proxies:
        app.wsgi_app = ForwardedHeaders(app.wsgi_app, networks(settings.trusted_proxies))  # type: ignore[method-assign]
    errors.register(app)
    for blueprint in (sparql.bp, graph_store.bp, entities.bp, dumps.bp, ui.bp, reconcile.bp):
        app.register_blueprint(blueprint)

    @app.route("/health")
    def health() -> Response:
        sizes = {str(k): v for k, v in store.graph_sizes().items()}
        body = {"status": "ok", "generation": store.generation, "graphs": sizes}
        return Response(json.dumps(body) + "\n", content_type="application/json")

    @app.before_request
    def start_timer() -> Response | None:
        g.started = time.perf_counter()
        errors.request_id()
        if request.method == "OPTIONS" and request.url_rule is not None:
            return Response(status=204)  # a CORS preflight of a route that exists; others get the usual 404
        return None

    @app.before_request
    def admit() -> None:
        """Per-client limits (429 with Retry-After) before any work; see ``serve.admission``."""
        client = client_address()
        app_state.clients.enter(client)
        g.admitted = client

    @app.teardown_request
    def release(_error: BaseException | None) -> None:
        client = g.pop("admitted", None)
        if client is not None:
            app_state.clients.leave(client)

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["X-Request-Id"] = errors.request_id()
        is_write = bool(request.environ.get("ipkg.write")) or request.method in ("PUT", "DELETE")
        if settings.cors_origins and not is_write:
            response.headers["Access-Control-Allow-Origin"] = settings.cors_origins
            response.headers["Access-Control-Expose-Headers"] = "X-Request-Id, Content-Type, Ipkg-Warning"
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
                # no Authorization: writes are not offered to other origins
                response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
                response.headers["Access-Control-Max-Age"] = "600"
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        text = request.environ.get("ipkg.query")
        summary = f" query={' '.join(text.split())[:160]!r}" if text else ""
        log.info(
            "%s %s %s %d %.1fms%s",
            errors.request_id(),
            request.method,
            request.path,
            response.status_code,
            elapsed,
            summary,
        )
        return response

    return app


__all__ = ["create_app"]
