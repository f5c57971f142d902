"""What a mapping starts from besides the dump: the file as a Source, and the project's links.

The imported file is cited as an ``ipkgo:Source`` named by its SHA-256; the
local ``owl:sameAs`` links say which classes an item is already known to have,
which the model-fit checks of the mapping rely on.
"""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from ipkg.build.load import Sources
from ipkg.namespaces import IPKGO, SRC
from ipkg.wikidata.model import Model, qid


@dataclass(frozen=True)
class FileSource:
    """The imported file as an ipkgo:Source."""

    iri: URIRef
    url: str
    label: str

    def triples(self) -> Iterator[tuple[Node, Node, Node]]:
        yield self.iri, RDF.type, IPKGO.Source
        yield self.iri, RDFS.label, Literal(self.label, lang="en")
        yield self.iri, IPKGO.url, Literal(self.url, datatype=XSD.anyURI)
        yield self.iri, IPKGO.confidence, Literal("M")


def file_source(path: Path, data: bytes) -> FileSource:
    """The Source for a file: IRI and ``ni:`` URL (RFC 6920) from its SHA-256, label from its name only."""
    digest = hashlib.sha256(data).digest()
    url = "ni:///sha-256;" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
    return FileSource(
        iri=SRC["file-" + digest.hex()[:16]],
        url=url,
        label=f"Wikidata-style file {path.name} (SHA-256 {digest.hex()[:12]}…)",
    )


def linked_items(graphs: Iterable[Graph]) -> dict[URIRef, set[URIRef]]:
    """Wikidata item → the non-Wikidata resources linked to it by owl:sameAs (either direction)."""
    links: dict[URIRef, set[URIRef]] = defaultdict(set)
    for graph in graphs:
        for a, b in graph.subject_objects(OWL.sameAs):
            for wd, local in ((a, b), (b, a)):
                if qid(wd) and isinstance(local, URIRef) and not qid(local):
                    links[wd].add(local)  # type: ignore[index]
    return dict(links)


def local_classes(sources: Sources, model: Model) -> dict[URIRef, dict[URIRef, set[URIRef]]]:
    """Wikidata item → {linked local resource → its asserted classes}, from the local facts and links."""
    local = [sources.facts, sources.links]
    out: dict[URIRef, dict[URIRef, set[URIRef]]] = {}
    for wd, resources in linked_items(local).items():
        out[wd] = {r: {c for g in local for c in g.objects(r, RDF.type) if isinstance(c, URIRef)} for r in resources}
    return out
