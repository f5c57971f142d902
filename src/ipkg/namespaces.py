"""Every namespace and graph IRI of ipkg, declared once.

Data files, shapes, queries and code all take their prefixes from here (the
Turtle formatter binds exactly these), so a prefix never drifts between files.
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SH, SKOS, XSD, NamespaceManager

BASE = "https://w3id.org/ipkg/"

IPKG = Namespace(BASE + "id/")
"""Instances: states, organizations, people, treaties, events (``…/id/belarus``)."""
IPKGO = Namespace(BASE + "ontology#")
"""Ontology terms (classes and properties)."""
IPKGSH = Namespace(BASE + "shapes#")
"""SHACL shapes; a shape IRI states its rule (``ipkgsh:Event-date-datatype``)."""
SRC = Namespace(BASE + "id/source/")
"""Source documents and their sentences, the targets of ``prov:wasDerivedFrom``."""

ORG = Namespace("http://www.w3.org/ns/org#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
WIKIBASE = Namespace("http://wikiba.se/ontology#")
P = Namespace("http://www.wikidata.org/prop/")
PS = Namespace("http://www.wikidata.org/prop/statement/")
PQ = Namespace("http://www.wikidata.org/prop/qualifier/")
PR = Namespace("http://www.wikidata.org/prop/reference/")
PSV = Namespace("http://www.wikidata.org/prop/statement/value/")
PQV = Namespace("http://www.wikidata.org/prop/qualifier/value/")
WDS = Namespace("http://www.wikidata.org/entity/statement/")
WDV = Namespace("http://www.wikidata.org/value/")
WDREF = Namespace("http://www.wikidata.org/reference/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

GRAPH_BASE = BASE + "graph/"
GRAPH_ONTOLOGY = URIRef(GRAPH_BASE + "ontology")
GRAPH_FACTS = URIRef(GRAPH_BASE + "facts")
GRAPH_LINKS = URIRef(GRAPH_BASE + "links")
GRAPH_INFERRED = URIRef(GRAPH_BASE + "inferred")
GRAPH_EXTERNAL = GRAPH_BASE + "external/"


def external_graph(name: str) -> URIRef:
    """IRI of the named graph holding the imported external dataset ``name``."""
    return URIRef(GRAPH_EXTERNAL + name)


PREFIXES: dict[str, Namespace] = {
    "ipkg": IPKG,
    "ipkgo": IPKGO,
    "ipkgsh": IPKGSH,
    "src": SRC,
    "dcterms": Namespace(str(DCTERMS)),
    "foaf": FOAF,
    "org": ORG,
    "owl": Namespace(str(OWL)),
    "prov": Namespace(str(PROV)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "schema": Namespace(str(SDO)),
    "sh": Namespace(str(SH)),
    "skos": Namespace(str(SKOS)),
    "xsd": Namespace(str(XSD)),
    "wd": WD,
    "wdt": WDT,
    "wikibase": WIKIBASE,
    "p": P,
    "ps": PS,
    "pq": PQ,
    "pr": PR,
    "psv": PSV,
    "pqv": PQV,
    "wds": WDS,
    "wdv": WDV,
    "wdref": WDREF,
    "void": VOID,
    "sd": SD,
}
"""The one prefix table: Turtle output, SPARQL examples and the UI all use it."""


def bind_prefixes(graph: Graph) -> Graph:
    """Replace ``graph``'s prefix bindings with ipkg's table, and return it.

    rdflib binds a few dozen default prefixes of its own; dropping them keeps
    serialised files free of prefixes nobody declared.
    """
    graph.namespace_manager = NamespaceManager(graph, bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def sparql_prologue() -> str:
    """``PREFIX`` lines for every ipkg prefix, to prepend to user queries."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
