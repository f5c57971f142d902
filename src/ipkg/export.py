"""Serialise graphs and datasets in every RDF format, deterministically.

Same graph, same bytes: Turtle goes through rdflib's ``longturtle`` (sorted
subjects and predicates, ipkg's prefixes only), line-based formats are sorted,
JSON-LD nodes and values are sorted. Blank nodes get canonical labels first
(``canonical``: rdflib's canonical hashing of each blank node's neighbourhood,
then ``c14n0``, ``c14n1`` … in hash order), so two processes write the same
bytes although each parses the files into fresh blank nodes. The shipped
Turtle files are kept in this form (``ipkg fmt``), so diffs stay readable and a
test fails when one is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from ipkg import jsonld
from ipkg.build.load import parse_text
from ipkg.errors import IpkgError, NotFound
from ipkg.namespaces import (
    GRAPH_BASE,
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
        RdfFormat("jsonld", "json-ld", ".jsonld", "application/ld+json", quads=True),
    )
}
"""Every export format by name (the names the CLI and ``format=`` accept)."""

GRAPH_SELECTIONS = ("all", "asserted", "inferred", "ontology", "facts", "links", "external")
"""Which named graphs an export takes: ``all`` is every named graph (also ones clients wrote),
``asserted`` everything but the inferred graph. A full graph IRI names that one graph."""

CONTEXT_FORMS = ("embed", "remote")
"""How a JSON-LD export carries ipkg's context: inline (expands offline), or by its URL."""


def select_graphs(snapshot: Snapshot, which: str) -> list[Graph]:
    """The non-empty named graphs of ``snapshot`` that ``which`` names, sorted by IRI.

    ``which`` is one of GRAPH_SELECTIONS or the full IRI of a graph of the snapshot
    (``https://w3id.org/ipkg/graph/facts``, ``…/graph/external/NAME``, a graph a client wrote).

    Raises:
        NotFound: ``which`` is an IRI the snapshot holds no (non-empty) graph for.
        IpkgError: ``which`` is neither a selection nor an IRI.
    """
    if which not in GRAPH_SELECTIONS:
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", which):
            raise IpkgError(
                f"unknown graph selection {which!r}; use one of {', '.join(GRAPH_SELECTIONS)} or a graph IRI"
            )
        if URIRef(which) not in snapshot.graph_sizes():
            known = ", ".join(str(i).removeprefix(GRAPH_BASE) for i in sorted(snapshot.graph_sizes()))
            raise NotFound(f"no graph <{which}> in the dataset (graphs under {GRAPH_BASE}: {known})")
        dataset = snapshot.to_dataset([URIRef(which)])
        return [dataset.graph(URIRef(which))]
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


def serialize(
    graphs: list[Graph], format_name: str, *, context_url: str = jsonld.CONTEXT_URL, context: str = "embed"
) -> bytes:
    """Serialise ``graphs`` in ``format_name``: triple formats merge them, quad formats (N-Quads, TriG,
    JSON-LD) keep the names. JSON-LD embeds ipkg's context, or with ``context="remote"`` refers to
    ``context_url``."""
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
    return serialize_graph(target, format_name, context_url=context_url, context=context)


def serialize_graph(
    graph: Graph, format_name: str, *, context_url: str = jsonld.CONTEXT_URL, context: str = "remote"
) -> bytes:
    """Serialise one graph (or dataset) deterministically, in any format, blank nodes labelled canonically.

    A plain graph asked for in N-Quads or TriG goes into a dataset, as the named
    graph it is when it has an IRI, otherwise as the default graph (rdflib
    refuses N-Quads of a plain graph and names a random blank node in TriG).
    JSON-LD is compacted against ipkg's context, referred to as ``context_url``
    (``context="remote"``) or written into the document (``"embed"``); a dataset
    keeps its named graphs (``{"id": <graph>, "@graph": [...]}``).
    """
    if context not in CONTEXT_FORMS:
        raise IpkgError(f"unknown JSON-LD context form {context!r}; use one of {', '.join(CONTEXT_FORMS)}")
    fmt = FORMATS[format_name]
    graph = canonical(graph)
    if format_name == "jsonld":
        document = (
            jsonld.compact_dataset(graph, context_url=context_url)
            if isinstance(graph, Dataset)
            else jsonld.compact(graph, context_url=context_url)
        )
        return jsonld.dumps(jsonld.embed_context(document) if context == "embed" else document)
    if fmt.quads and not isinstance(graph, Dataset):
        dataset = Dataset()
        target = dataset.graph(graph.identifier) if isinstance(graph.identifier, URIRef) else dataset.default_graph
        for triple in graph:
            target.add(triple)
        graph = dataset
    if fmt.serializer == "trig":
        assert isinstance(graph, Dataset)
        return _trig(graph)
    if fmt.serializer == "xml":
        graph = _SortedGraph.copy_of(graph)
    bind_prefixes(graph)
    data = graph.serialize(format=fmt.serializer, encoding="utf-8")
    if fmt.serializer in ("nt", "nquads"):
        lines = sorted({line for line in data.decode("utf-8").splitlines() if line.strip()})
        data = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    return data


