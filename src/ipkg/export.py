"""Serialise graphs and datasets in every RDF format, deterministically.

Same graph, same bytes: Turtle goes through rdflib's ``longturtle`` (sorted
subjects and predicates, ipkg's prefixes only), line-based formats are sorted.
The shipped Turtle files are kept in this form (``ipkg fmt``), so diffs stay
readable and a test fails when one is not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Dataset, Graph, URIRef

from ipkg import jsonld
from ipkg.build.load import parse_text
from ipkg.errors import IpkgError
from ipkg.namespaces import (
    GRAPH_EXTERNAL,
    GRAPH_FACTS,
    GRAPH_INFERRED,
    GRAPH_LINKS,
    GRAPH_ONTOLOGY,
    bind_prefixes,
)

if TYPE_CHECKING:
    from ipkg.store.base import Snapshot


@dataclass(frozen=True)
class RdfFormat:
    """One output format: its CLI name, rdflib serializer, file suffix and media type."""

    name: str
    serializer: str
    suffix: str
    media_type: str
    quads: bool = False


FORMATS: dict[str, RdfFormat] = {
    f.name: f
    for f in (
        RdfFormat("turtle", "longturtle", ".ttl", "text/turtle"),
        RdfFormat("ntriples", "nt", ".nt", "application/n-triples"),
        RdfFormat("nquads", "nquads", ".nq", "application/n-quads", quads=True),
        RdfFormat("trig", "trig", ".trig", "application/trig", quads=True),
        RdfFormat("xml", "xml", ".rdf", "application/rdf+xml"),
        RdfFormat("jsonld", "json-ld", ".jsonld", "application/ld+json"),
    )
}
"""Every export format by name (the names the CLI and ``format=`` accept)."""

GRAPH_SELECTIONS = ("all", "asserted", "inferred", "ontology", "facts", "links", "external")
"""Which named graphs an export takes: ``all`` is every named graph (also ones clients wrote),
``asserted`` everything but the inferred graph."""


def select_graphs(snapshot: Snapshot, which: str) -> list[Graph]:
    """The non-empty named graphs of ``snapshot`` that ``which`` (one of GRAPH_SELECTIONS) names, sorted by IRI.

    Raises:
        IpkgError: ``which`` is not a known selection.
    """
    if which not in GRAPH_SELECTIONS:
        raise IpkgError(f"unknown graph selection {which!r}; use one of {', '.join(GRAPH_SELECTIONS)}")
    tests: dict[str, Callable[[URIRef], bool]] = {
        "ontology": lambda i: i == GRAPH_ONTOLOGY,
        "facts": lambda i: i == GRAPH_FACTS,
        "links": lambda i: i == GRAPH_LINKS,
        "inferred": lambda i: i == GRAPH_INFERRED,
        "external": lambda i: str(i).startswith(GRAPH_EXTERNAL),
        "asserted": lambda i: i != GRAPH_INFERRED,
        "all": lambda i: True,
    }
    wanted = tests[which]
    iris = [i for i in sorted(snapshot.graph_sizes()) if wanted(i)]
    dataset = snapshot.to_dataset(iris)
    return [dataset.graph(i) for i in iris]


def serialize(graphs: list[Graph], format_name: str, *, context_url: str = jsonld.CONTEXT_URL) -> bytes:
    """Serialise ``graphs`` in ``format_name``: triple formats merge them, quad formats keep the names."""
    fmt = FORMATS.get(format_name)
    if fmt is None:
        raise IpkgError(f"unknown format {format_name!r}; use one of {', '.join(FORMATS)}")
    if fmt.quads:
        target: Graph = Dataset()
        for graph in graphs:
            named = target.graph(graph.identifier)  # type: ignore[attr-defined]
            for triple in graph:
                named.add(triple)
    else:
        target = Graph()
        for graph in graphs:
            for triple in graph:
                target.add(triple)
    return serialize_graph(target, format_name, context_url=context_url)


def serialize_graph(graph: Graph, format_name: str, *, context_url: str = jsonld.CONTEXT_URL) -> bytes:
    """Serialise one graph (or dataset) deterministically, in any format.

    A plain graph asked for in a quad format goes into a dataset, as the named
    graph it is when it has an IRI, otherwise as the default graph (rdflib
    refuses N-Quads of a plain graph and names a random blank node in TriG).
    JSON-LD is compacted against ipkg's context, referred to as ``context_url``.
    """
    fmt = FORMATS[format_name]
    if fmt.quads and not isinstance(graph, Dataset):
        dataset = Dataset()
        target = dataset.graph(graph.identifier) if isinstance(graph.identifier, URIRef) else dataset.default_graph
        for triple in graph:
            target.add(triple)
        graph = dataset
    if format_name == "jsonld" and not isinstance(graph, Dataset):
        return jsonld.dumps(jsonld.compact(graph, context_url=context_url))
    bind_prefixes(graph)
    data = graph.serialize(format=fmt.serializer, encoding="utf-8")
    if fmt.serializer in ("nt", "nquads"):
        lines = sorted({line for line in data.decode("utf-8").splitlines() if line.strip()})
        data = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    return data


def format_turtle(text: str, source: str | Path = "<input>") -> str:
    """The canonical form of a Turtle document: its leading comment block, then longturtle.

    Raises:
        LoadError: the document does not parse.
    """
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line.rstrip())
    graph = parse_text(text, "turtle", source=source)
    body = serialize_graph(graph, "turtle").decode("utf-8").strip()
    # longturtle leaves whitespace-only lines between the members of a list
    body = "\n".join(line for line in body.splitlines() if line == "" or line.strip())
    return ("\n".join(header) + "\n" if header else "") + body + "\n"
