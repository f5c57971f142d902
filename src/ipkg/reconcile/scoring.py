"""Scoring of entity reconciliation: queries, candidates' scores and the match decision.

Split from ``ipkg.reconcile`` (which re-exports every name here): this is
the part that judges candidates, over the name index of
``ipkg.reconcile.index``.

Candidates are the resources sharing a word with the query or with a label
starting with it. Names are compared normalised (case, accents, punctuation):
an exact label or alias scores 100, the share of words in common up to 90, a
label starting with the query up to 90. A type constraint filters (through
``rdfs:subClassOf``: the inferred graph holds every superclass typing) or, with
``type_strict: "should"``, lowers the score of the others. Property values
agreeing with the candidate's make up ``1 - NAME_WEIGHT`` of the score. A
candidate is a ``match`` only when its name (or id) is exact, it scores at
least ``MATCH_THRESHOLD`` and no other candidate comes within ``MATCH_MARGIN``:
namesakes are never matched. ``features`` give each ingredient of the score.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from ipkg.reconcile.index import (
    Entity,
    Index,
    normalize,
    term_forms,
    words,
)
from ipkg.sparql.deadline import check_deadline

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MATCH_THRESHOLD = 90.0
MATCH_MARGIN = 10.0
NAME_WEIGHT = 0.7
"""Share of the name in the score when property values are given too (the rest is theirs)."""
TYPE_PENALTY = 0.8
"""Score factor for a candidate outside the types, with ``type_strict: "should"``."""


@dataclass(frozen=True)
class Condition:
    """A property constraint: values of ``predicate`` to compare with the candidate's."""

    pid: str
    predicate: URIRef
    values: tuple[Any, ...]
    required: bool = False
    quantifier: str = "any"


@dataclass(frozen=True)
class ReconciliationQuery:
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
    values = idx.union.objects_in_graph_order(entity.iri, cond.predicate)
    hits = sum(1 for given in cond.values if any(value_matches(idx, node, given) for node in values))
    agreement = {
        "any": 1.0 if hits else 0.0,
        "all": hits / len(cond.values) if cond.values else 0.0,
        "none": 0.0 if hits else 1.0,
    }[cond.quantifier]
    if cond.required and agreement < 1.0:
        return None
    return agreement


def reconcile(idx: Index, query: ReconciliationQuery) -> list[Scored]:
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


def score(idx: Index, query: ReconciliationQuery, entity: Entity) -> Scored | None:
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