def _trig(dataset: Dataset) -> bytes:
    """TriG with the graphs in IRI order (rdflib writes them in hash order), the default graph first."""
    prefixes: set[str] = set()
    blocks = []
    for source in sorted(dataset.graphs(), key=lambda g: (not _is_default(g), str(g.identifier))):
        if not len(source):
            continue
        single = Dataset()
        target = single.default_graph if _is_default(source) else single.graph(source.identifier)
        for triple in source:
            target.add(triple)
        lines = bind_prefixes(single).serialize(format="trig").splitlines()
        head = 0
        while head < len(lines) and (lines[head].startswith("@prefix") or not lines[head].strip()):
            if lines[head].strip():
                prefixes.add(lines[head])
            head += 1
        blocks.append("\n".join(lines[head:]).strip("\n"))
    text = "\n".join(sorted(prefixes)) + "\n\n" + "\n\n".join(blocks) + "\n" if blocks else ""
    return text.encode("utf-8")


def _is_default(graph: Graph) -> bool:
    return str(graph.identifier) == "urn:x-rdflib:default"


class _SortedGraph(Graph):
    """A graph that lists subjects and their values in a fixed order, for rdflib's RDF/XML writer.

    rdflib's in-memory store keeps a subject's statements in a set, whose order changes from one
    process to the next; the RDF/XML serializer writes them in that order.
    """

    @classmethod
    def copy_of(cls, graph: Graph) -> _SortedGraph:
        out = cls(identifier=graph.identifier)
        for triple in graph:
            out.add(triple)
        return out

    def subjects(  # type: ignore[override]
        self, predicate: Any = None, object: Any = None, unique: bool = False
    ) -> Iterator[Node]:
        yield from sorted(set(super().subjects(predicate, object)), key=_key)

    def predicate_objects(  # type: ignore[override]
        self, subject: Any = None, unique: bool = False
    ) -> Iterator[tuple[Node, Node]]:
        yield from sorted(set(super().predicate_objects(subject)), key=lambda po: (_key(po[0]), _key(po[1])))


def _key(node: Node) -> tuple[str, str]:
    return type(node).__name__, node.n3()


def canonical(graph: Graph) -> Graph:
    """``graph`` (or a dataset) with canonical blank node labels; itself when it has no blank node.

    Only the statements that mention a blank node are relabelled: a blank node's
    canonical hash depends on them alone. They are handed to rdflib's canonical
    labelling (``rdflib.compare``, hashing each blank node's neighbourhood) as
    triples whose predicate also encodes the graph, so that a dataset is labelled
    as a whole; the hashes are then renamed ``c14n0``, ``c14n1`` … in their order.
    """
    quads = _quads(graph)
    with_blank = [q for q in quads if isinstance(q[0], BNode) or isinstance(q[2], BNode)]
    if not with_blank:
        return graph
    pairs = sorted({(str(g), str(p)) for _, p, _, g in with_blank})
    code = {pair: URIRef(f"urn:x-ipkg:quad:{n}") for n, pair in enumerate(pairs)}
    decode = {iri: (URIRef(g), URIRef(p)) for (g, p), iri in code.items()}
    encoded = Graph()
    for s, p, o, g in with_blank:
        encoded.add((s, code[(str(g), str(p))], o))
    relabelled = list(to_canonical_graph(encoded))
    hashes = sorted({str(n) for t in relabelled for n in (t[0], t[2]) if isinstance(n, BNode)})
    short = {h: BNode(f"c14n{n}") for n, h in enumerate(hashes)}

    def label(node: Node) -> Node:
        return short[str(node)] if isinstance(node, BNode) else node

    out: Graph = Dataset() if isinstance(graph, Dataset) else Graph(identifier=graph.identifier)
    kept = set(with_blank)
    for s, p, o, g in (*(q for q in quads if q not in kept), *_decoded(relabelled, decode, label)):
        if isinstance(out, Dataset):
            out.graph(g).add((s, p, o))
        else:
            out.add((s, p, o))
    return out


def _quads(graph: Graph) -> list[tuple[Node, Node, Node, URIRef]]:
    if isinstance(graph, Dataset):
        return [(s, p, o, g) for s, p, o, g in graph.quads((None, None, None, None)) if isinstance(g, URIRef)]
    name = graph.identifier if isinstance(graph.identifier, URIRef) else URIRef("urn:x-rdflib:default")
    return [(s, p, o, name) for s, p, o in graph]


def _decoded(
    triples: list[tuple[Node, Node, Node]],
    decode: dict[URIRef, tuple[URIRef, URIRef]],
    label: Callable[[Node], Node],
) -> list[tuple[Node, Node, Node, URIRef]]:
    out: list[tuple[Node, Node, Node, URIRef]] = []
    for s, code, o in triples:
        g, p = decode[URIRef(str(code))]
        out.append((label(s), p, label(o), g))
    return out


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
