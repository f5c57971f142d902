"""SPARQL 1.1 Service Description and VoID, built from the live store.

The service description (SD §3) answers GET /sparql without a query, and lists
the predeclared prefixes (``sh:declare``, SHACL's prefix declarations); VoID
(W3C Note 2011) is at /.well-known/void with statistics per named graph.
Statistics are computed once per store generation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SH, XSD

from ipkg.namespaces import BASE, IPKG, IPKGO, PREFIXES, SD, VOID, bind_prefixes
from ipkg.store.base import Quad, Store

FORMATS_NS = "http://www.w3.org/ns/formats/"
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "TriG",
    "N-Quads",
)
OWL_RDF_BASED = URIRef("http://www.w3.org/ns/entailment/OWL-RDF-Based")
OWL_RL_PROFILE = URIRef("http://www.w3.org/ns/owl-profile/RL")
DUMP_SUFFIXES = (".ttl", ".nt", ".nq", ".trig", ".rdf", ".jsonld")


class Statistics:
    """Per-graph VoID statistics, recomputed when the store's generation changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: tuple[int, dict[str, dict[str, int]]] | None = None

    def get(self, store: Store) -> dict[str, dict[str, int]]:
        """{graph IRI: {triples, classes, properties, distinctSubjects, distinctObjects, entities}}."""
        generation = store.generation
        with self._lock:
            if self._cache is not None and self._cache[0] == generation:
                return self._cache[1]
        # The graphs the store reports (as /health does), whatever their IRI: a graph a client
        # wrote through the Graph Store protocol is described like ipkg's own.
        snapshot = store.snapshot()
        stats = {str(iri): graph_statistics(snapshot.quads(graph=iri)) for iri in snapshot.graph_sizes()}
        stats["default"] = graph_statistics(snapshot.quads())
        with self._lock:
            self._cache = (generation, stats)
        return stats


def graph_statistics(quads: Iterable[Quad]) -> dict[str, int]:
    """The VoID counts of the triples of ``quads`` (a triple in several graphs counts once)."""
    subjects, objects, predicates, classes, entities = set(), set(), set(), set(), set()
    seen = set()
    for s, p, o, _ in quads:
        seen.add((s, p, o))
        subjects.add(s)
        objects.add(o)
        predicates.add(p)
        if p == RDF.type:
            classes.add(o)
        if isinstance(s, URIRef) and str(s).startswith(str(IPKG)):
            entities.add(s)
    return {
        "triples": len(seen),
        "entities": len(entities),
        "classes": len(classes),
        "properties": len(predicates),
        "distinctSubjects": len(subjects),
        "distinctObjects": len(objects),
    }


def service_description(
    endpoint: str, store: Store, stats: Statistics, *, update_enabled: bool, federation: bool
) -> Graph:
    """The SD graph of the endpoint at ``endpoint``."""
    g = bind_prefixes(Graph())
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if update_enabled:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for name in RESULT_FORMATS:
        g.add((service, SD.resultFormat, URIRef(FORMATS_NS + name)))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    if federation:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    for prefix, namespace in PREFIXES.items():
        # Predeclared prefixes, in SHACL's vocabulary for prefix declarations (SHACL §5.2.1), as
        # SPARQL endpoints that predeclare prefixes describe them: a query may use them undeclared.
        declaration = BNode(f"prefix-{prefix}")
        g.add((service, SH.declare, declaration))
        g.add((declaration, RDF.type, SH.PrefixDeclaration))
        g.add((declaration, SH.prefix, Literal(prefix)))
        g.add((declaration, SH.namespace, Literal(str(namespace), datatype=XSD.anyURI)))
    g.add((service, SD.defaultEntailmentRegime, OWL_RDF_BASED))
    g.add((service, SD.defaultSupportedEntailmentProfile, OWL_RL_PROFILE))
    counts = stats.get(store)
    dataset = BNode("defaultDataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default = BNode("defaultGraph")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(counts["default"]["triples"], datatype=XSD.integer)))
    for iri, numbers in sorted(counts.items()):
        if iri == "default":
            continue
        named, inner = BNode(), BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(iri)))
        g.add((named, SD.graph, inner))
        g.add((inner, RDF.type, SD.Graph))
        g.add((inner, VOID.triples, Literal(numbers["triples"], datatype=XSD.integer)))
    return g


def void_description(root: str, store: Store, stats: Statistics) -> Graph:
    """The VoID description of the dataset served at ``root`` (ends with '/')."""
    g = bind_prefixes(Graph())
    dataset = URIRef(BASE + "dataset")
    counts = stats.get(store)
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, DCTERMS.title, Literal("ipkg: international intellectual-property cooperation", lang="en")))
    g.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "States, agencies, people, treaties, documents and events of WIPO's cooperation with Belarus, "
                "with OWL 2 RL inferences in their own graph.",
                lang="en",
            ),
        )
    )
    g.add((dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    g.add((dataset, VOID.sparqlEndpoint, URIRef(root + "sparql")))
    g.add((dataset, VOID.uriSpace, Literal(str(IPKG))))
    g.add((dataset, VOID.vocabulary, URIRef(str(IPKGO))))
    for example in ("belarus", "wipo"):
        g.add((dataset, VOID.exampleResource, IPKG[example]))
    for suffix in DUMP_SUFFIXES:
        g.add((dataset, VOID.dataDump, URIRef(f"{root}dataset{suffix}")))
    _add_counts(g, dataset, counts["default"])
    for iri, numbers in sorted(counts.items()):
        if iri == "default":
            continue
        subset = URIRef(iri)
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, SD.name, subset))
        g.add((subset, VOID.sparqlEndpoint, URIRef(root + "sparql")))
        _add_counts(g, subset, numbers)
    return g


def _add_counts(g: Graph, node: URIRef, numbers: dict[str, int]) -> None:
    for key, value in numbers.items():
        g.add((node, VOID[key], Literal(value, datatype=XSD.integer)))
