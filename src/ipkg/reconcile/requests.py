"""Parsing of reconciliation requests: 0.2 batches and single queries, 1.0-draft batches, ids.

Split from ``ipkg.serve.reconcile`` (which re-exports every name here) so the
routes read apart from the rules a request must follow. Each function turns
decoded JSON into ``ipkg.reconcile`` values (:class:`ReconciliationQuery`,
:class:`Condition`, IRIs) or raises a ``ProtocolError`` (400) naming the query
and the field at fault; in a batch, a bad query becomes a :class:`QueryProblem`
(answered with an empty result and an error note) and the others are answered.
Types and properties may be given as the Wikidata items and properties the
ontology aligns them to (``owl:equivalentClass`` / ``owl:equivalentProperty`` in
``ontology/align-wikidata.ttl``): ``Q5`` is ``Person``, ``P17`` is ``country``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from rdflib import Namespace, URIRef

from ipkg.errors import ProtocolError
from ipkg.namespaces import WD, WDT
from ipkg.reconcile import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    SCHEMA_SPACE,
    Condition,
    Index,
    ReconciliationQuery,
    resolve,
    short_id,
)

BATCH_SIZE = 50
"""Announced as ``batch_size``; a batch of more than ``MAX_BATCH`` queries is refused."""
MAX_BATCH = 500
QUERY_FIELDS = frozenset({"query", "type", "limit", "properties", "type_strict"})
DRAFT_FIELDS = frozenset({"type", "limit", "conditions", "lang", "dir"})
CONDITION_FIELDS = frozenset(
    {"matchType", "propertyId", "propertyValue", "required", "matchQuantifier", "matchQualifier", "lang", "dir"}
)


def parse_json(text: str, parameter: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ProtocolError(f"parameter {parameter!r} is not valid JSON: {exc}") from None
    except RecursionError:
        raise ProtocolError(f"parameter {parameter!r} is nested too deeply") from None


@dataclass(frozen=True)
class QueryProblem:
    """A query of a batch that cannot be answered: the batch still is, this query with an error note."""

    key: str
    message: str


def parse_batch(batch: Any, idx: Index) -> list[ReconciliationQuery | QueryProblem]:
    """A 0.2 batch ``{"q0": {...}, ...}``; each malformed query becomes a ``QueryProblem``, not a failed batch.

    One blank query, unknown type or bad limit among fifty must not cost the other
    forty-nine their answers (OpenRefine sends batches): the spec lets a query's
    result be empty, and the note says why.

    Raises:
        ProtocolError: the batch itself is not an object of queries, or is too large.
    """
    if not isinstance(batch, dict) or not batch:
        raise ProtocolError('parameter \'queries\' must be a JSON object of queries, e.g. {"q0": {"query": "Belarus"}}')
    if len(batch) > MAX_BATCH:
        raise ProtocolError(f"{len(batch)} queries in one batch; send at most {MAX_BATCH} (batch_size: {BATCH_SIZE})")
    return [_or_problem(str(key), partial(parse_query, str(key), value, idx)) for key, value in batch.items()]


def _or_problem(key: str, parse: Callable[[], ReconciliationQuery]) -> ReconciliationQuery | QueryProblem:
    try:
        return parse()
    except ProtocolError as exc:
        return QueryProblem(key, str(exc))


def _check_fields(given: Any, allowed: frozenset[str] | set[str], where: str, shape: str) -> None:
    """``given`` is a JSON object with only ``allowed`` fields.

    Raises:
        ProtocolError: naming the query and the first unknown field.
    """
    if not isinstance(given, dict):
        raise ProtocolError(f"{where} must be {shape}")
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise ProtocolError(f"{where}: unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")


def parse_query(key: str, given: Any, idx: Index) -> ReconciliationQuery:
    """One 0.2 query object (or a bare string, as version 0.1 allowed for ``query=``)."""
    where = f"query {key!r}"
    if isinstance(given, str):
        given = {"query": given}
    _check_fields(given, QUERY_FIELDS, where, "a JSON object with a 'query' string")
    text = given.get("query")
    if text is not None and not isinstance(text, str):
        raise ProtocolError(f"{where}: 'query' must be a string")
    text = text.strip() if text and text.strip() else None
    raw_types = given.get("type") or []
    raw_types = [raw_types] if isinstance(raw_types, str) else raw_types
    if not isinstance(raw_types, list) or not all(isinstance(t, str) for t in raw_types):
        raise ProtocolError(f"{where}: 'type' must be a type id or a list of them")
    strict = given.get("type_strict", "any")
    if strict not in ("any", "should", "all"):
        raise ProtocolError(f"{where}: 'type_strict' must be 'any', 'should' or 'all', not {strict!r}")
    properties = given.get("properties", [])
    if not isinstance(properties, list):
        raise ProtocolError(f'{where}: \'properties\' must be a list of {{"pid": …, "v": …}}')
    conditions = []
    for number, prop in enumerate(properties):
        if not isinstance(prop, dict) or not isinstance(prop.get("pid"), str) or "v" not in prop:
            raise ProtocolError(f'{where}: properties[{number}] must be {{"pid": "<property id>", "v": <value>}}')
        conditions.append(make_condition(f"{where}: properties[{number}]", prop["pid"], prop["v"], idx))
    if text is None and not conditions:
        raise ProtocolError(f"{where} has neither a 'query' string nor 'properties'")
    return ReconciliationQuery(
        key,
        text,
        tuple(resolve_type(t, idx, where) for t in raw_types),
        strict,
        parse_limit(given.get("limit"), where),
        tuple(conditions),
    )


def parse_draft_batch(batch: Any, idx: Index) -> list[ReconciliationQuery | QueryProblem]:
    """A 1.0-draft batch ``{"queries": [{"conditions": [...], "type": …, "limit": …}]}``; per-query problems."""
    queries = batch.get("queries") if isinstance(batch, dict) else None
    if not isinstance(queries, list) or not queries:
        raise ProtocolError('a 1.0-draft batch is {"queries": [{"conditions": [...]}, ...]} with at least one query')
    if len(queries) > MAX_BATCH:
        raise ProtocolError(f"{len(queries)} queries in one batch; send at most {MAX_BATCH}")
    return [
        _or_problem(str(number), partial(parse_draft_query, number, given, idx)) for number, given in enumerate(queries)
    ]


def parse_draft_query(number: int, given: Any, idx: Index) -> ReconciliationQuery:
    where = f"queries[{number}]"
    _check_fields(given, DRAFT_FIELDS, where, "an object")
    conditions = given.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        raise ProtocolError(f"{where}: 'conditions' must be a non-empty list")
    texts: list[str] = []
    ids: list[str] = []
    props: list[Condition] = []
    for position, cond in enumerate(conditions):
        at = f"{where}.conditions[{position}]"
        if not isinstance(cond, dict) or "propertyValue" not in cond:
            raise ProtocolError(f"{at} must be an object with 'matchType' and 'propertyValue'")
        unknown = sorted(set(cond) - CONDITION_FIELDS)
        if unknown:
            raise ProtocolError(f"{at}: unknown field {unknown[0]!r}")
        kind, value = cond.get("matchType"), cond["propertyValue"]
        values = value if isinstance(value, list) else [value]
        if kind == "name":
            texts.extend(v for v in values if isinstance(v, str) and v.strip())
        elif kind == "id":
            ids.extend(str(v["id"] if isinstance(v, dict) else v) for v in values)
        elif kind == "property" and isinstance(cond.get("propertyId"), str):
            quantifier = cond.get("matchQuantifier", "any")
            if quantifier not in ("any", "all", "none"):
                raise ProtocolError(f"{at}: 'matchQuantifier' must be 'any', 'all' or 'none'")
            base = make_condition(at, cond["propertyId"], value, idx)
            props.append(
                Condition(base.pid, base.predicate, base.values, bool(cond.get("required", False)), quantifier)
            )
        else:
            raise ProtocolError(f"{at}: 'matchType' must be 'name', 'id' or 'property' (with a 'propertyId')")
    if len(texts) > 1:
        raise ProtocolError(f"{where}: give one 'name' condition (got {len(texts)})")
    given_type = given.get("type")
    if given_type is not None and not isinstance(given_type, str):
        raise ProtocolError(f"{where}: 'type' must be one type id")
    types = (resolve_type(given_type, idx, where),) if given_type else ()
    return ReconciliationQuery(
        str(number),
        texts[0].strip() if texts else None,
        types,
        "any",
        parse_limit(given.get("limit"), where),
        tuple(props),
        tuple(ids),
    )


def parse_limit(value: Any, where: str) -> int:
    """A positive integer, also written as a string of digits (``"limit": "2"``), at most ``MAX_LIMIT``."""
    if value is None:
        return DEFAULT_LIMIT
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    number_like = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not number_like or value != int(value) or value < 1:
        raise ProtocolError(f"{where}: 'limit' must be a positive integer, not {value!r}")
    return min(int(value), MAX_LIMIT)


def resolve_id(given: str, where: str) -> URIRef:
    """A type or property id as an IRI (see ``reconciliation.resolve``).

    Raises:
        ProtocolError: ``given`` cannot be an identifier.
    """
    iri = resolve(given, SCHEMA_SPACE)
    if iri is None:
        raise ProtocolError(f"{where} {given!r} is not an identifier (a name like 'State', 'ipkgo:State' or an IRI)")
    return iri


def resolve_type(given: str, idx: Index, where: str) -> URIRef:
    """An ipkg class (or a type in use) from its id, or from the Wikidata item it is aligned to (``Q5``, ``wd:Q5``)."""
    item = _wikidata(given, "Q", WD)
    aligned = idx.wikidata_types.get(item) if item is not None else None
    if aligned is not None:
        return aligned
    iri = resolve_id(given, f"{where}: type")
    if iri not in idx.classes and iri not in idx.used_types and iri not in idx.superclasses:
        hint = ""
        if item is not None:
            known = ", ".join(
                f"{short_id(q)} → {idx.type_json(c)['name']}" for q, c in sorted(idx.wikidata_types.items())
            )
            hint = f" (no ipkg class is aligned to that Wikidata item; aligned: {known})"
        raise ProtocolError(f"{where}: unknown type {given!r}{hint}; the types are listed at /reconcile/suggest/type")
    return iri


def resolve_property(given: str, idx: Index, where: str) -> URIRef:
    """An ipkg property (or one in use) from its id, or from the Wikidata property it is aligned to (``P17``)."""
    wikidata = _wikidata(given, "P", WDT)
    aligned = idx.wikidata_properties.get(wikidata) if wikidata is not None else None
    if aligned is not None:
        return aligned
    iri = resolve_id(given, f"{where}: property")
    if iri not in idx.properties and not idx.union.has_predicate(iri):
        raise ProtocolError(
            f"{where}: unknown property {given!r}; the properties are listed at /reconcile/suggest/property"
        )
    return iri


def _wikidata(given: str, letter: str, namespace: Namespace) -> URIRef | None:
    """The Wikidata IRI ``given`` names (``Q5``, ``wd:Q5``, its IRI; ``P17``, ``wdt:P17``, ``p:P17`` …), or None."""
    text = given.strip()
    for prefix in (
        str(namespace),
        "http://www.wikidata.org/entity/",
        "http://www.wikidata.org/prop/",
        "wd:",
        "wdt:",
        "p:",
    ):
        text = text.removeprefix(prefix)
    return URIRef(f"{namespace}{text}") if re.fullmatch(rf"{letter}[1-9][0-9]*", text) else None


def make_condition(where: str, pid: str, value: Any, idx: Index) -> Condition:
    values = value if isinstance(value, list) else [value]
    for v in values:
        if not (isinstance(v, str | int | float | bool) or (isinstance(v, dict) and isinstance(v.get("id"), str))):
            raise ProtocolError(f'{where}: a value must be a string, a number, a boolean or {{"id": …}}')
    return Condition(pid, resolve_property(pid, idx, where), tuple(values))
