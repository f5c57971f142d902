"""JSON-LD with short, readable keys: ipkg's published context, compaction and framing.

The context (``context.jsonld`` beside this module, served at ``/context.jsonld``
and published as ``CONTEXT_URL``) is generated from the ontology: one term per
ipkg class and property, named by its local name, object properties coerced
to ``@id``, labels as language maps. Compaction and framing use PyLD, the
JSON-LD 1.1 reference processor, with a document loader that knows ipkg's
context and fetches nothing else.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyld import jsonld
from rdflib import Dataset, Graph
from rdflib.namespace import OWL, RDF, RDFS

from ipkg.errors import RemoteContextRefused
from ipkg.namespaces import IPKGO, PREFIXES

CONTEXT_URL = "https://w3id.org/ipkg/context.jsonld"
"""Where ipkg's context is published; documents refer to it by this IRI."""
CONTEXT_FILE = Path(__file__).with_name("context.jsonld")

LANGUAGE_MAPS = {
    "label": "http://www.w3.org/2000/01/rdf-schema#label",
    "altLabel": "http://www.w3.org/2004/02/skos/core#altLabel",
    "prefLabel": "http://www.w3.org/2004/02/skos/core#prefLabel",
    "definition": "http://www.w3.org/2004/02/skos/core#definition",
    "comment": "http://www.w3.org/2000/01/rdf-schema#comment",
}
LINKS = {
    "sameAs": "http://www.w3.org/2002/07/owl#sameAs",
    "wasDerivedFrom": "http://www.w3.org/ns/prov#wasDerivedFrom",
}


def build_context(ontology: Graph) -> dict[str, Any]:
    """The ``@context`` for ipkg's vocabulary, from the ontology (deterministic, sorted)."""
    terms: dict[str, Any] = {"id": "@id", "type": "@type"}
    terms.update({prefix: str(namespace) for prefix, namespace in PREFIXES.items()})
    for name, iri in LANGUAGE_MAPS.items():
        terms[name] = {"@id": iri, "@container": "@language"}
    for name, iri in LINKS.items():
        terms[name] = {"@id": iri, "@type": "@id"}
    for term in sorted(set(ontology.subjects()), key=str):
        text = str(term)
        if not text.startswith(str(IPKGO)):
            continue
        local = text[len(str(IPKGO)) :]
        if (term, RDF.type, OWL.ObjectProperty) in ontology:
            terms[local] = {"@id": f"ipkgo:{local}", "@type": "@id"}
        elif (term, RDF.type, OWL.DatatypeProperty) in ontology or (term, RDF.type, RDF.Property) in ontology:
            terms[local] = {"@id": f"ipkgo:{local}"}
        elif (term, RDF.type, OWL.Class) in ontology or (term, RDFS.subClassOf, None) in ontology:
            terms[local] = f"ipkgo:{local}"
    return {"@context": dict(sorted(terms.items()))}


def context_text(ontology: Graph) -> str:
    """The context file's canonical text."""
    return json.dumps(build_context(ontology), indent=2, ensure_ascii=False) + "\n"


@lru_cache(maxsize=1)
def shipped_context() -> dict[str, Any]:
    """The context file shipped with ipkg."""
    context: dict[str, Any] = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    return context


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """PyLD document loader: ipkg's context from disk, anything else refused (no network)."""
    if url == CONTEXT_URL or url.endswith("/context.jsonld") and url.startswith(("http://127.", "http://localhost")):
        return {"contextUrl": None, "documentUrl": url, "document": shipped_context()}
    raise RemoteContextRefused(
        f"the JSON-LD context <{url}> is not fetched: ipkg reads only its own context ({CONTEXT_URL}); "
        "inline the context in the document"
    )


