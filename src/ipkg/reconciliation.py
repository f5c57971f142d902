"""Entity reconciliation over the knowledge graph: the name index, the scoring, the match decision.

What ``serve/reconcile.py`` (the W3C Entity Reconciliation API at ``/reconcile``)
answers with, without any HTTP: an :class:`Index` of one snapshot of the dataset,
queries as :class:`Query` whatever version of the API they came in, and
:func:`reconcile`, which returns scored candidates.

Identifiers are relative to two spaces: an entity id is its slug (``belarus``
for ``https://w3id.org/ipkg/id/belarus``), a type or property id its local name
(``State``, ``country``) in the ipkg ontology; other vocabularies are written as
prefixed names (``owl:sameAs``) or full IRIs.

Scoring. Candidates are the resources with a label (``rdfs:label``,
``skos:prefLabel``, ``skos:altLabel``, every language) sharing a word with the
query or starting with it. Names are compared normalised (case, accents,
punctuation): an exact label or alias scores 100, the share of words in common
up to 90, a label starting with the query up to 90. A type constraint filters
(through ``rdfs:subClassOf``: the inferred graph holds every superclass typing)
or, with ``type_strict: "should"``, lowers the score of the others. Property
values agreeing with the candidate's make up ``1 - NAME_WEIGHT`` of the score.
A candidate is a ``match`` only when its name (or id) is exact, it scores at
least ``MATCH_THRESHOLD`` and no other candidate comes within ``MATCH_MARGIN``:
namesakes are never matched. ``features`` give each ingredient of the score.
"""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ipkg.deadline import check_deadline
from ipkg.namespaces import IPKG, IPKGO, PREFIXES

IDENTIFIER_SPACE = str(IPKG)
"""Entity ids are relative to this (the manifest's ``identifierSpace``)."""
SCHEMA_SPACE = str(IPKGO)
"""Type and property ids are relative to this (the manifest's ``schemaSpace``)."""
DEFAULT_TYPES = ("State", "Organization", "Person", "Treaty", "Event", "Document", "City")
"""The ontology's main classes, offered as default types (those the ontology declares)."""
EXCLUDED_TYPES = frozenset({IPKGO.Sentence, IPKGO.Claim})
"""Provenance nodes: labelled, but not things anyone reconciles against."""
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MATCH_THRESHOLD = 90.0
MATCH_MARGIN = 10.0
NAME_WEIGHT = 0.7
"""Share of the name in the score when property values are given too (the rest is theirs)."""
TYPE_PENALTY = 0.8
"""Score factor for a candidate outside the types, with ``type_strict: "should"``."""
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


