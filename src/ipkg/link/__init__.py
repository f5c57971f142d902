"""Links between local resources and Wikidata items: ``ipkg link suggest`` and ``ipkg link conflicts``.

**suggest** proposes Wikidata items for local resources without a link, with a
score from names, types and country (the rules are in ``ipkg.link.suggest``).
Nothing is written unless links are accepted (``--accept LOCAL=QID`` or
``--accept-above SCORE``); they are then appended to
``data/links/suggested.ttl`` with a claim node citing the file, after the
project validates and reasons with them.

**conflicts** compares the values that local facts and imported graphs give for
the same entity and an aligned property (the rules are in ``ipkg.link.conflicts``).

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
