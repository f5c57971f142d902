"""The one pipeline: load → validate → reason → dataset. CLI, server and tests all call ``build``.

The served dataset has one named graph per concern (ontology, facts, links,
external/<name>, inferred) and a default graph that is their union, as in
Fuseki's ``unionDefaultGraph``. Nothing is kept from a failed build: each step
works on fresh graphs and the dataset is only assembled at the end.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import rdflib.plugin
import rdflib.plugins.sparql
import rdflib.query
from rdflib import Dataset, Graph, URIRef

from ipkg import regex_guard
from ipkg.config import Settings
from ipkg.deadline import DeadlineMemory
from ipkg.errors import ValidationFailed
from ipkg.export import serialize_graph
from ipkg.load import Sources, load_sources
from ipkg.namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY, bind_prefixes
from ipkg.reason import infer
from ipkg.validate import Report, validate

log = logging.getLogger("ipkg.build")

# SPARQL LOAD and FROM must never fetch from the network on their own; the
# server enables fetching only for allow-listed endpoints (see serve/).
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
# Parse each distinct SPARQL text once (pySHACL re-runs constraint queries per focus node).
rdflib.plugin.register("sparql", rdflib.query.Processor, "ipkg.query", "CachingProcessor")
# REGEX/REPLACE with a time limit: a hostile pattern must not freeze the server.
regex_guard.install()

Progress = Callable[[str], None]


@dataclass
class KnowledgeGraph:
    """A built, validated, reasoned dataset, and what it was built from."""

    dataset: Dataset
    shapes: Graph
    report: Report
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ontology(self) -> Graph:
        """The ontology graph of the dataset."""
        return self.dataset.graph(GRAPH_ONTOLOGY)

    def asserted_graphs(self) -> dict[URIRef, Graph]:
        """Every named graph except the ontology and the inferred graph."""
        return {
            g.identifier: g  # type: ignore[misc]
            for g in self.dataset.graphs()
            if g.identifier not in (GRAPH_ONTOLOGY, GRAPH_INFERRED) and len(g)
        }


def build(settings: Settings, *, progress: Progress | None = None, cache: bool = True) -> KnowledgeGraph:
    """Load the project's files, validate them, reason, and return the dataset.

    A successful build is cached under ``<state_dir>/cache``, keyed by a hash
    of every input file and ipkg's version, so an unchanged project is not
    validated and reasoned again (``cache=False`` forces the full pipeline).

    Raises:
        LoadError: a file does not parse (file, line, column).
        ValidationFailed: the data violates the shapes (the report lists each violation).
        InconsistentData: OWL-RL found a contradiction.
    """
    say = progress or log.info
    timings: dict[str, float] = {}
    with _step("load", say, timings):
        sources = load_sources(settings)
    say(
        f"  {len(sources.ontology)} ontology, {len(sources.facts)} fact, "
        f"{len(sources.links)} link, {len(sources.shapes)} shape triples"
    )
    cached = cache_path(settings, sources) if cache else None
    if cached is not None and cached.exists():
        with _step("read cached build", say, timings):
            dataset = Dataset(store=DeadlineMemory(), default_union=True)
            dataset.parse(cached, format="nquads")
            bind_prefixes(dataset)
        return KnowledgeGraph(dataset=dataset, shapes=sources.shapes, report=CONFORMS, timings=timings)
    kg = assemble(sources.ontology, sources.shapes, sources.asserted_graphs(), progress=say, timings=timings)
    if cached is not None:
        _write_cache(cached, kg)
    return kg


CONFORMS = Report(conforms=True, results=(), graph=Graph())
"""The report of a build read from the cache (only conforming builds are cached)."""


def cache_path(settings: Settings, sources: Sources) -> Path:
    """Where the build of exactly these inputs is cached."""
    digest = hashlib.sha256(version("ipkg").encode() if _installed() else b"source-tree")
    for path in sources.files:
        digest.update(str(path.relative_to(settings.root) if path.is_relative_to(settings.root) else path).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return settings.var_dir / "cache" / f"build-{digest.hexdigest()[:24]}.nq"


def _installed() -> bool:
    try:
        version("ipkg")
    except PackageNotFoundError:
        return False
    return True


def _write_cache(path: Path, kg: KnowledgeGraph) -> None:
    """Write atomically and drop older builds; a cache that cannot be written is only a warning."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("build-*.nq"):
            old.unlink(missing_ok=True)
        scratch = path.with_suffix(".tmp")
        scratch.write_bytes(serialize_graph(kg.dataset, "nquads"))
        os.replace(scratch, path)
    except OSError as exc:
        log.warning("could not cache the build in %s: %s", path.parent, exc)


def load_and_validate(settings: Settings) -> tuple[Sources, Report]:
    """Parse and validate without reasoning (``ipkg validate``); never raises ValidationFailed."""
    sources = load_sources(settings)
    data = _union(sources.asserted_graphs().values())
    return sources, validate(data, sources.shapes, sources.ontology)


def assemble(
    ontology: Graph,
    shapes: Graph,
    asserted: Mapping[URIRef, Graph],
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> KnowledgeGraph:
    """Validate ``asserted`` graphs, reason over them, and put everything in a new dataset.

    Used by ``build`` and by transactional updates, which call it on a modified
    copy of the asserted graphs and swap the result in only if it succeeds.
    """
    say = progress or log.info
    timings = {} if timings is None else timings
    data = _union(asserted.values())
    with _step("validate", say, timings):
        report = validate(data, shapes, ontology)
    if not report.conforms:
        raise ValidationFailed(report)
    with _step("reason", say, timings):
        inferred = infer(ontology, [data])
    say(f"  {len(inferred)} inferred triples")
    dataset = Dataset(store=DeadlineMemory(), default_union=True)
    bind_prefixes(dataset)
    for identifier, graph in ((GRAPH_ONTOLOGY, ontology), *asserted.items(), (GRAPH_INFERRED, inferred)):
        target = dataset.graph(identifier)
        for triple in graph:
            target.add(triple)
    return KnowledgeGraph(dataset=dataset, shapes=shapes, report=report, timings=timings)


def _union(graphs: object) -> Graph:
    union = Graph()
    for graph in graphs:  # type: ignore[attr-defined]
        for triple in graph:
            union.add(triple)
    return union


@contextmanager
def _step(name: str, say: Progress, timings: dict[str, float]) -> Iterator[None]:
    say(f"{name} …")
    start = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - start
    say(f"{name}: done in {timings[name]:.2f} s")