def compact(graph: Graph, *, frame_id: str | None = None, context_url: str = CONTEXT_URL) -> dict[str, Any]:
    """``graph`` compacted against ipkg's context, nodes sorted by id; or framed on one node.

    The document refers to the context as ``context_url`` (the published IRI,
    or the serving endpoint's own ``/context.jsonld`` so clients can fetch it);
    the context itself is always read from disk. Framing (``frame_id``) embeds
    the nodes the entity points to once: the entity and its neighbourhood as
    one tree.
    """
    expanded = json.loads(graph.serialize(format="json-ld"))
    options = {"documentLoader": _loader(context_url)}
    if frame_id is not None:
        frame = {"@context": context_url, "@id": frame_id, "@embed": "@once"}
        document: dict[str, Any] = jsonld.frame(expanded, frame, options)
        document["@context"] = context_url
        return document
    document = jsonld.compact(expanded, context_url, options)
    nodes = document.get("@graph")
    if isinstance(nodes, list):
        document["@graph"] = sorted((_sorted_sets(node) for node in nodes), key=_node_id)
    return document


def compact_dataset(dataset: Dataset, *, context_url: str = CONTEXT_URL) -> dict[str, Any]:
    """A dataset compacted against ipkg's context, its named graphs kept (JSON-LD 1.1 §4.9).

    The top-level ``@graph`` holds one graph object per named graph, ``{"id":
    <graph IRI>, "@graph": [nodes]}``, and the nodes of the default graph;
    graphs and nodes are sorted by id, so the inferred graph stays apart from the
    asserted ones.
    """
    expanded = json.loads(dataset.serialize(format="json-ld"))
    document: dict[str, Any] = jsonld.compact(expanded, context_url, {"documentLoader": _loader(context_url)})
    rest = {k: v for k, v in document.items() if k != "@context"}
    document = {"@context": document["@context"]}
    # a single node or graph object is compacted into the document itself: make it the one item
    items = rest.get("@graph", []) if set(rest) <= {"@graph"} else [rest]
    graphs = []
    for item in items if isinstance(items, list) else [items]:
        inner = item.get("@graph") if isinstance(item, dict) else None
        if inner is not None:
            nodes = inner if isinstance(inner, list) else [inner]
            item = {**item, "@graph": sorted((_sorted_sets(n) for n in nodes), key=_node_id)}
        else:
            item = _sorted_sets(item)
        graphs.append(item)
    document["@graph"] = sorted(graphs, key=_node_id)
    return document


def embed_context(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with ipkg's context written into it instead of referred to: it expands offline."""
    return {**document, "@context": shipped_context()["@context"]}


def _loader(context_url: str) -> Any:
    def loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        return document_loader(CONTEXT_URL if url == context_url else url, options)

    return loader


def _node_id(node: Any) -> str:
    return str(node.get("id", node.get("@id", ""))) if isinstance(node, dict) else json.dumps(node, sort_keys=True)


def _sorted_sets(node: Any) -> Any:
    """Arrays sorted (JSON-LD arrays are unordered sets, except ``@list``), for stable output."""
    if isinstance(node, dict):
        return {
            key: _sorted_lists_kept(value) if key == "@list" else _sorted_sets(value) for key, value in node.items()
        }
    if isinstance(node, list):
        return sorted((_sorted_sets(item) for item in node), key=lambda item: json.dumps(item, sort_keys=True))
    return node


def _sorted_lists_kept(items: Any) -> Any:
    return [_sorted_sets(item) for item in items] if isinstance(items, list) else _sorted_sets(items)


def dumps(document: dict[str, Any]) -> bytes:
    """Stable JSON text (sorted keys; ``@context`` first)."""
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def inline_contexts(text: str) -> str:
    """A JSON-LD document with ipkg's context inlined, so parsers never fetch it.

    Raises:
        RemoteContextRefused: the document names any other remote context.
    """
    return json.dumps(_visit(json.loads(text)))


def _visit(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _resolve(value) if key in ("@context", "@import") else _visit(value) for key, value in node.items()
        }
    if isinstance(node, list):
        return [_visit(item) for item in node]
    return node


def _resolve(context: Any) -> Any:
    """A context value with every remote reference (also ``@import`` and scoped contexts) inlined."""
    if isinstance(context, str):
        return document_loader(context)["document"]["@context"]
    if isinstance(context, list):
        return [_resolve(item) for item in context]
    return _visit(context)