class Union:
    """Reads over every graph of the dataset (rdflib's own union access on a Dataset is deprecated)."""

    def __init__(self, dataset: Dataset) -> None:
        self.graphs = list(dataset.graphs())

    def triples(self, pattern: tuple[Any, Any, Any]) -> Iterator[tuple[Node, Node, Node]]:
        seen: set[tuple[Node, Node, Node]] = set()
        for graph in self.graphs:
            for triple in graph.triples(pattern):
                if triple not in seen:
                    seen.add(triple)
                    yield triple

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        return [o for _, _, o in self.triples((subject, predicate, None))]

    def has_predicate(self, predicate: Node) -> bool:
        pattern: tuple[Any, Any, Any] = (None, predicate, None)
        return any(next(iter(g.triples(pattern)), None) is not None for g in self.graphs)


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

    @classmethod
    def build(cls, dataset: Dataset) -> Index:
        index = cls(Union(dataset))
        index._terms()
        index._entities()
        return index

    def _terms(self) -> None:
        union = self.union
        direct: dict[URIRef, set[URIRef]] = defaultdict(set)
        for s, _, o in union.triples((None, RDFS.subClassOf, None)):
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
                for s, _, _ in union.triples((None, RDF.type, kind)):
                    if isinstance(s, URIRef) and str(s).startswith(SCHEMA_SPACE) and s not in target:
                        label = english_first(union.objects(s, RDFS.label)) or short_id(s)
                        broader = tuple(sorted(p for p in direct.get(s, ()) if str(p).startswith(SCHEMA_SPACE)))
                        target[s] = Term(
                            s,
                            short_id(s),
                            display(label),
                            english_first(union.objects(s, SKOS.definition)),
                            broader if target is self.classes else (),
                        )
        self.properties.setdefault(
            OWL.sameAs,
            Term(OWL.sameAs, "owl:sameAs", "Same as", "The same thing in another dataset (e.g. a Wikidata item)."),
        )

    def _entities(self) -> None:
        union = self.union
        names: dict[URIRef, set[Literal]] = defaultdict(set)
        for predicate in LABELS:
            for s, _, o in union.triples((None, predicate, None)):
                if isinstance(s, URIRef) and str(s).startswith(IDENTIFIER_SPACE) and isinstance(o, Literal):
                    names[s].add(o)
        for iri, labels in names.items():
            types = frozenset(o for o in union.objects(iri, RDF.type) if isinstance(o, URIRef))
            if types & EXCLUDED_TYPES:
                continue
            self.used_types.update(types)
            name = (
                english_first(union.objects(iri, RDFS.label))
                or english_first(union.objects(iri, SKOS.prefLabel))
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
            text = english_first(self.union.objects(iri, predicate))
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
            return {normalize(str(o)) for p in LABELS for o in self.union.objects(node, p)}
        return {normalize(str(node))}


# --------------------------------------------------------------------------- queries and scoring


@dataclass(frozen=True)
class Condition:
    """A property constraint: values of ``predicate`` to compare with the candidate's."""

    pid: str
    predicate: URIRef
    values: tuple[Any, ...]
    required: bool = False
    quantifier: str = "any"


@dataclass(frozen=True)
class Query:
    """One reconciliation query, whichever version of the API it came in."""

    key: str
    text: str | None
    types: tuple[URIRef, ...] = ()
    type_strict: str = "any"
    limit: int = DEFAULT_LIMIT
    conditions: tuple[Condition, ...] = ()
    ids: tuple[str, ...] = ()


@dataclass
class Scored:
    """A candidate with its score and the features the score is made of."""

    entity: Entity
    score: float
    exact: bool
    features: list[dict[str, Any]]
    match: bool = False


def name_features(text: str, entity: Entity) -> tuple[float, bool, list[dict[str, Any]]]:
    """(name score 0–100, exact?, features) of ``entity`` for the query text."""
    query = normalize(text)
    query_words = words(query)
    exact = query in entity.names or text.strip() in (entity.id, str(entity.iri), "ipkg:" + entity.id)
    overlap = max((len(query_words & words(n)) / len(query_words | words(n)) for n in entity.names), default=0.0)
    prefix = max((len(query) / len(n) for n in entity.names if query and n.startswith(query)), default=0.0)
    score = 100.0 if exact else max(90.0 * overlap, 50.0 + 40.0 * prefix if prefix else 0.0)
    return (
        score,
        exact,
        [
            {"id": "name_exact", "name": "label, alias or id equal to the query", "value": exact},
            {"id": "name_words", "name": "share of words in common with the closest label", "value": round(overlap, 3)},
            {"id": "name_prefix", "name": "a label starts with the query", "value": bool(prefix)},
            {"id": "name_score", "name": "name similarity (0-100)", "value": round(score, 2)},
        ],
    )


def value_matches(idx: Index, node: Node, given: Any) -> bool:
    """Whether a candidate's value ``node`` is the client's ``given`` value."""
    if isinstance(given, dict):
        return str(given["id"]) in term_forms(node) or (
            isinstance(node, URIRef) and (entity := idx.lookup(str(given["id"]))) is not None and entity.iri == node
        )
    if isinstance(given, bool):
        return isinstance(node, Literal) and node.datatype == XSD.boolean and node.toPython() is given
    if isinstance(given, int | float):
        number = node.toPython() if isinstance(node, Literal) else None
        return isinstance(number, int | float | Decimal) and not isinstance(number, bool) and float(number) == given
    if isinstance(node, URIRef) and given.strip() in term_forms(node):
        return True
    return normalize(given) in idx.term_names(node)


def condition_score(idx: Index, entity: Entity, cond: Condition) -> float | None:
    """Agreement 0–1 of the candidate with a property condition (None: a required condition fails).

    Several values mean any of them (0.2, and the 1.0-draft's default ``matchQuantifier``):
    one value in common is full agreement; with ``all`` it is the share of the values the
    candidate has; with ``none`` it is full when the candidate has none of them.
    """
    values = idx.union.objects(entity.iri, cond.predicate)
    hits = sum(1 for given in cond.values if any(value_matches(idx, node, given) for node in values))
    agreement = {
        "any": 1.0 if hits else 0.0,
        "all": hits / len(cond.values) if cond.values else 0.0,
        "none": 0.0 if hits else 1.0,
    }[cond.quantifier]
    if cond.required and agreement < 1.0:
        return None
    return agreement


def reconcile(idx: Index, query: Query) -> list[Scored]:
    """Candidates for one query, best first, at most ``query.limit``, ``match`` decided.

    ``match`` needs an exact name (or id, or every property value when no name
    is given), a score of at least ``MATCH_THRESHOLD``, and no other candidate
    within ``MATCH_MARGIN`` of it: two namesakes are never matched.
    """
    if query.ids:
        pool = {e.id for e in (idx.lookup(i) for i in query.ids) if e is not None}
    elif query.text is not None:
        pool = idx.find(query.text)
    else:
        pool = set(idx.entities)
    scored = []
    for entity_key in sorted(pool):
        check_deadline()
        candidate = score(idx, query, idx.entities[entity_key])
        if candidate is not None:
            scored.append(candidate)
    scored.sort(key=lambda c: (-c.score, c.entity.name, c.entity.id))
    best = next((c for c in scored if c.exact), None)
    if best is not None and best.score >= MATCH_THRESHOLD:
        rival = max((c.score for c in scored if c is not best), default=None)
        best.match = rival is None or best.score - rival >= MATCH_MARGIN
    return scored[: query.limit]


def score(idx: Index, query: Query, entity: Entity) -> Scored | None:
    """The candidate's score and features, or None when the entity is no candidate for the query."""
    features: list[dict[str, Any]] = []
    type_ok = True
    if query.types:
        has = [idx.has_type(entity, t) for t in query.types]
        type_ok = all(has) if query.type_strict == "all" else any(has)
        if not type_ok and query.type_strict != "should":
            return None
        features.append({"id": "type_match", "name": "has the requested type", "value": type_ok})
    name, exact = (100.0, True) if query.ids else (0.0, False)
    if query.text is not None:
        name, exact_name, found = name_features(query.text, entity)
        if name <= 0 and not query.ids:
            return None
        exact = exact or exact_name
        features = found + features
    shares = []
    for cond in query.conditions:
        share = condition_score(idx, entity, cond)
        if share is None:
            return None
        shares.append(share)
        features.append(
            {"id": f"property:{cond.pid}", "name": f"agreement of property {cond.pid}", "value": round(share, 3)}
        )
    mean = sum(shares) / len(shares) if shares else 0.0
    if query.text is None and not query.ids:
        if mean == 0:
            return None
        total, exact = 100.0 * mean, mean == 1.0
    elif shares:
        total = NAME_WEIGHT * name + (1 - NAME_WEIGHT) * 100.0 * mean
    else:
        total = name
    if not type_ok:
        total *= TYPE_PENALTY
    return Scored(entity, round(total, 2), exact, features)


def candidate_json(idx: Index, candidate: Scored) -> dict[str, Any]:
    entity = candidate.entity
    shown: dict[str, Any] = {"id": entity.id, "name": entity.name}
    if entity.description:
        shown["description"] = entity.description
    shown.update(
        {
            "type": [idx.type_json(t) for t in entity.shown_types],
            "score": candidate.score,
            "match": candidate.match,
            "features": candidate.features,
        }
    )
    return shown


def suggest_rank(prefix: str, names: Iterable[str], ids: Iterable[str]) -> int | None:
    """0 exact, 1 a name starts with the prefix, 2 a word does, None no match; the empty prefix matches all."""
    if not prefix:
        return 1
    names = list(names)
    if prefix in names or prefix in {normalize(i) for i in ids}:
        return 0
    if any(n.startswith(prefix) for n in names):
        return 1
    *head, last = prefix.split()
    if any(set(head) <= set(n.split()) and any(w.startswith(last) for w in n.split()) for n in names):
        return 2
    return None


# --------------------------------------------------------------------------- data extension


DATE = re.compile(r"^(-?\d{4,}-\d\d-\d\d)(T\d\d:\d\d:\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)?$")


def extension_cells(idx: Index, values: list[Node], limit: int) -> list[dict[str, Any]]:
    """Data extension cells for a property's values, sorted, at most ``limit`` (0: all).

    A value that is only an ``owl:sameAs`` alias of an ipkg entity among the
    values (the reasoner copies statements across ``owl:sameAs``, so Minsk's
    country is both ``ipkg:belarus`` and ``wd:Q184``) is left out.
    """
    mine = {v for v in values if isinstance(v, URIRef) and str(v).startswith(IDENTIFIER_SPACE)}
    aliases = {alias for v in mine for alias in idx.union.objects(v, OWL.sameAs)} - mine
    kept = [v for v in values if not isinstance(v, BNode) and v not in aliases]
    cells = sorted((extension_cell(idx, v) for v in kept), key=lambda c: json.dumps(c, sort_keys=True))
    return cells[:limit] if limit > 0 else cells


def extension_cell(idx: Index, value: Node) -> dict[str, Any]:
    """A value as a 0.2 data extension cell: ``{"id", "name"}``, ``{"date"}``, ``{"int"}``, ``{"float"}``, ``{"str"}``.

    Dates and date-times become ISO date-times (``1970-04-26T00:00:00Z``); years and
    year-months (``xsd:gYear`` …) stay strings, so no precision is invented.
    """
    if isinstance(value, URIRef):
        entity = idx.entities.get(entity_id(value)) if str(value).startswith(IDENTIFIER_SPACE) else None
        return {"id": entity.id, "name": entity.name} if entity else {"str": str(value)}
    assert isinstance(value, Literal)
    date = DATE.match(str(value)) if value.datatype in (XSD.date, XSD.dateTime) else None
    if date is not None:
        day, time_of_day, zone = date.groups()
        return {"date": f"{day}{time_of_day or 'T00:00:00'}{zone or 'Z'}"}
    python = value.toPython()
    if isinstance(python, bool) or value.datatype == XSD.boolean:
        return {"str": str(value)}
    if isinstance(python, int):
        return {"int": python}
    if isinstance(python, float | Decimal):
        return {"float": float(python)}
    return {"str": str(value)}
