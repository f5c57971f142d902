"""How a node is shown on an HTML page: its label, link, CURIE and note.

Shared by the entity and the ontology pages, so that a term reads and links
the same wherever it appears (ipkg resources and ontology terms link inside
the endpoint, Wikidata IRIs to their Wikidata pages).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask import url_for
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ipkg.namespaces import BASE, IPKG, IPKGO, PREFIXES, WD, WDT
from ipkg.store.union import Union

ONTOLOGY_IRI = URIRef(BASE + "ontology")
"""The ``owl:Ontology`` resource; its terms are ``ONTOLOGY_IRI#Term``."""

ALTERNATES = (("Turtle", "ttl"), ("JSON-LD", "jsonld"), ("N-Triples", "nt"), ("RDF/XML", "rdfxml"), ("TriG", "trig"))
"""Links to the other representations, shown on every HTML page."""

LABEL_PREDICATES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)
DEFINITION_PREDICATES = (SKOS.definition, RDFS.comment, DCTERMS.description)

VOCABULARY_LABELS = {
    RDF.type: "type",
    RDFS.label: "label",
    RDFS.comment: "comment",
    RDFS.seeAlso: "see also",
    RDFS.subClassOf: "subclass of",
    RDFS.subPropertyOf: "subproperty of",
    RDFS.domain: "domain",
    RDFS.range: "range",
    OWL.sameAs: "same as",
    OWL.inverseOf: "inverse of",
    OWL.equivalentClass: "equivalent class",
    OWL.equivalentProperty: "equivalent property",
    SKOS.prefLabel: "preferred label",
    SKOS.altLabel: "alternative label",
    SKOS.definition: "definition",
    SKOS.note: "note",
    PROV.wasDerivedFrom: "derived from",
    DCTERMS.title: "title",
}
"""Names of standard terms the ontology does not label, so pages read as English."""


@dataclass(frozen=True)
class Term:
    """A node as shown on a page: its text, a link, and a small note (CURIE, datatype, language)."""

    text: str
    href: str | None = None
    note: str = ""
    external: bool = False
    code: bool = False


def curie(iri: str) -> str | None:
    """``prefix:local`` by ipkg's prefix table (longest namespace wins), or None."""
    best: tuple[str, str] | None = None
    for prefix, namespace in PREFIXES.items():
        ns = str(namespace)
        if iri.startswith(ns) and (best is None or len(ns) > len(best[1])):
            local = iri[len(ns) :]
            if re.fullmatch(r"[A-Za-z0-9_.\-]*", local) and not local.endswith("."):
                best = (prefix, ns)
    if best is None:
        return None
    return f"{best[0]}:{iri[len(best[1]) :]}"


def href(node: Node) -> tuple[str | None, bool]:
    """Where a node links to, and whether that is outside the endpoint."""
    if not isinstance(node, URIRef):
        return None, False
    text = str(node)
    if text.startswith(str(IPKG)):
        return url_for("entities.entity", slug=text[len(str(IPKG)) :]), False
    if text.startswith(str(IPKGO)):
        return url_for("entities.ontology") + "#" + text[len(str(IPKGO)) :], False
    if text == str(ONTOLOGY_IRI):
        return url_for("entities.ontology"), False
    return wikidata_url(text) or (text if text.startswith(("http://", "https://")) else None), True


def wikidata_url(iri: str) -> str | None:
    """The Wikidata page of an entity or a direct property IRI."""
    for namespace in (str(WD), str(WDT)):
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if re.fullmatch(r"Q\d+", local):
                return f"https://www.wikidata.org/wiki/{local}"
            if re.fullmatch(r"P\d+", local):
                return f"https://www.wikidata.org/wiki/Property:{local}"
    return None


class Labels:
    """Labels from the whole dataset (English first), cached for one page."""

    def __init__(self, union: Union) -> None:
        self.union = union
        self._cache: dict[Node, str | None] = {}

    def label(self, node: Node) -> str | None:
        """The English label (rdfs:label, skos:prefLabel, dcterms:title), else any label, else None."""
        if node not in self._cache:
            found: str | None = None
            fallback: str | None = None
            for predicate in LABEL_PREDICATES:
                for value in self.union.objects(node, predicate):
                    if not isinstance(value, Literal):
                        continue
                    if value.language and value.language.lower().startswith("en"):
                        found = str(value)
                        break
                    if fallback is None or not value.language:
                        fallback = str(value)
                if found:
                    break
            self._cache[node] = found or fallback or VOCABULARY_LABELS.get(node)  # type: ignore[call-overload]
        return self._cache[node]

    def name(self, node: Node) -> str:
        """The label, else a CURIE, else the IRI."""
        return self.label(node) or curie(str(node)) or str(node)

    def definition(self, node: Node) -> str | None:
        """The English definition or comment."""
        for predicate in DEFINITION_PREDICATES:
            values = [v for v in self.union.objects(node, predicate) if isinstance(v, Literal)]
            english = [v for v in values if (v.language or "en").lower().startswith("en")]
            if english or values:
                return str(sorted(english or values)[0])
        return None

    def term(self, node: Node) -> Term:
        """How ``node`` is shown as a value."""
        if isinstance(node, Literal):
            return literal_term(node)
        if isinstance(node, BNode):
            return Term("(blank node)", note="_:" + str(node)[:8])
        link, external = href(node)
        label = self.label(node)
        short = curie(str(node))
        if label:
            return Term(label, link, "" if short == label else short or "", external)
        return Term(short or str(node), link, "", external, code=True)


def literal_term(value: Literal) -> Term:
    """A literal's text with its language or datatype; anyURI literals link out."""
    text = str(value)
    if value.language:
        return Term(text, note="@" + value.language)
    if value.datatype is None or value.datatype == XSD.string:
        return Term(text)
    note = curie(str(value.datatype)) or str(value.datatype)
    if value.datatype == XSD.anyURI and text.startswith(("http://", "https://")):
        return Term(text, href=text, note=note, external=True)
    return Term(text, note=note)


def first_literal(values: Iterable[Node]) -> Node | None:
    """The first of the literal values in text order (as a plain literal), or None."""
    ordered = sorted(str(v) for v in values if isinstance(v, Literal))
    return Literal(ordered[0]) if ordered else None
