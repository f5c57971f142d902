"""One timed step in a fresh process; prints one JSON line. The harness runs these with a time limit.

python bench/steps.py build PROJECT STATE_DIR   # ipkg's pipeline: load, validate, reason (cache rewritten)
python bench/steps.py oxload FILE STORE_DIR     # pyoxigraph bulk load of the same file into a new store
python bench/steps.py oxstore FILE.nq STORE_DIR  # the same, keeping the store (the bare app's)
python bench/steps.py oxdump STORE_DIR FILE.nq   # every quad of a store (ipkg's), as N-Quads
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path


def ipkg_build(project: Path, state_dir: Path) -> dict[str, float]:
    from ipkg.build import build
    from ipkg.config import Settings

    shutil.rmtree(state_dir / "cache", ignore_errors=True)  # the full pipeline, and a fresh cache for `ipkg serve`
    started = time.perf_counter()
    kg = build(Settings(root=project, state_dir=state_dir), progress=lambda _: None)
    steps = {name: kg.timings[name] for name in ("load", "validate", "reason")}
    return {**steps, "total": sum(steps.values()), "wall": time.perf_counter() - started, "quads": len(kg.dataset)}


def ox_load(data: Path, directory: Path, *, keep: bool = False) -> dict[str, float]:
    import pyoxigraph as ox

    shutil.rmtree(directory, ignore_errors=True)
    started = time.perf_counter()
    store = ox.Store(str(directory))
    formats = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS}
    store.bulk_load(path=str(data), format=formats[data.suffix])
    store.flush()
    seconds = time.perf_counter() - started
    quads = len(store)
    del store
    if not keep:
        shutil.rmtree(directory, ignore_errors=True)
    return {"total": seconds, "quads": quads}


def ox_dump(directory: Path, target: Path) -> dict[str, float]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(directory))
    store.dump(str(target), format=ox.RdfFormat.N_QUADS)
    return {"quads": len(store)}


def main() -> None:
    kind, first, second = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if kind == "build":
        result = ipkg_build(first, second)
    elif kind == "oxdump":
        result = ox_dump(first, second)
    else:
        result = ox_load(first, second, keep=kind == "oxstore")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
