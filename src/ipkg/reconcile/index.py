"""The name index of entity reconciliation: names, ids and types of one snapshot of the dataset.

Split from ``ipkg.reconcile`` (which re-exports every name here) so that
what the index holds and how names are normalised read apart from the scoring
(``ipkg.reconcile.scoring``) that ranks candidates drawn from it.

Identifiers are relative to two spaces: an entity id is its slug (``belarus``
for ``https://w3id.org/ipkg/id/belarus``), a type or property id its local name
(``State``, ``country``) in the ipkg ontology; other vocabularies are written as
prefixed names (``owl:sameAs``) or full IRIs. Candidates are the resources with
a label (``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``, every language).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from ipkg.namespaces import IPKG, IPKGO, PREFIXES, WDT
from ipkg.store.base import Snapshot
from ipkg.store.union import Union

IDENTIFIER_SPACE = str(IPKG)
"""Entity ids are relative to this (the manifest's ``identifierSpace``)."""
SCHEMA_SPACE = str(IPKGO)
"""Type and property ids are relative to this (the manifest's ``schemaSpace``)."""
DEFAULT_TYPES = ("State", "Organization", "Person", "Treaty", "Event", "Document", "City")
"""The ontology's main classes, offered as default types (those the ontology declares)."""
EXCLUDED_TYPES = frozenset({IPKGO.Sentence, IPKGO.Claim})
"""Provenance nodes: labelled, but not things anyone reconciles against."""
LABELS = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
DESCRIPTIONS = (SKOS.definition, RDFS.comment, DCTERMS.description)
STOPWORDS = frozenset(
    {"a", "an", "and", "at", "by", "de", "des", "du", "for", "in", "la", "le", "of", "on", "the", "to"}
)
UNSAFE = re.compile(r"[\s<>\"{}|\\^`]")
"""Characters no IRI has: an id holding one names nothing."""

# --------------------------------------------------------------------------- names and ids


def normalize(text: str) -> str:
    """Case-, accent- and punctuation-blind form of a name: ``"Bélarus, Rep."`` → ``"belarus rep"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", bare).split())


def words(normalized: str) -> frozenset[str]:
    """The words of a normalised name that carry meaning (all of them if all are stopwords)."""
    tokens = frozenset(normalized.split())
    return (tokens - STOPWORDS) or tokens


def display(label: str) -> str:
    """A class or property label as a name: ``"state"`` → ``"State"``."""
    return label[:1].upper() + label[1:]


def short_id(iri: Node) -> str:
    """Id of an ontology term: local name in the ipkg ontology, else a prefixed name, else the IRI."""
    text = str(iri)
    if text.startswith(SCHEMA_SPACE):
        return text[len(SCHEMA_SPACE) :]
    for prefix, namespace in PREFIXES.items():
        if prefix not in ("ipkgo", "ipkg") and text.startswith(str(namespace)) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return text


def resolve(text: str, default: str) -> URIRef | None:
    """A term from an id: a full IRI, a prefixed name of ``namespaces.PREFIXES``, or a name in ``default``.

    None when ``text`` cannot be an identifier (empty, or with characters no IRI has).
    """
    text = text.strip()
    if not text or UNSAFE.search(text):
        return None
    if re.match(r"^https?://", text):
        return URIRef(text)
    prefix, colon, local = text.partition(":")
    if colon and prefix in PREFIXES:
        return URIRef(str(PREFIXES[prefix]) + local)
    return URIRef(default + text)


def entity_id(iri: Node) -> str:
    """The reconciliation id of an ipkg resource: its slug."""
    return str(iri)[len(IDENTIFIER_SPACE) :]


def term_forms(node: Node) -> set[str]:
    """The strings a value given by a client may use for ``node``: IRI, slug or prefixed name, local name."""
    text = str(node)
    forms = {text, short_id(node), re.split(r"[/#]", text)[-1]}
    if text.startswith(IDENTIFIER_SPACE):
        forms.add(entity_id(node))
    return forms


# --------------------------------------------------------------------------- the index


def english_first(values: Iterable[Node]) -> str | None:
    """The English (or untagged) literal among ``values``, else any literal."""
    literals = sorted((v for v in values if isinstance(v, Literal)), key=lambda v: (v.language or "", str(v)))
    for value in literals:
        if value.language in (None, "en") or (value.language or "").startswith("en-"):
            return str(value)
    return str(literals[0]) if literals else None


@dataclass(frozen=True)
class Term:
    """A class or property of the ontology, as the manifest and suggest services show it."""

    iri: URIRef
    id: str
    name: str
    description: str | None = None
    broader: tuple[URIRef, ...] = ()


@dataclass(frozen=True)
class Entity:
    """A resource candidates are drawn from."""

    iri: URIRef
    id: str
    name: str
    names: tuple[str, ...]
    description: str | None
    types: frozenset[URIRef]
    shown_types: tuple[URIRef, ...]


@dataclass
class Index:
    """Names, types and terms of one snapshot of the dataset."""

    union: Union
    entities: dict[str, Entity] = field(default_factory=dict)
    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_word: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    sorted_names: list[tuple[str, str]] = field(default_factory=list)
    classes: dict[URIRef, Term] = field(default_factory=dict)
    properties: dict[URIRef, Term] = field(default_factory=dict)
    superclasses: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)
    used_types: set[URIRef] = field(default_factory=set)
    wikidata_types: dict[URIRef, URIRef] = field(default_factory=dict)
    """Wikidata item → the ipkg class equivalent to ``wdt:P31`` that item (``wd:Q5`` → ``ipkgo:Person``)."""
    wikidata_properties: dict[URIRef, URIRef] = field(default_factory=dict)
    """Wikidata direct property → the ipkg property equivalent to it (``wdt:P17`` → ``ipkgo:country``)."""

    @classmethod
    def build(cls, snapshot: Snapshot) -> Index:
        """Index every named resource and ontology term of ``snapshot``."""
        index = cls(Union(snapshot))
        index._terms()
        index._entities()
        return index

    def _terms(self) -> None:
        union = self.union
        direct: dict[URIRef, set[URIRef]] = defaultdict(set)
        for s, _, o in union.triples(None, RDFS.subClassOf, None):
            if isinstance(s, URIRef) and isinstance(o, URIRef) and s != o:
                direct[s].add(o)
        for cls_iri in direct:
            seen: set[URIRef] = set()
            todo = list(direct[cls_iri])
            while todo:
                parent = todo.pop()
                if parent not in seen:
                    seen.add(parent)
                    todo.extend(direct.get(parent, ()))
            self.superclasses[cls_iri] = frozenset(seen)
        for kinds, target in (
            ((OWL.Class, RDFS.Class), self.classes),
            ((OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property), self.properties),
        ):
            for kind in kinds:
                for s, _, _ in union.triples(None, RDF.type, kind):
                    if isinstance(s, URIRef) and str(s).startswith(SCHEMA_SPACE) and s not in target:
                        label = english_first(union.objects_in_graph_order(s, RDFS.label)) or short_id(s)
                        broader = tuple(sorted(p for p in direct.get(s, ()) if str(p).startswith(SCHEMA_SPACE)))
                        target[s] = Term(
                            s,
                            short_id(s),
                            display(label),
                            english_first(union.objects_in_graph_order(s, SKOS.definition)),
                            broader if target is self.classes else (),
                        )
        self._alignment()
        self.properties.setdefault(
            OWL.sameAs,
            Term(OWL.sameAs, "owl:sameAs", "Same as", "The same thing in another dataset (e.g. a Wikidata item)."),
        )

    def _alignment(self) -> None:
        """The Wikidata items and properties the ontology's classes and properties are equivalent to."""
        union = self.union
        for cls_iri in sorted(self.classes):
            for other in union.objects_in_graph_order(cls_iri, OWL.equivalentClass):
                if (other, OWL.onProperty, WDT.P31) in union:
                    for item in union.objects_in_graph_order(other, OWL.hasValue):
                        if isinstance(item, URIRef):
                            self.wikidata_types.setdefault(item, cls_iri)
        for prop in sorted(self.properties):
            for other in union.objects_in_graph_order(prop, OWL.equivalentProperty):
                if isinstance(other, URIRef) and str(other).startswith(str(WDT)):
                    self.wikidata_properties.setdefault(other, prop)

    def _entities(self) -> None:
        union = self.union
        names: dict[URIRef, set[Literal]] = defaultdict(set)
        for predicate in LABELS:
            for s, _, o in union.triples(None, predicate, None):
                if isinstance(s, URIRef) and str(s).startswith(IDENTIFIER_SPACE) and isinstance(o, Literal):
                    names[s].add(o)
        for iri, labels in names.items():
            types = frozenset(o for o in union.objects_in_graph_order(iri, RDF.type) if isinstance(o, URIRef))
            if types & EXCLUDED_TYPES:
                continue
            self.used_types.update(types)
            name = (
                english_first(union.objects_in_graph_order(iri, RDFS.label))
                or english_first(union.objects_in_graph_order(iri, SKOS.prefLabel))
                or entity_id(iri)
            )
            normalized = tuple(sorted({n for n in (normalize(str(label)) for label in labels) if n}))
            entity = Entity(
                iri, entity_id(iri), name, normalized, self._description(iri), types, self._most_specific(types)
            )
            self.entities[entity.id] = entity
            for text in normalized:
                self.by_name[text].add(entity.id)
                self.sorted_names.append((text, entity.id))
                for word in words(text):
                    self.by_word[word].add(entity.id)
        self.sorted_names.sort()

    def _description(self, iri: URIRef) -> str | None:
        for predicate in DESCRIPTIONS:
            text = english_first(self.union.objects_in_graph_order(iri, predicate))
            if text:
                return text
        return None

    def _most_specific(self, types: frozenset[URIRef]) -> tuple[URIRef, ...]:
        mine = {t for t in types if t in self.classes}
        implied = {parent for t in mine for parent in self.superclasses.get(t, ())}
        return tuple(sorted(mine - implied))

    # -- lookups --------------------------------------------------------------

    def has_type(self, entity: Entity, cls_iri: URIRef) -> bool:
        return cls_iri in entity.types or any(cls_iri in self.superclasses.get(t, ()) for t in entity.types)

    def find(self, text: str) -> set[str]:
        """Ids of entities sharing a word with ``text``, with a name starting with it, or with it as id."""
        normalized = normalize(text)
        found = set(self.by_name.get(normalized, ()))
        for word in words(normalized):
            found |= self.by_word.get(word, set())
        found |= {entity_id for _, entity_id in self.names_starting(normalized)}
        entity = self.lookup(text)
        if entity is not None:
            found.add(entity.id)
        return found

    def names_starting(self, prefix: str) -> Iterator[tuple[str, str]]:
        if not prefix:
            return
        position = bisect_left(self.sorted_names, (prefix, ""))
        while position < len(self.sorted_names) and self.sorted_names[position][0].startswith(prefix):
            yield self.sorted_names[position]
            position += 1

    def lookup(self, given: str) -> Entity | None:
        """The entity a client's id means: slug, ``ipkg:slug`` or full IRI."""
        given = given.strip()
        if given.startswith(IDENTIFIER_SPACE):
            given = given[len(IDENTIFIER_SPACE) :]
        elif given.startswith("ipkg:"):
            given = given[len("ipkg:") :]
        return self.entities.get(given)

    def type_json(self, cls_iri: URIRef, *, broader: bool = False) -> dict[str, Any]:
        term = self.classes.get(cls_iri)
        if term is None:
            return {"id": short_id(cls_iri), "name": short_id(cls_iri)}
        shown: dict[str, Any] = {"id": term.id, "name": term.name}
        if broader and term.broader:
            shown["broader"] = [self.type_json(parent) for parent in term.broader]
        return shown

    def term_names(self, node: Node) -> set[str]:
        """Normalised names of a value: its labels if it is an indexed entity, else its label literals."""
        if isinstance(node, URIRef):
            entity = self.entities.get(entity_id(node)) if str(node).startswith(IDENTIFIER_SPACE) else None
            if entity is not None:
                return set(entity.names)
            return {normalize(str(o)) for p in LABELS for o in self.union.objects_in_graph_order(node, p)}
        return {normalize(str(node))}
