"""Files and request bodies → RDF graphs, or a LoadError naming file, line and column.

Parsing always goes into a fresh graph: a document that fails half-way is
thrown away whole, so nothing half-loaded is ever used.

Turtle, TriG, N-Triples and N-Quads are read by Oxigraph's parsers (in Rust,
about twenty times faster than rdflib's Turtle parser, and strict about IRIs);
a document Oxigraph refuses is parsed again by rdflib, whose error names the
line and column ipkg reports, so a bad file reads the same either way. Terms
come out exactly as rdflib reads them: a text that may hold one Oxigraph would
normalise (an ``xsd:string`` literal, a language tag in capitals) is left to rdflib.
"""

from __future__ import annotations

import json
import re
import xml.sax
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from ipkg.config import Settings
from ipkg.errors import LoadError, QueryTimeout, RemoteContextRefused
from ipkg.jsonld import inline_contexts
from ipkg.namespaces import GRAPH_LINKS, external_graph
from ipkg.ntriples import NTriplesError, read_quads
from ipkg.sparql.deadline import CHECK_EVERY, DeadlineMemory, check_deadline
from ipkg.terms import from_ox

RDF_SUFFIXES: dict[str, str] = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".n3": "n3",
}
"""File suffix → rdflib parser name."""

QUAD_FORMATS = frozenset({"nquads", "trig"})
LINE_FORMATS = frozenset({"nt", "nquads"})
OXIGRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
}
"""rdflib parser name → the Oxigraph parser that reads the same syntax faster."""


@dataclass
class Sources:
    """Everything the build reads, parsed: one graph per concern."""

    ontology: Graph
    facts: Graph
    shapes: Graph
    links: Graph
    external: dict[str, Graph] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    """Every file read, in a stable order (the build cache hashes them)."""

    def asserted_graphs(self) -> dict[URIRef, Graph]:
        """The named graphs of asserted data (not the ontology, not the shapes)."""
        from ipkg.namespaces import GRAPH_FACTS

        graphs = {GRAPH_FACTS: self.facts, GRAPH_LINKS: self.links}
        graphs.update({external_graph(name): g for name, g in sorted(self.external.items())})
        return graphs


@dataclass(frozen=True)
class SourceFiles:
    """The files a build reads, by role, found without parsing any of them."""

    ontology: list[Path]
    facts: list[Path]
    links: list[Path]
    shapes: list[Path]
    external: list[Path]

    @property
    def all(self) -> list[Path]:
        """Every file, in a stable order (the build cache hashes them)."""
        return [*self.ontology, *self.facts, *self.links, *self.shapes, *self.external]


def source_files(settings: Settings) -> SourceFiles:
    """The project's RDF files: ontology, facts, ``data/links/``, shapes, ``<state_dir>/external/``.

    Raises:
        LoadError: a folder is missing.
    """
    data_files = rdf_files(settings.data_dir)
    links_dir = settings.data_dir / "links"
    external_dir = settings.var_dir / "external"
    return SourceFiles(
        ontology=rdf_files(settings.ontology_dir),
        facts=[f for f in data_files if links_dir not in f.parents],
        links=[f for f in data_files if links_dir in f.parents],
        shapes=rdf_files(settings.shapes_dir),
        external=rdf_files(external_dir) if external_dir.is_dir() else [],
    )


def load_sources(settings: Settings) -> Sources:
    """Parse the ontology, facts, links, external imports and shapes of ``settings.root``.

    ``data/links/`` goes to the links graph; ``<state_dir>/external/<name>.nt``
    (written by ``ipkg import``) to the external graph ``name``.

    Raises:
        LoadError: a file does not parse, or a folder is missing.
    """
    files = source_files(settings)
    return Sources(
        ontology=parse_files(files.ontology),
        facts=parse_files(files.facts),
        shapes=parse_files(files.shapes),
        links=parse_files(files.links),
        external={path.stem: parse_files([path]) for path in files.external},
        files=files.all,
    )


