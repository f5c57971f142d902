"""The one pipeline: load → validate → reason → dataset. CLI, server and tests all call ``build``.

The served dataset has one named graph per concern (ontology, facts, links,
external/<name>, inferred) and a default graph that is their union, as in
Fuseki's ``unionDefaultGraph``. Nothing is kept from a failed build: each step
works on fresh graphs and the dataset is only assembled at the end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from rdflib import Dataset, Graph, URIRef

from ipkg.build.cache import cache_path, read_cache, write_cache
from ipkg.build.load import Sources, load_sources, parse_files, source_files
from ipkg.build.reason import infer
from ipkg.build.union import union
from ipkg.build.validate import Report, validate
from ipkg.config import Settings
from ipkg.errors import ValidationFailed
from ipkg.namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY, bind_prefixes
from ipkg.sparql import engine
from ipkg.sparql.deadline import DeadlineMemory

log = logging.getLogger("ipkg.build")

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
            URIRef(str(g.identifier)): g
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
    engine.install()
    say = progress or log.info
    timings: dict[str, float] = {}
    cached = cache_path(settings, source_files(settings).all) if cache else None
    if cached is not None and cached.exists():
        with _step("read cached build", say, timings):
            dataset = read_cache(cached)
            shapes = parse_files(source_files(settings).shapes)
        return KnowledgeGraph(dataset=dataset, shapes=shapes, report=CONFORMS, timings=timings)
    with _step("load", say, timings):
        sources = load_sources(settings)
    say(
        f"  {len(sources.ontology)} ontology, {len(sources.facts)} fact, "
        f"{len(sources.links)} link, {len(sources.shapes)} shape triples"
    )
    kg = rebuild(sources.ontology, sources.shapes, sources.asserted_graphs(), progress=say, timings=timings)
    if cached is not None:
        write_cache(cached, kg.dataset)
    return kg


def build_key(settings: Settings) -> str:
    """A digest of every input file and ipkg's version, found without parsing: equal keys, equal builds.

    Raises:
        LoadError: a project folder is missing.
    """
    return cache_path(settings, source_files(settings).all).stem.removeprefix("build-")


CONFORMS = Report(conforms=True, results=(), graph=Graph())
"""The report of a build read from the cache (only conforming builds are cached)."""


def build_with(
    settings: Settings, changes: Mapping[URIRef, Graph | None], *, progress: Progress | None = None
) -> KnowledgeGraph:
    """Build the project's files with some asserted graphs replaced (``None``: removed), without caching.

    What ``ipkg import``, ``ipkg link suggest --accept`` and the removal of an
    import ask before they write a file: does the project still build with it?

    Raises:
        ValidationFailed / InconsistentData: the change would break the project.
    """
    engine.install()
    sources = load_sources(settings)
    asserted = dict(sources.asserted_graphs())
    for iri, graph in changes.items():
        if graph is None:
            asserted.pop(iri, None)
        else:
            asserted[iri] = graph
    return rebuild(sources.ontology, sources.shapes, asserted, progress=progress or (lambda _: None))


def load_and_validate(settings: Settings) -> tuple[Sources, Report]:
    """Parse and validate without reasoning (``ipkg validate``); never raises ValidationFailed."""
    engine.install()
    sources = load_sources(settings)
    data = union(*sources.asserted_graphs().values())
    return sources, validate(data, sources.shapes, sources.ontology)


def rebuild(
    ontology: Graph,
    shapes: Graph,
    asserted: Mapping[URIRef, Graph],
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> KnowledgeGraph:
    """Validate ``asserted`` graphs, reason over them, and put everything in a new dataset.

    The one place that decides whether data builds: ``build`` calls it on the
    project's files, transactional updates on a modified copy of the asserted
    graphs (swapped in only if it succeeds), ``build_with`` before files are written.

    Raises:
        ValidationFailed: the data violates the shapes.
        InconsistentData: OWL-RL found a contradiction.
    """
    say = progress or log.info
    timings = {} if timings is None else timings
    data = union(*(graph for graph in asserted.values() if len(graph)))
    with _step("validate", say, timings):
        report = validate(data, shapes, ontology)
    if not report.conforms:
        raise ValidationFailed(report)
    with _step("reason", say, timings):
        inferred = infer(ontology, asserted.values())
    say(f"  {len(inferred)} inferred triples")
    dataset = Dataset(store=DeadlineMemory(), default_union=True)
    bind_prefixes(dataset)
    for identifier, graph in ((GRAPH_ONTOLOGY, ontology), *asserted.items(), (GRAPH_INFERRED, inferred)):
        target = dataset.graph(identifier)
        for triple in graph:
            target.add(triple)
    return KnowledgeGraph(dataset=dataset, shapes=shapes, report=report, timings=timings)


@contextmanager
def _step(name: str, say: Progress, timings: dict[str, float]) -> Iterator[None]:
    say(f"{name} …")
    start = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - start
    say(f"{name}: done in {timings[name]:.2f} s")
