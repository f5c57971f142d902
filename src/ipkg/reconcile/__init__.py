"""Entity reconciliation over the knowledge graph: the name index, the scoring, the match decision, data extension.

What ``serve/reconcile.py`` (the W3C Entity Reconciliation API at ``/reconcile``)
answers with, without any HTTP: an :class:`Index` of one snapshot of the dataset,
queries as :class:`ReconciliationQuery` whatever version of the API they came in, and
:func:`reconcile`, which returns scored candidates.

The work is split by job, and every name stays importable from here:

- ``ipkg.reconcile.index``: ids and normalised names, the :class:`Index`
  of entities, classes and properties;
- ``ipkg.reconcile.scoring``: :class:`ReconciliationQuery`, the scores and the match
  decision, the suggest ranking;
- this module: data extension cells (the values of a property, as 0.2 cells).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, XSD
from rdflib.term import Node

from ipkg.reconcile.index import (
    DEFAULT_TYPES,
    DESCRIPTIONS,
    EXCLUDED_TYPES,
    IDENTIFIER_SPACE,
    LABELS,
    SCHEMA_SPACE,
    STOPWORDS,
    UNSAFE,
    Entity,
    Index,
    Term,
    display,
    english_first,
    entity_id,
    normalize,
    resolve,
    short_id,
    term_forms,
    words,
)
from ipkg.reconcile.scoring import (
    DEFAULT_LIMIT,
    MATCH_MARGIN,
    MATCH_THRESHOLD,
    MAX_LIMIT,
    NAME_WEIGHT,
    TYPE_PENALTY,
    Condition,
    ReconciliationQuery,
    Scored,
    candidate_json,
    condition_score,
    name_features,
    reconcile,
    score,
    suggest_rank,
    value_matches,
)
from ipkg.store.union import Union

__all__ = [
    "DATE",
    "DEFAULT_LIMIT",
    "DEFAULT_TYPES",
    "DESCRIPTIONS",
    "EXCLUDED_TYPES",
    "IDENTIFIER_SPACE",
    "LABELS",
    "MATCH_MARGIN",
    "MATCH_THRESHOLD",
    "MAX_LIMIT",
    "NAME_WEIGHT",
    "SCHEMA_SPACE",
    "STOPWORDS",
    "TYPE_PENALTY",
    "UNSAFE",
    "Condition",
    "Entity",
    "Index",
    "ReconciliationQuery",
    "Scored",
    "Term",
    "Union",
    "candidate_json",
    "condition_score",
    "display",
    "english_first",
    "entity_id",
    "extension_cell",
    "extension_cells",
    "name_features",
    "normalize",
    "reconcile",
    "resolve",
    "score",
    "short_id",
    "suggest_rank",
    "term_forms",
    "value_matches",
    "words",
]


# --------------------------------------------------------------------------- data extension


DATE = re.compile(r"^(-?\d{4,}-\d\d-\d\d)(T\d\d:\d\d:\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)?$")
PARTIAL_DATE = re.compile(r"^(-?\d{4,})(?:-(\d\d))?(Z|[+-]\d\d:\d\d)?$")
"""An ``xsd:gYear`` or ``xsd:gYearMonth`` lexical form: year, month, time zone."""


def extension_cells(idx: Index, values: list[Node], limit: int) -> list[dict[str, Any]]:
    """Data extension cells for a property's values, sorted, at most ``limit`` (0: all).

    A value that is only an ``owl:sameAs`` alias of an ipkg entity among the
    values (the reasoner copies statements across ``owl:sameAs``, so Minsk's
    country is both ``ipkg:belarus`` and ``wd:Q184``) is left out.
    """
    mine = {v for v in values if isinstance(v, URIRef) and str(v).startswith(IDENTIFIER_SPACE)}
    aliases = {alias for v in mine for alias in idx.union.objects_in_graph_order(v, OWL.sameAs)} - mine
    kept = [v for v in values if not isinstance(v, BNode) and v not in aliases]
    cells = sorted((extension_cell(idx, v) for v in kept), key=lambda c: json.dumps(c, sort_keys=True))
    return cells[:limit] if limit > 0 else cells


def extension_cell(idx: Index, value: Node) -> dict[str, Any]:
    """A value as a 0.2 data extension cell: ``{"id", "name"}``, ``{"date"}``, ``{"int"}``, ``{"float"}``, ``{"str"}``.

    Dates of every precision become ISO date-times, the form the 0.2 schema requires
    of a date cell: ``xsd:date`` ``1970-04-26`` → ``1970-04-26T00:00:00Z``, and, as
    Wikidata writes a year or a month (precision 9 or 10), ``xsd:gYear`` ``1893`` →
    ``1893-01-01T00:00:00Z``, ``xsd:gYearMonth`` ``2020-10`` → ``2020-10-01T00:00:00Z``.
    """
    if isinstance(value, URIRef):
        entity = idx.entities.get(entity_id(value)) if str(value).startswith(IDENTIFIER_SPACE) else None
        return {"id": entity.id, "name": entity.name} if entity else {"str": str(value)}
    assert isinstance(value, Literal)
    partial = PARTIAL_DATE.match(str(value)) if value.datatype in (XSD.gYear, XSD.gYearMonth) else None
    if partial is not None:
        year, month, zone = partial.groups()
        return {"date": f"{year}-{month or '01'}-01T00:00:00{zone if zone not in (None, '') else 'Z'}"}
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
