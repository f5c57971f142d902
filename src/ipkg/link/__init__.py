"""Links between local resources and Wikidata items: ``ipkg link suggest`` and ``ipkg link conflicts``.

**suggest** proposes Wikidata items (from a Wikidata-style file) for local
resources that have no ``owl:sameAs`` to a ``wd:`` item yet: the resources of
ipkg's namespace typed ipkgo:Agent or ipkgo:Place, or any other with an
English label (provenance and n-ary nodes excepted). The score, in [0, 1],
adds up what agrees:

* names, compared normalised (case-folded, diacritics and punctuation
  removed, the word "the" dropped): the English labels are the same (0.6); a
  label of one is an alias of the other (0.5); or their words overlap, at
  least half of them (0.4 × the share of common words);
* types: the item's P31, mapped through the alignment (Q3624078 → ipkgo:State,
  Q5 → ipkgo:Person), is a class of the local resource (+0.25); a class
  disjoint with the local resource's (a person for a state) rules the
  candidate out;
* country: the local ``ipkgo:country`` is linked to the item's P17 (+0.15), or
  to another item (−0.2).

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
