"""One small removal through the Oxigraph backend's writer: delete and rederive next to recomputing the closure.

    python bench/removal.py [--sizes shipped,100k] [--runs 7] [--seed 0]

For each data set (the shipped data; a generated graph of N triples with the shipped ontology and
shapes) it makes one ``IncrementalWriter``, then times ``commit`` of a DELETE DATA of one fact
triple (the first ``ipkgo:citizenOf`` triple: a person's country, typed and aligned to Wikidata by
the rules), putting it back after each run (not timed). The runs alternate (A B A B …) between
delete and rederive ("dred": the writer as it is) and the recomputation of the whole closure that
every removal cost before ("full": ``Edit.retract`` made to decline, the writer's fallback path),
and the medians are printed as a markdown table. Validation (the shapes on the touched nodes) is
part of both figures.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from rdflib import Dataset, Graph

from ipkg.build import KnowledgeGraph
from ipkg.build.dred import Edit
from ipkg.build.load import load_sources
from ipkg.build.pipeline import CONFORMS
from ipkg.config import Settings
from ipkg.generate import generate
from ipkg.namespaces import GRAPH_FACTS, GRAPH_ONTOLOGY, IPKGO
from ipkg.store.changes import UpdateChange
from ipkg.store.incremental import IncrementalWriter

REPO = Path(__file__).resolve().parents[1]


def knowledge_graph(size: str, seed: int) -> KnowledgeGraph:
    """The shipped sources, or the shipped ontology and shapes with ``size`` generated triples (not validated)."""
    with tempfile.TemporaryDirectory() as state:
        sources = load_sources(Settings(root=REPO, state_dir=Path(state)))
    dataset = Dataset()
    for triple in sources.ontology:
        dataset.graph(GRAPH_ONTOLOGY).add(triple)
    if size == "shipped":
        asserted = sources.asserted_graphs()
    else:
        text = io.StringIO()
        generate(text, int(size.removesuffix("k")) * 1000, seed=seed, fmt="ntriples")
        asserted = {GRAPH_FACTS: Graph().parse(data=text.getvalue(), format="nt")}
    for name, graph in asserted.items():
        target = dataset.graph(name)
        for triple in graph:
            target.add(triple)
    return KnowledgeGraph(dataset=dataset, shapes=sources.shapes, report=CONFORMS)


@dataclass
class Result:
    """Medians of one data set, in seconds."""

    size: str
    quads: int
    start: float
    full: float
    dred: float


def measure(size: str, runs: int, seed: int) -> Result:
    """Interleaved timings of one removal, by delete and rederive and by the full recomputation."""
    kg = knowledge_graph(size, seed)
    started = time.perf_counter()
    writer = IncrementalWriter(kg)
    start = time.perf_counter() - started
    s, p, o = min(kg.dataset.graph(GRAPH_FACTS).triples((None, IPKGO.citizenOf, None)), key=str)
    block = f"GRAPH <{GRAPH_FACTS}> {{ {s.n3()} {p.n3()} {o.n3()} }}"
    delete, insert = UpdateChange(f"DELETE DATA {{ {block} }}"), UpdateChange(f"INSERT DATA {{ {block} }}")
    times: dict[str, list[float]] = {"dred": [], "full": []}
    for _ in range(runs):
        for mode, seconds in times.items():
            declining = mock.patch.object(Edit, "retract", return_value=False)
            with declining if mode == "full" else contextlib.nullcontext():
                started = time.perf_counter()
                committed = writer.commit(delete)
                seconds.append(time.perf_counter() - started)
            assert committed is not None and committed[1], "the removal takes inferred triples with it"
            writer.commit(insert)
    quads = sum(1 for _ in writer.quads())
    return Result(size, quads, start, statistics.median(times["full"]), statistics.median(times["dred"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="shipped,100k", help="comma-separated: shipped, or N k generated triples")
    parser.add_argument("--runs", type=int, default=7, help="timed removals per mode and data set")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated data")
    args = parser.parse_args()
    print("| data | quads | writer start | removal, full closure (p50) | removal, DRed (p50) | ratio |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes.split(","):
        r = measure(size.strip(), args.runs, args.seed)
        print(
            f"| {r.size} | {r.quads:,} | {r.start:.1f} s | {r.full * 1000:,.0f} ms | {r.dred * 1000:,.1f} ms "
            f"| {r.full / r.dred:.0f}× |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
