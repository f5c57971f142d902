"""Where an ipkg query request spends its time: cProfile over the app's request path (no network).

    python bench/profile_http.py [PROJECT] [--requests N] [--top N]

Builds PROJECT (default: the repository) into a temporary state directory,
opens the default (Oxigraph) store, then sends each of the HTTP scenario's
five competency questions N times through Flask's test client, under
cProfile, next to the same requests to the bare pyoxigraph app over the same
data. Prints the mean time per request of both and the functions with the
most time, inclusive and own. The query itself runs in a worker process, so
its evaluation shows in the profile as the wait for the worker's reply.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import logging
import pstats
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from bare_app import create_app as create_bare_app
from scenarios import QUERIES

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("project", nargs="?", type=Path, default=REPO)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from ipkg.config import Settings
    from ipkg.serve import create_app

    with tempfile.TemporaryDirectory() as state:
        settings = Settings(root=args.project, state_dir=Path(state))
        if "client_concurrency" in {f.name for f in dataclasses.fields(Settings)}:  # no per-client limit here
            settings = settings.replace(client_concurrency=1000)
        app = create_app(settings)
        logging.getLogger("ipkg").setLevel(logging.INFO)  # as served: one log line per request
        logging.getLogger("ipkg.serve").handlers = [logging.StreamHandler(io.StringIO())]
        store = ox.Store()
        dump = Path(state) / "dump.nq"
        ox.Store.read_only(str(Path(state) / "store" / "oxigraph")).dump(str(dump), format=ox.RdfFormat.N_QUADS)
        store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
        bare = create_bare_app(store, None)
        texts = [(REPO / "queries" / "cq" / name).read_text(encoding="utf-8") for _, name in QUERIES]
        urls = ["/sparql?" + urlencode({"query": text}) for text in texts]
        headers = {"Accept": "application/sparql-results+json"}
        ipkg_client, bare_client = app.test_client(), bare.test_client()
        for url in urls:  # warm up: workers started, caches filled
            assert ipkg_client.get(url, headers=headers).status_code == 200
            assert bare_client.get(url, headers=headers).status_code == 200

        def send(client: object, n: int) -> float:
            began = time.perf_counter()
            for _ in range(n):
                for url in urls:
                    response = client.get(url, headers=headers)  # type: ignore[attr-defined]
                    assert response.status_code == 200, response.data[:200]
            return (time.perf_counter() - began) / (n * len(urls))

        bare_mean = send(bare_client, args.requests)
        ipkg_mean = send(ipkg_client, args.requests)
        profiler = cProfile.Profile()
        profiler.enable()
        send(ipkg_client, args.requests)
        profiler.disable()
        print(f"mean per request: ipkg {ipkg_mean * 1000:.2f} ms, bare pyoxigraph app {bare_mean * 1000:.2f} ms")
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