def rdf_files(folder: Path) -> list[Path]:
    """The RDF files under ``folder``, recursively, in a stable (sorted) order.

    Raises:
        LoadError: ``folder`` does not exist.
    """
    if not folder.is_dir():
        raise LoadError(folder, "folder not found (is the project root right? see the 'root' setting)")
    return sorted(p for p in folder.rglob("*") if p.suffix in RDF_SUFFIXES and p.is_file())


def parse_files(paths: Iterable[Path], graph: Graph | None = None) -> Graph:
    """Parse every file into one graph (a new one unless given)."""
    graph = Graph() if graph is None else graph
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LoadError(path, f"cannot read: {exc}") from exc
        parse_text(text, format_for(path), source=path, into=graph)
    return graph


def format_for(path: Path) -> str:
    """The rdflib parser for ``path``, from its suffix."""
    try:
        return RDF_SUFFIXES[path.suffix]
    except KeyError:
        raise LoadError(path, f"unknown RDF file type {path.suffix!r}; use one of {', '.join(RDF_SUFFIXES)}") from None


def parse_text(
    text: str,
    format: str,
    *,
    source: str | Path = "<input>",
    into: Graph | None = None,
    base: str | None = None,
) -> Graph:
    """Parse ``text`` and add it to ``into`` only if the whole document parses.

    Quad formats (TriG, N-Quads) are parsed into a Dataset; their triples are
    merged into ``into`` unless it is itself a Dataset. N-Triples and N-Quads are
    read by ``ipkg.ntriples`` (linear in the length of a line); RDF/XML with a
    DTD or entity declarations is refused before parsing (entity expansion, XXE).
    The scratch graph checks the thread's deadline as it grows, so a parse stops
    with the caller's time limit (``sparql.deadline``).

    Raises:
        LoadError: with the parser's message and, where it can be told, line and column.
        QueryTimeout: the caller's deadline passed while parsing.
    """
    target = Graph() if into is None else into
    statements = _read_with_oxigraph(text, format, base)
    if statements is not None:
        keep_names = isinstance(target, Dataset)
        for s, p, o, g in statements:
            target.add((s, p, o, g) if keep_names and g is not None else (s, p, o))  # type: ignore[arg-type]
        return target
    scratch: Graph = Dataset(store=DeadlineMemory()) if format in QUAD_FORMATS else Graph(store=DeadlineMemory())
    if format == "xml":
        _refuse_dtd(text, source)
    try:
        if format == "json-ld":
            text = inline_contexts(text)  # never let the parser fetch a context
        if format in LINE_FORMATS:
            for s, p, o, g in read_quads(text, graphs=format == "nquads"):
                scratch.add((s, p, o) if g is None else (s, p, o, g))  # type: ignore[arg-type]
        else:
            scratch.parse(data=text, format=format, publicID=base)
    except QueryTimeout:
        raise
    except Exception as exc:  # noqa: BLE001 - every parser failure becomes a LoadError
        line, column, message = _locate(exc, text)
        if line is None and format in LINE_FORMATS:
            line, column = _failing_line(text, format, message)
        raise LoadError(source, message, line=line, column=column) from exc
    for node in _terms(scratch):
        if isinstance(node, URIRef) and not is_valid_iri(node):
            raise LoadError(source, f'invalid IRI <{node}>: an IRI has a scheme and no spaces or <>"{{}}|^`\\')
    if isinstance(scratch, Dataset):
        keep_names = isinstance(target, Dataset)
        for s, p, o, g in scratch.quads((None, None, None, None)):
            target.add((s, p, o, g) if keep_names else (s, p, o))  # type: ignore[arg-type]
    else:
        for triple in scratch.triples((None, None, None)):
            target.add(triple)
    return target


_NORMALISED_BY_OXIGRAPH = re.compile(r"XMLSchema#string|xsd:string|@[A-Za-z0-9-]*[A-Z]")
"""What Oxigraph would not keep as written: ``"a"^^xsd:string`` becomes ``"a"`` and ``@en-GB`` becomes
``@en-gb`` (RDF 1.1 makes them equal; rdflib keeps both apart). ``ipkg fmt`` and the exports keep
a file's terms, so a text that may hold either is read by rdflib."""


