"""The rdflib-endpoint peer: an rdflib dataset (union default graph) served by rdflib-endpoint under uvicorn.

    python bench/rdflib_app.py --load FILE.nq --port P

Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--load", type=Path, required=True, help="N-Quads file to serve")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    dataset = Dataset(default_union=True)
    dataset.parse(args.load, format="nquads")
    app = SparqlEndpoint(graph=dataset, path="/sparql", cors_enabled=False)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
