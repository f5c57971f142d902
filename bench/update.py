"""One small committed update through the Oxigraph backend's writer: what a change costs at each size.

    python bench/update.py [--sizes shipped,100k] [--runs 9] [--seed 0]

For each data set (``removal.knowledge_graph``: the shipped data, or N generated triples with the
shipped ontology and shapes) one ``IncrementalWriter`` is made, and an ``OxigraphStore`` in a
temporary folder holding the same quads (its own writer made by a first write, not timed); then
four changes are timed in turn (A B C D A B C D …), each undone after its run (not timed):

- **insert**: ``writer.commit`` of an INSERT DATA of three facts about an existing person (a new
  label; ``foaf:Person``, which was inferred and becomes stated; a second citizenship, which the
  rules type, range and align to Wikidata);
- **delete**: ``writer.commit`` of a DELETE DATA of one fact (the person's first citizenship);
- **store insert**, **store delete**: the same changes through ``OxigraphStore.update`` on disk, the
  whole write path of the default backend (the update parsed, committed by the store's own writer,
  journalled, written to Oxigraph, flushed, and a checkpoint made for the query workers).

The medians are printed as a markdown table. Validation (the shapes on the touched nodes) and
reasoning are part of every figure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.namespace import FOAF, RDF, SKOS
from removal import knowledge_graph

from ipkg.build import CONFORMS, KnowledgeGraph
from ipkg.namespaces import GRAPH_FACTS, IPKGO
from ipkg.store.changes import UpdateChange
from ipkg.store.incremental import IncrementalWriter
from ipkg.store.oxigraph import OxigraphStore

KINDS = ("insert", "delete", "store insert", "store delete")


def changes(writer: IncrementalWriter) -> dict[str, tuple[UpdateChange, UpdateChange]]:
    """Per kind of change: (the change timed, the change that undoes it)."""
    facts = writer.dataset.graph(GRAPH_FACTS)
    person, _, country = min(facts.triples((None, IPKGO.citizenOf, None)), key=str)
    other = min((s for s in facts.subjects(RDF.type, IPKGO.State) if s != country), key=str)
    new = [(SKOS.altLabel, '"Bench Label"@en'), (RDF.type, FOAF.Person.n3()), (IPKGO.citizenOf, other.n3())]
    inserted = " ".join(f"{person.n3()} {p.n3()} {o} ." for p, o in new)
    removed = f"{person.n3()} {IPKGO.citizenOf.n3()} {country.n3()} ."

    def data(verb: str, triples: str) -> UpdateChange:
        return UpdateChange(f"{verb} DATA {{ GRAPH <{GRAPH_FACTS}> {{ {triples} }} }}")

    return {
        "insert": (data("INSERT", inserted), data("DELETE", inserted)),
        "delete": (data("DELETE", removed), data("INSERT", removed)),
    }


def measure(size: str, runs: int, seed: int) -> tuple[int, float, dict[str, float]]:
    """(quads, writer start in seconds, median seconds per kind of change) for one data set."""
    kg = knowledge_graph(size, seed)
    started = time.perf_counter()
    writer = IncrementalWriter(kg)
    start = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as state:
        folder = Path(state)
        store = OxigraphStore(
            folder / "store",
            key="bench",
            build=lambda: built(writer, kg.shapes),
            shapes=lambda: kg.shapes,
            journal=folder / "journal",
            workers=1,
        )
        try:
            store.update(changes(writer)["insert"][1].update)  # the store's writer is made at its first write
            timed = run(writer, store, runs)
            quads = sum(1 for _ in writer.quads())
            assert quads == sum(store.graph_sizes().values()), "the store holds what the writer holds"
        finally:
            store.close()
    return quads, start, {kind: statistics.median(seconds) for kind, seconds in timed.items()}


def built(writer: IncrementalWriter, shapes: Graph) -> KnowledgeGraph:
    """What a build gives the store to load: the asserted graphs and their inferred graph (the writer's)."""
    dataset = Dataset()
    for s, p, o, g in writer.quads():
        dataset.graph(g).add((s, p, o))
    return KnowledgeGraph(dataset=dataset, shapes=shapes, report=CONFORMS)


def run(writer: IncrementalWriter, store: OxigraphStore, runs: int) -> dict[str, list[float]]:
    """``runs`` rounds of every kind of change, interleaved; each change is undone untimed."""
    pairs = changes(writer)

    def through_store(change: UpdateChange) -> int:
        outcome = store.update(change.update)
        return outcome.added + outcome.removed

    timed: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for _ in range(runs):
        for kind in KINDS:
            change, undo = pairs[kind.removeprefix("store ")]
            commit = writer.commit if kind in pairs else through_store
            started = time.perf_counter()
            committed = commit(change)
            timed[kind].append(time.perf_counter() - started)
            assert committed, f"{kind} changed nothing"
            commit(undo)
    return timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="shipped,100k", help="comma-separated: shipped, or N k generated triples")
    parser.add_argument("--runs", type=int, default=9, help="timed changes per kind and data set")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated data")
    args = parser.parse_args()
    print("| data | quads | writer start | " + " | ".join(f"{kind} (p50)" for kind in KINDS) + " |")
    print("|---|---|---|" + "---|" * len(KINDS))
    for size in args.sizes.split(","):
        quads, start, medians = measure(size.strip(), args.runs, args.seed)
        cells = " | ".join(f"{medians[kind] * 1000:,.1f} ms" for kind in KINDS)
        print(f"| {size.strip()} | {quads:,} | {start:.1f} s | {cells} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