def _read_with_oxigraph(text: str, format: str, base: str | None) -> list[tuple[Node, Node, Node, Node | None]] | None:
    """The document's statements (graph None: the default graph), or None when Oxigraph refuses it.

    None too for a text that may hold terms Oxigraph normalises (``_NORMALISED_BY_OXIGRAPH``).
    Each blank node label stands for a fresh blank node of this document (Oxigraph keeps
    labels as written; two documents' ``_:b1`` are different nodes). Terms are converted
    once per document. The thread's deadline is checked as statements are read.

    Raises:
        QueryTimeout: the caller's deadline passed while parsing.
    """
    syntax = OXIGRAPH_FORMATS.get(format)
    if syntax is None or _NORMALISED_BY_OXIGRAPH.search(text):
        return None
    terms: dict[object, Node] = {}

    def term(node: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
        found = terms.get(node)
        if found is None:
            found = terms[node] = BNode() if isinstance(node, ox.BlankNode) else from_ox(node)
        return found

    statements: list[tuple[Node, Node, Node, Node | None]] = []
    try:
        for count, quad in enumerate(ox.parse(input=text.encode("utf-8"), format=syntax, base_iri=base), start=1):
            if not count % CHECK_EVERY:
                check_deadline()
            graph = quad.graph_name
            name = None if isinstance(graph, ox.DefaultGraph) else term(graph)
            statements.append((term(quad.subject), term(quad.predicate), term(quad.object), name))
    except (SyntaxError, ValueError):
        return None
    if any(isinstance(node, URIRef) and not is_valid_iri(node) for node in terms.values()):
        return None
    return statements


_DTD = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _refuse_dtd(text: str, source: str | Path) -> None:
    """RDF/XML needs no DTD; one can expand entities to gigabytes or read local files, so it is refused."""
    found = _DTD.search(text)
    if found is not None:
        line, column = _line_col(text, found.start())
        raise LoadError(
            source,
            "RDF/XML with a DTD or entity declarations (<!DOCTYPE …>, <!ENTITY …>) is not accepted: "
            "entities can expand to gigabytes or read local files; send the document without them",
            line=line,
            column=column,
        )


_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\]*")


def is_valid_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI (RFC 3987: a scheme, none of the characters IRIs exclude)."""
    return _IRI.fullmatch(text) is not None


def _terms(graph: Graph) -> Iterable[object]:
    quads = graph.quads((None, None, None, None)) if isinstance(graph, Dataset) else graph.triples((None, None, None))
    for statement in quads:
        yield from statement


def _locate(exc: Exception, text: str) -> tuple[int | None, int | None, str]:
    """Line, column (1-based) and a clean message for a parser exception."""
    if isinstance(exc, NTriplesError):
        return exc.line, exc.column, exc.reason
    if isinstance(exc, BadSyntax):
        index = exc._i  # noqa: SLF001 - rdflib keeps the offset only here
        return _line_col(text, index) + (f"bad syntax ({exc._why})",)  # noqa: SLF001
    if isinstance(exc, RemoteContextRefused):
        return None, None, str(exc)
    if isinstance(exc, json.JSONDecodeError):
        return exc.lineno, exc.colno, exc.msg
    if isinstance(exc, xml.sax.SAXParseException):
        column = exc.getColumnNumber()
        return exc.getLineNumber(), None if column is None else column + 1, exc.getMessage()
    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, IndexError):
        lines = text.splitlines() or [""]
        return len(lines), len(lines[-1]) + 1, "unexpected end of input (a statement is not finished)"
    return None, None, message


def _failing_line(text: str, format: str, message: str) -> tuple[int | None, int | None]:
    """For N-Triples / N-Quads, whose parser does not say where: the first line that fails alone."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            (Dataset() if format == "nquads" else Graph()).parse(data=line, format=format)
        except Exception:  # noqa: BLE001 - this is the line we are looking for
            rest = message.rpartition(":")[2].strip().strip("'\"")
            column = line.rfind(rest) + 1 if rest and rest in line else 1
            return number, column
    return None, None


def _line_col(text: str, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column
