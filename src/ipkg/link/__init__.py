"""Links between local resources and Wikidata items: ``ipkg link suggest`` and ``ipkg link conflicts``.

**suggest** proposes Wikidata items for local resources without a link, with a
score from names, types and country (the rules are in ``ipkg.link.suggest``).
Nothing is written unless links are accepted (``--accept LOCAL=QID`` or
``--accept-above SCORE``); they are then appended to
``data/links/suggested.ttl`` with a claim node citing the file, after the
project validates and reasons with them.

**conflicts** compares, after reasoning, the values that local facts and
imported graphs give for the same entity (the same IRI or ``owl:sameAs``) and
an aligned property. Dates are compared at the coarser of their precisions:
"2019-10" and "2019-10-05" agree at month precision and are not a conflict.
Literal values and single-valued object properties (functional, or limited
to one value by a shape) conflict when they differ; other object properties
(member of, participant …) take several values, so they conflict only when
the two sides have no value in common. The n-ary nodes of the two sides
(memberships, tenures) are matched by their two ends, and their dates compared.

The package has one module per job: ``suggest`` (candidates and their
scores), ``accept`` (choosing and writing links), ``conflicts`` (comparing
values) and ``table`` (their plain text output). Its names are re-exported here.
"""

from __future__ import annotations

from ipkg.link.accept import SUGGESTED_FILE, SUGGESTED_HEADER, accept, choose, local_iri, parse_pair
from ipkg.link.conflicts import (
    DATE_ORDER,
    PRECISION_NAMES,
    Comparison,
    SameAs,
    Source,
    compare_values,
    conflict_report,
    conflicts,
    format_conflicts,
    single_valued,
)
from ipkg.link.suggest import (
    NOT_LINKABLE,
    CandidateItem,
    LocalResource,
    Suggestion,
    candidate_items,
    format_suggestions,
    local_resources,
    normalize,
    score,
    suggest,
    suggestions,
)
from ipkg.link.table import FORMATS, render_table

__all__ = [
    "CandidateItem",
    "Comparison",
    "DATE_ORDER",
    "FORMATS",
    "LocalResource",
    "NOT_LINKABLE",
    "PRECISION_NAMES",
    "SUGGESTED_FILE",
    "SUGGESTED_HEADER",
    "SameAs",
    "Source",
    "Suggestion",
    "accept",
    "candidate_items",
    "choose",
    "compare_values",
    "conflict_report",
    "conflicts",
    "format_conflicts",
    "format_suggestions",
    "local_iri",
    "local_resources",
    "normalize",
    "parse_pair",
    "render_table",
    "score",
    "single_valued",
    "suggest",
    "suggestions",
]
