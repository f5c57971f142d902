"""The bare peer: pyoxigraph behind Flask and waitress (8 threads), the same WSGI stack as ``ipkg serve``.

No negotiation, no limits, no worker processes, no logging: a query is
evaluated in the request thread on an on-disk store (the default graph is the
union of the named graphs, as in ipkg) and written as SPARQL JSON results.
``/update`` applies a SPARQL Update when it carries the bearer token.

    python bench/bare_app.py --store DIR [--load FILE.nq] --port P [--token T]
"""

from __future__ import annotations

import argparse
import hmac
import json
from pathlib import Path

import pyoxigraph as ox
import waitress
from flask import Flask, Response, request

JSON = "application/sparql-results+json"


def create_app(store: ox.Store, token: str | None) -> Flask:
    app = Flask("bare")

    @app.route("/sparql", methods=["GET", "POST"])
    def sparql() -> Response:
        query = request.values.get("query", "")
        result = store.query(query, use_default_graph_as_union=True)
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            body = result.serialize(format=ox.QueryResultsFormat.JSON)
            return Response(body, content_type=JSON)
        return Response(result.serialize(format=ox.RdfFormat.N_TRIPLES), content_type="application/n-triples")

    @app.route("/update", methods=["POST"])
    def update() -> Response:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not token or not hmac.compare_digest(sent.encode(), token.encode()):
            return Response("forbidden\n", status=403)
        store.update(request.get_data(as_text=True))
        return Response("ok\n", content_type="text/plain")

    @app.route("/health")
    def health() -> Response:
        return Response(json.dumps({"status": "ok", "quads": len(store)}) + "\n", content_type="application/json")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, required=True, help="on-disk store directory")
    parser.add_argument("--load", type=Path, help="bulk-load this N-Quads file into a new store first")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--token")
    args = parser.parse_args()
    store = ox.Store(str(args.store))
    if args.load is not None and len(store) == 0:
        store.bulk_load(path=str(args.load), format=ox.RdfFormat.N_QUADS)
        store.flush()
    waitress.serve(create_app(store, args.token), host="127.0.0.1", port=args.port, threads=args.threads, ident="bare")


if __name__ == "__main__":
    main()
