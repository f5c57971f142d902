"""What an entity page puts first: key facts, where sources disagree, the timeline's axis, a query link.

Computed from a ``Description`` and the page's ``Labels``, like the rest of the
page (``entity_page``), so what a page shows can be tested without HTML.

- **Key facts**: the resource's own dated, numeric and single-valued statements,
  the memberships and posts (n-ary nodes with dates) it holds, and how many values
  its many-valued relations have, each linked to its row further down.
- **Claims**, grouped by property, each value with its rank (Wikibase's preferred,
  normal, deprecated: ``wikibase:rank``), its sources and the reason for its rank,
  as Wikidata shows ranks and references; a property with more than one value is
  a disagreement.
- **The timeline's axis**: one dot per dated event on a line of years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from flask import url_for
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ipkg.namespaces import IPKGO, WIKIBASE
from ipkg.serve.entity_data import Description
from ipkg.serve.page_terms import Labels, Term, curie, first_literal
from ipkg.store.union import Union

RANKS: dict[URIRef, str] = {
    WIKIBASE.PreferredRank: "preferred",
    WIKIBASE.NormalRank: "normal",
    WIKIBASE.DeprecatedRank: "deprecated",
}
RANK_ORDER = {"preferred": 0, "normal": 1, "deprecated": 2}
DATE_TYPES = {XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth}
NUMBER_TYPES = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.nonNegativeInteger, XSD.positiveInteger}
SKIPPED = {RDF.type, RDFS.label, SKOS.altLabel, SKOS.prefLabel, RDFS.comment, SKOS.definition, PROV.wasDerivedFrom}
"""Shown elsewhere on the page (title, chips, definition, sources)."""
MAX_SINGLE = 3
"""A relation with more values than this is summarised by its count."""


@dataclass(frozen=True)
class Fact:
    """One line of the summary: a property (or a role) and its values, or how many there are."""

    label: str
    values: tuple[Term, ...] = ()
    note: str = ""
    anchor: str = ""
    inferred: bool = False


@dataclass(frozen=True)
class ClaimValue:
    """One source's value for a property, with its rank, its sources and the reason for the rank."""

    value: Term
    rank: str
    claim: Term
    sources: tuple[Term, ...]
    reason: str | None
    reason_sources: tuple[Term, ...]
    as_of: str | None


@dataclass(frozen=True)
class ClaimGroup:
    """The claimed values of one property of the resource, best rank first."""

    predicate: Term
    anchor: str
    values: tuple[ClaimValue, ...]

    @property
    def disputed(self) -> bool:
        """More than one distinct value: the sources disagree."""
        return len({v.value.text for v in self.values}) > 1


def anchor(predicate: Node) -> str:
    """The id of a property's row on the page (``p-partyTo``)."""
    local = re.split(r"[/#]", str(predicate))[-1]
    return "p-" + re.sub(r"[^A-Za-z0-9_-]", "-", local)


def claim_groups(d: Description, labels: Labels) -> list[ClaimGroup]:
    """The ``ipkgo:Claim``s about the resource, by property; disputed properties first."""
    union = d.union
    by_property: dict[Node, list[ClaimValue]] = {}
    for claim in union.subjects(IPKGO.claimSubject, d.iri):
        props = union.objects(claim, IPKGO.claimProperty)
        values = union.objects(claim, IPKGO.claimValue)
        if not props or not values:
            continue
        rank = next(
            (RANKS[r] for r in union.objects(claim, WIKIBASE.rank) if isinstance(r, URIRef) and r in RANKS), "normal"
        )
        reason = first_literal(union.objects(claim, IPKGO.rankReason))
        as_of = first_literal(union.objects(claim, IPKGO.asOf)) or first_literal(
            union.objects(claim, IPKGO.asOfEarliest)
        )
        by_property.setdefault(props[0], []).append(
            ClaimValue(
                labels.term(values[0]),
                rank,
                labels.term(claim),
                tuple(labels.term(s) for s in union.objects(claim, PROV.wasDerivedFrom)),
                None if reason is None else str(reason),
                tuple(labels.term(s) for s in union.objects(claim, IPKGO.rankReasonSource)),
                None if as_of is None else str(as_of),
            )
        )
    groups = [
        ClaimGroup(
            labels.term(prop),
            anchor(prop),
            tuple(sorted(values, key=lambda v: (RANK_ORDER[v.rank], v.value.text, v.claim.text))),
        )
        for prop, values in by_property.items()
    ]
    groups.sort(key=lambda g: (not g.disputed, g.predicate.text.lower()))
    return groups


def key_facts(d: Description, labels: Labels) -> list[Fact]:
    """The summary: dated and numeric values, single-valued relations, roles with dates, counts of the rest."""
    dated, numbers, single, counts = [], [], [], []
    by_predicate: dict[URIRef, list[tuple[Node, bool]]] = {}
    for st in d.outgoing:
        if st.predicate in SKIPPED or not str(st.predicate).startswith(str(IPKGO)):
            continue
        by_predicate.setdefault(st.predicate, []).append((st.object, st.inferred))
    for predicate, values in sorted(by_predicate.items(), key=lambda item: labels.name(item[0]).lower()):
        name = labels.name(predicate)
        inferred = all(flag for _, flag in values)
        literals = [v for v, _ in values if isinstance(v, Literal)]
        if literals and all(v.datatype in DATE_TYPES for v in literals):
            dated.append(Fact(name, tuple(labels.term(v) for v in sorted(literals, key=str)), anchor=anchor(predicate)))
        elif literals and all(v.datatype in NUMBER_TYPES for v in literals):
            numbers.append(Fact(name, tuple(labels.term(v) for v in literals), anchor=anchor(predicate)))
        elif len(values) <= MAX_SINGLE:
            terms = tuple(labels.term(v) for v, _ in sorted(values, key=lambda item: labels.name(item[0]).lower()))
            single.append(Fact(name, terms, anchor=anchor(predicate), inferred=inferred))
        elif len(values) > MAX_SINGLE:
            counts.append(Fact(name, note=f"{len(values)} values", anchor=anchor(predicate), inferred=inferred))
    return dated + numbers + single + roles(d, labels) + counts


def roles(d: Description, labels: Labels) -> list[Fact]:
    """Memberships, posts and the like: the dated nodes (not events) that name the resource."""
    union = d.union
    out = []
    seen: set[Node] = set()
    for st in d.incoming:
        node = st.subject
        if node in seen or st.inferred or (node, RDF.type, IPKGO.Event) in union:
            continue
        if not any(union.objects(node, p) for p in (IPKGO.startDate, IPKGO.endDate)):
            continue
        seen.add(node)
        types = {t for t in union.objects(node, RDF.type) if str(t).startswith(str(IPKGO))}
        specific = sorted(str(t) for t in types if not any(o != t and (o, RDFS.subClassOf, t) in union for o in types))
        kind = labels.name(URIRef(specific[0])) if specific else labels.name(st.predicate)
        out.append(Fact(kind, (labels.term(node),), note=_span(union, node)))
    return sorted(out, key=lambda f: (f.note, f.values[0].text))


def _span(union: Union, node: Node) -> str:
    start = first_literal(union.objects(node, IPKGO.startDate))
    end = first_literal(union.objects(node, IPKGO.endDate))
    if start is not None and end is not None:
        return f"{start} – {end}"
    if start is not None:
        return f"since {start}"
    return f"until {end}" if end is not None else ""


@dataclass(frozen=True)
class AxisDot:
    """An event on the timeline's axis: where (0–1000), its date and name."""

    x: float
    title: str


@dataclass(frozen=True)
class Axis:
    """The line of years under the timeline, with one dot per dated event."""

    dots: tuple[AxisDot, ...]
    ticks: tuple[tuple[float, str], ...]


def axis(entries: list[tuple[str, str]]) -> Axis | None:
    """An axis for (sort key, title) pairs whose key starts with a year; None when fewer than two are dated."""
    points = []
    for key, title in entries:
        match = re.match(r"^(-?\d{4})(?:-(\d\d))?(?:-(\d\d))?", key)
        if match:
            year, month, day = int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1)
            points.append((year + ((month - 1) * 30.5 + day - 1) / 366, title))
    if len(points) < 2:
        return None
    first, last = int(min(p for p, _ in points)), int(max(p for p, _ in points)) + 1
    span = max(last - first, 2)
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100) if span / s <= 10), 200)

    def x(at: float) -> float:
        return round(20 + (at - first) / span * 960, 1)

    ticks = tuple((x(year), str(year)) for year in range(-(-first // step) * step, last + 1, step))
    return Axis(tuple(AxisDot(x(at), title) for at, title in points), ticks)


def query_link(iri: URIRef, title: str) -> str:
    """A permalink to the query page, opening a query for everything the graph says about ``iri``."""
    name = curie(str(iri)) or f"<{iri}>"
    if not re.fullmatch(r"[A-Za-z][\w.-]*:[A-Za-z0-9_.-]*", name) or name.endswith("."):
        name = f"<{iri}>"
    query = (
        f"# Everything the graph says about {title}\n"
        "SELECT ?property ?value ?valueLabel WHERE {\n"
        f"  {name} ?property ?value .\n"
        '  OPTIONAL { ?value rdfs:label ?valueLabel FILTER(LANGMATCHES(LANG(?valueLabel), "en")) }\n'
        "}\nORDER BY ?property ?value\n"
    )
    return url_for("ui.index") + "#query=" + quote(query, safe="") + "&infer=true"
