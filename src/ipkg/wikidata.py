"""Wikidata-style RDF → ipkg's model (``ipkg import wikidata``), and the alignment it rests on.

The input is RDF in the Wikidata dump format (Turtle or N-Triples): items with
labels, truthy ``wdt:`` triples and full statements (``p:``/``ps:``/``pq:``,
ranks, value nodes, references). Only what ``ontology/align-wikidata.ttl``
covers is mapped, and the mapping is read from the ontology at run time:

* ``ipkgo:x owl:equivalentProperty wdt:Pn`` maps statements of Pn to ipkgo:x;
* ``ipkgo:C owl:equivalentClass [owl:onProperty wdt:P31; owl:hasValue wd:Q]``
  maps ``P31 Q`` to the type ipkgo:C (other P31 values are kept as ``wdt:P31``);
* an aligned property with an ``owl:propertyChainAxiom (h r)`` whose first
  link ``h`` has an inverse ``m`` (ipkgo:memberOf = hasMembership/organization,
  hasMembership inverse of ipkgo:member) is the pattern of an n-ary node: a
  statement of it with aligned qualifiers becomes a node of the range of ``h``
  (ipkgo:Membership) with ``m`` → the item, ``r`` → the value, and the
  qualifiers (P580 → ipkgo:startDate, P582 → ipkgo:endDate …) on it.

Rules, in the order they apply:

Ranks (the truthy rule, as Wikibase writes ``wdt:``): for each item and
property, a statement counts only if it has the best rank: the preferred ones
if any non-deprecated preferred statement exists, otherwise the normal ones.
A deprecated statement never counts, even if a ``wdt:`` triple for its value
is present (such stray triples are reported and ignored). A statement without
``wikibase:rank`` is taken as normal. ``wdt:`` triples are used on their own
only for an item and property that has no full statement at all (a truthy-only
dump); ``wikibase:BestRank`` is not trusted, the rank is recomputed.

Time values: the precision is that of the value node (``psv:``/``pqv:`` →
``wikibase:timePrecision``): 9 → ``xsd:gYear`` ("2021"), 10 →
``xsd:gYearMonth`` ("2020-10"), 11 → ``xsd:date`` ("2020-10-22"); Wikibase
pads lower precisions with ``-01``, which is dropped. Precisions coarser than a
year (0-8) and finer than a day (12-14) have no ipkg datatype: the statement is
skipped. Month and day precision in a calendar other than the proleptic
Gregorian (Q1985727) are skipped too (the day could differ). Without a value
node only the simple ``xsd:dateTime`` is known: day precision is then assumed
if, and only if, its time part is midnight (``T00:00:00``, as Wikibase writes
every date); any other time of day is skipped, since the precision is unknown.

Quantities: a unitless amount (no unit, or unit Q199 "1") becomes an
``xsd:integer`` if whole, else ``xsd:decimal``; amounts with a unit are skipped.

Model fit: a statement is mapped only if its item is known to be in the
domain of the ipkgo property, and its value (for object properties) is not
known to be outside its range. What is known of an item: the ipkgo classes of
its counted P31 values, and the asserted classes of the local resources linked
to it by ``owl:sameAs``. So ``P571 inception`` on Belarus is skipped
(ipkgo:foundingDate applies to organizations, Belarus is a state), and on WIPO
it is mapped once WIPO is linked. The link itself must fit: an item whose P31
type is disjoint with the class of the local resource it is linked to makes
the import fail.

Output, per item: one ``rdfs:label`` per language (``rdfs:label`` first, then
``skos:prefLabel``, then ``schema:name``; other names in ``skos:altLabel``,
with the aliases), the ipkgo types, the mapped direct values, and
``prov:wasDerivedFrom`` the file. Per counted statement, a node whose IRI is
the statement's (``wds:…``): an n-ary node as above, or else an
``ipkgo:Claim`` (claimSubject, claimProperty, claimValue), derived from its
references: ``pr:P854`` reference URL → an ``ipkgo:Source`` with that
``ipkgo:url``; a reference with only ``pr:P248`` stated in → a Source whose URL
is the cited item; a statement without such a reference is derived from the
file, itself an ``ipkgo:Source`` (an RFC 6920 ``ni:`` URI naming its SHA-256,
confidence "M"). Reference sources also get confidence "M": ipkg has not read
them, Wikidata's editors cite them. Items that an n-ary node needs as member
or organization are typed with the range of that role (ipkgo:Agent,
ipkgo:Organization), which the reasoner would conclude anyway, so that the
shapes, which judge asserted data, see them.

Nothing is written unless the result validates and reasons together with the
project's current asserted graphs (``build.assemble``).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ipkg.config import Settings
from ipkg.errors import InconsistentData, IpkgError, LoadError
from ipkg.load import Sources, load_sources, parse_text
from ipkg.namespaces import (
    IPKG,
    IPKGO,
    PQV,
    PR,
    PS,
    PSV,
    SRC,
    WD,
    WDT,
    WIKIBASE,
    bind_prefixes,
    external_graph,
)

SCHEMA_NAMES = (URIRef("http://schema.org/name"), URIRef("https://schema.org/name"))
"""Wikibase writes ``schema:name`` with the http scheme; accept both."""
GREGORIAN = WD.Q1985727
UNIT_ONE = WD.Q199
PRV = Namespace("http://www.wikidata.org/prop/reference/value/")

ITEM_RE = re.compile(r"^http://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$")
PROP_RE = re.compile(r"^http://www\.wikidata\.org/prop/(P[1-9][0-9]*)$")
DIRECT_RE = re.compile(r"^http://www\.wikidata\.org/prop/direct/(P[1-9][0-9]*)$")
QUALIFIER_RE = re.compile(r"^http://www\.wikidata\.org/prop/qualifier/(P[1-9][0-9]*)$")
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATETIME_RE = re.compile(
    r"^(?P<sign>[+-]?)(?P<year>[0-9]{4,})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.[0-9]+)?(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?$"
)

WIKIDATA_SUFFIXES = {".ttl": "turtle", ".nt": "nt"}
"""The formats ``ipkg import wikidata`` reads, by file suffix."""

PRECISION_DATATYPES = {9: XSD.gYear, 10: XSD.gYearMonth, 11: XSD.date}
"""Wikibase time precision → the XSD datatype ipkg writes dates in."""

DATE_DATATYPES = frozenset({XSD.gYear, XSD.gYearMonth, XSD.date})
INTEGER_DATATYPES = frozenset({XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.int, XSD.long})
NUMERIC_DATATYPES = INTEGER_DATATYPES | {XSD.decimal, XSD.double, XSD.float}
RANKS = {
    WIKIBASE.PreferredRank: "preferred",
    WIKIBASE.NormalRank: "normal",
    WIKIBASE.DeprecatedRank: "deprecated",
}
GENID = "http://www.wikidata.org/.well-known/genid/"
"""Wikibase writes an "unknown value" (somevalue) as a blank node or a skolem IRI here."""


class Unmappable(Exception):
    """A value or statement that ipkg's model cannot express; the message says why."""


# ----------------------------------------------------------------------------------------------
# The alignment and the class hierarchy, read from the ontology
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NaryPattern:
    """An aligned property that ipkg also states through an n-ary node."""

    prop: URIRef
    """The direct property (ipkgo:memberOf)."""
    node_class: URIRef
    """The class of the node (ipkgo:Membership)."""
    subject_role: URIRef
    """From the node to the statement's item (ipkgo:member)."""
    value_role: URIRef
    """From the node to the statement's value (ipkgo:organization)."""


@dataclass
class Model:
    """What the import needs of the ontology: the alignment, domains, ranges, the class hierarchy."""

    ontology: Graph
    properties: dict[str, URIRef]
    """Wikidata property ID (``P463``) → the ipkgo property equivalent to its ``wdt:``."""
    classes: dict[URIRef, URIRef]
    """P31 value (``wd:Q3624078``) → the ipkgo class."""
    nary: dict[URIRef, NaryPattern]
    disjoint: frozenset[frozenset[URIRef]]
    _closure: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)

    @classmethod
    def from_ontology(cls, ontology: Graph) -> Model:
        """Read the alignment (owl:equivalentProperty / hasValue restrictions on wdt:P31) and the rest."""
        properties: dict[str, URIRef] = {}
        for a, b in ontology.subject_objects(OWL.equivalentProperty):
            for ours, theirs in ((a, b), (b, a)):
                match = DIRECT_RE.match(str(theirs))
                if match and isinstance(ours, URIRef) and str(ours).startswith(str(IPKGO)):
                    properties[match.group(1)] = ours
        classes: dict[URIRef, URIRef] = {}
        for a, b in ontology.subject_objects(OWL.equivalentClass):
            for named, restriction in ((a, b), (b, a)):
                if isinstance(named, URIRef) and ontology.value(restriction, OWL.onProperty) == WDT.P31:
                    value = ontology.value(restriction, OWL.hasValue)
                    if isinstance(value, URIRef):
                        classes[value] = named
        disjoint: set[frozenset[URIRef]] = set()
        for a, b in ontology.subject_objects(OWL.disjointWith):
            if isinstance(a, URIRef) and isinstance(b, URIRef):
                disjoint.add(frozenset((a, b)))
        for group in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
            head = ontology.value(group, OWL.members)
            members = [m for m in ontology.items(head) if isinstance(m, URIRef)] if head is not None else []
            disjoint.update(frozenset((x, y)) for x in members for y in members if x != y)
        model = cls(ontology=ontology, properties=properties, classes=classes, nary={}, disjoint=frozenset(disjoint))
        model.nary = model._nary_patterns(set(properties.values()))
        return model

    def _nary_patterns(self, aligned: set[URIRef]) -> dict[URIRef, NaryPattern]:
        patterns = {}
        for prop in sorted(aligned):
            chain = self.ontology.value(prop, OWL.propertyChainAxiom)
            links = list(self.ontology.items(chain)) if chain is not None else []
            if len(links) != 2 or not all(isinstance(link, URIRef) for link in links):
                continue
            first, second = links
            inverse = self.ontology.value(first, OWL.inverseOf) or self.ontology.value(None, OWL.inverseOf, first)
            node_class = self.ontology.value(first, RDFS.range)
            if inverse is None and node_class is None:
                continue
            if node_class is None:
                node_class = self.ontology.value(inverse, RDFS.domain)
            if isinstance(inverse, URIRef) and isinstance(node_class, URIRef):
                patterns[prop] = NaryPattern(prop, node_class, inverse, second)  # type: ignore[arg-type]
        return patterns

    def pid(self, prop: URIRef) -> str | None:
        """The Wikidata property ID aligned with an ipkgo property, if any."""
        for pid, ours in self.properties.items():
            if ours == prop:
                return pid
        return None

    def superclasses(self, cls: URIRef) -> frozenset[URIRef]:
        """``cls`` and every class it is a subclass of (named classes only)."""
        if cls not in self._closure:
            seen = {cls}
            todo = [cls]
            while todo:
                for parent in self.ontology.objects(todo.pop(), RDFS.subClassOf):
                    if isinstance(parent, URIRef) and parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            self._closure[cls] = frozenset(seen)
        return self._closure[cls]

    def closure(self, classes: Iterable[URIRef]) -> frozenset[URIRef]:
        """Every class the given classes are (subclasses of)."""
        out: set[URIRef] = set()
        for cls in classes:
            out |= self.superclasses(cls)
        return frozenset(out)

    def clash(self, a: Iterable[URIRef], b: Iterable[URIRef]) -> tuple[URIRef, URIRef] | None:
        """Two disjoint classes, one from each set (with superclasses), if there are any."""
        left, right = self.closure(a), self.closure(b)
        for x in sorted(left):
            for y in sorted(right):
                if frozenset((x, y)) in self.disjoint:
                    return x, y
        return None

    def domains(self, prop: URIRef) -> list[URIRef]:
        return sorted(d for d in self.ontology.objects(prop, RDFS.domain) if isinstance(d, URIRef))

    def ranges(self, prop: URIRef) -> list[URIRef]:
        return sorted(r for r in self.ontology.objects(prop, RDFS.range) if isinstance(r, URIRef))

    def is_object_property(self, prop: URIRef) -> bool:
        return (prop, RDF.type, OWL.ObjectProperty) in self.ontology

    def label(self, term: URIRef) -> str:
        """The English label of an ontology term, or its local name."""
        for label in self.ontology.objects(term, RDFS.label):
            if isinstance(label, Literal) and label.language == "en":
                return str(label)
        return qname(term)


_NAMES = bind_prefixes(Graph()).namespace_manager


def qname(term: Node) -> str:
    """``wd:Q184``, ``ipkgo:State``: a term in ipkg's prefixes, for messages."""
    if isinstance(term, URIRef):
        try:
            return _NAMES.normalizeUri(term)
        except Exception:  # noqa: BLE001 - an IRI no prefix covers
            return f"<{term}>"
    return term.n3() if hasattr(term, "n3") else str(term)


def qid(term: Node) -> str | None:
    """``Q184`` for ``wd:Q184``; None for anything that is not a Wikidata item IRI."""
    match = ITEM_RE.match(str(term)) if isinstance(term, URIRef) else None
    return match.group(1) if match else None


# ----------------------------------------------------------------------------------------------
# Reading a Wikidata-style graph
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snak:
    """A property-value pair of a qualifier, with its full value node if there is one."""

    pid: str
    value: Node
    value_node: Node | None


@dataclass
class Statement:
    """One statement of an item (or a truthy-only ``wdt:`` triple, with ``node`` None)."""

    node: URIRef | None
    item: URIRef
    pid: str
    value: Node | None
    value_node: Node | None
    rank: str
    qualifiers: list[Snak] = field(default_factory=list)
    references: list[Node] = field(default_factory=list)


@dataclass
class Item:
    """An item's names: one label per language, and the other names."""

    iri: URIRef
    labels: dict[str, Literal] = field(default_factory=dict)
    aliases: set[Literal] = field(default_factory=set)

    @property
    def english(self) -> str | None:
        label = self.labels.get("en")
        return None if label is None else str(label)


@dataclass
class WikidataGraph:
    """A parsed Wikidata-style graph: items, statements by item and property, truthy triples."""

    graph: Graph
    items: dict[URIRef, Item]
    statements: dict[tuple[URIRef, str], list[Statement]]
    truthy: dict[tuple[URIRef, str], list[Node]]

    def best(self, item: URIRef, pid: str) -> tuple[list[Statement], list[Statement], list[Statement]]:
        """The statements that count by the truthy rule, those outranked, and the deprecated ones.

        With no full statement for (item, pid), the ``wdt:`` values count on their own.
        """
        statements = self.statements.get((item, pid))
        if not statements:
            values = self.truthy.get((item, pid), [])
            return [Statement(None, item, pid, v, None, "truthy") for v in values], [], []
        deprecated = [s for s in statements if s.rank == "deprecated"]
        live = [s for s in statements if s.rank != "deprecated"]
        preferred = [s for s in live if s.rank == "preferred"]
        counted = preferred or live
        outranked = [s for s in live if s not in counted]
        return counted, outranked, deprecated

    def pairs(self) -> list[tuple[URIRef, str]]:
        """Every (item, property) with a statement or a truthy triple, sorted."""
        keys = set(self.statements) | set(self.truthy)
        return sorted(keys, key=lambda k: (_qnum(k[0]), int(k[1][1:])))

    def label(self, term: Node) -> str:
        """An item's English label, or its QID; other terms as written."""
        item = self.items.get(term) if isinstance(term, URIRef) else None
        if item is not None and item.english:
            return item.english
        return qid(term) or qname(term)


def _qnum(term: Node) -> tuple[int, str]:
    q = qid(term)
    return (int(q[1:]), "") if q else (0, str(term))


def read_wikidata(graph: Graph) -> WikidataGraph:
    """Collect the items, statements and truthy triples of a Wikidata-style graph."""
    items: dict[URIRef, Item] = {}
    statements: dict[tuple[URIRef, str], list[Statement]] = defaultdict(list)
    truthy: dict[tuple[URIRef, str], list[Node]] = defaultdict(list)

    def item(iri: URIRef) -> Item:
        return items.setdefault(iri, Item(iri))

    names: dict[URIRef, list[tuple[int, Literal]]] = defaultdict(list)
    for s, p, o in graph:
        if not isinstance(s, URIRef) or not ITEM_RE.match(str(s)):
            continue
        if p in (RDFS.label, SKOS.prefLabel, *SCHEMA_NAMES) and isinstance(o, Literal):
            priority = 0 if p == RDFS.label else 1 if p == SKOS.prefLabel else 2
            names[s].append((priority, o))
            item(s)
        elif p == SKOS.altLabel and isinstance(o, Literal):
            item(s).aliases.add(o)
        elif match := DIRECT_RE.match(str(p)):
            truthy[(s, match.group(1))].append(o)
            item(s)
        elif (match := PROP_RE.match(str(p))) and isinstance(o, URIRef | BNode):
            statements[(s, match.group(1))].append(_statement(graph, o, s, match.group(1)))  # type: ignore[arg-type]
            item(s)
        elif p == RDF.type:
            item(s)
    for iri, found in names.items():
        chosen: dict[str, Literal] = {}
        for _, label in sorted(found, key=lambda pair: (pair[0], str(pair[1]))):
            if not label.language:
                items[iri].aliases.add(label)
            elif label.language not in chosen:
                chosen[label.language] = label
            elif str(label) != str(chosen[label.language]):
                items[iri].aliases.add(label)
        items[iri].labels = chosen
        items[iri].aliases -= set(chosen.values())
    for key in statements:
        statements[key].sort(key=lambda st: str(st.node))
    for key in truthy:
        truthy[key].sort(key=str)
    return WikidataGraph(graph, items, dict(statements), dict(truthy))


def _statement(graph: Graph, node: URIRef, item: URIRef, pid: str) -> Statement:
    rank_node = graph.value(node, WIKIBASE.rank)
    rank = RANKS.get(rank_node, "normal") if isinstance(rank_node, URIRef) else "normal"
    qualifiers: list[Snak] = []
    by_pid: dict[str, list[Node]] = defaultdict(list)
    for p, o in graph.predicate_objects(node):
        if match := QUALIFIER_RE.match(str(p)):
            by_pid[match.group(1)].append(o)
    for qpid, values in sorted(by_pid.items()):
        value_nodes = list(graph.objects(node, PQV[qpid]))
        for value in sorted(values, key=str):
            qualifiers.append(Snak(qpid, value, _value_node_for(graph, value, value_nodes)))
    return Statement(
        node=node if isinstance(node, URIRef) else None,
        item=item,
        pid=pid,
        value=graph.value(node, PS[pid]),
        value_node=graph.value(node, PSV[pid]),
        rank=rank,
        qualifiers=qualifiers,
        references=sorted(graph.objects(node, PROV.wasDerivedFrom), key=str),
    )


def _value_node_for(graph: Graph, value: Node, candidates: list[Node]) -> Node | None:
    """The full value node of a simple value, among a statement's value nodes of one property."""
    if len(candidates) == 1:
        return candidates[0]
    for candidate in candidates:
        for p in (WIKIBASE.timeValue, WIKIBASE.quantityAmount):
            if str(graph.value(candidate, p)) == str(value):
                return candidate
    return None


# ----------------------------------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------------------------------


def time_literal(value: Node, precision: int | None = None, calendar: Node | None = None) -> Literal:
    """A Wikibase time value as an ipkg date at its precision (see the module docstring).

    ``precision`` is the value node's ``wikibase:timePrecision``; None when there is
    no value node, in which case day precision is assumed only for a midnight time.

    Raises:
        Unmappable: no ipkg datatype has this precision, the calendar is not
            Gregorian at month or day precision, or the value is not a date.
    """
    if isinstance(value, Literal) and value.datatype in DATE_DATATYPES:
        return value
    match = DATETIME_RE.match(str(value)) if isinstance(value, Literal) else None
    if match is None:
        raise Unmappable(f"{qname(value)} is not a date")
    if precision is None:
        if match["time"] != "00:00:00":
            raise Unmappable(f"{value} has a time of day and no value node giving its precision")
        precision = 11
    if precision not in PRECISION_DATATYPES:
        unit = "coarser than a year" if precision < 9 else "finer than a day"
        raise Unmappable(f"time precision {precision} ({unit}) has no ipkg datatype")
    if precision >= 10 and calendar is not None and calendar != GREGORIAN:
        raise Unmappable(f"a date in the calendar {qname(calendar)} at month or day precision")
    year = match["year"].lstrip("0").rjust(4, "0")
    sign = "-" if match["sign"] == "-" else ""
    lexical = {
        9: f"{sign}{year}",
        10: f"{sign}{year}-{match['month']}",
        11: f"{sign}{year}-{match['month']}-{match['day']}",
    }
    return Literal(lexical[precision], datatype=PRECISION_DATATYPES[precision])


def _time_of(graph: Graph, value: Node, value_node: Node | None) -> Literal:
    precision = calendar = None
    if value_node is not None:
        raw = graph.value(value_node, WIKIBASE.timePrecision)
        calendar = graph.value(value_node, WIKIBASE.timeCalendarModel)
        if raw is not None:
            try:
                precision = int(str(raw))
            except ValueError:
                raise Unmappable(f"time precision {raw!r} is not a number") from None
        full = graph.value(value_node, WIKIBASE.timeValue)
        value = full if full is not None else value
    return time_literal(value, precision, calendar)


def _quantity_of(graph: Graph, value: Literal, value_node: Node | None, ranges: list[URIRef]) -> Literal:
    unit = graph.value(value_node, WIKIBASE.quantityUnit) if value_node is not None else None
    if unit is not None and unit != UNIT_ONE:
        raise Unmappable(f"a quantity in the unit {qname(unit)}")
    try:
        amount = Decimal(str(value).lstrip("+"))
    except InvalidOperation:
        raise Unmappable(f"{value!r} is not a number") from None
    if amount == amount.to_integral_value():
        return Literal(int(amount), datatype=XSD.integer)
    if any(r in INTEGER_DATATYPES for r in ranges):
        raise Unmappable(f"{amount} is not a whole number")
    return Literal(amount, datatype=XSD.decimal)


def _is_unknown(value: Node | None) -> bool:
    return value is None or isinstance(value, BNode) or str(value).startswith(GENID)


# ----------------------------------------------------------------------------------------------
# The mapping
# ----------------------------------------------------------------------------------------------


@dataclass
class PropertyCount:
    """What became of one property's statements."""

    mapped: int = 0
    outranked: int = 0
    deprecated: int = 0
    skipped: int = 0


@dataclass
class ImportReport:
    """What an import read and mapped, for the command's output and the tests."""

    name: str
    file: str
    graph: URIRef
    items: int = 0
    types: Counter[str] = field(default_factory=Counter)
    nodes: Counter[str] = field(default_factory=Counter)
    properties: dict[str, PropertyCount] = field(default_factory=dict)
    property_labels: dict[str, str] = field(default_factory=dict)
    not_aligned: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    triples: int = 0
    written: Path | None = None

    def count(self, pid: str) -> PropertyCount:
        return self.properties.setdefault(pid, PropertyCount())

    @property
    def statements_mapped(self) -> int:
        return sum(c.mapped for c in self.properties.values())

    def lines(self, limit: int = 30) -> list[str]:
        """The summary the command prints."""
        out = [
            f"imported {self.file} as {self.name!r} into {self.graph}",
            f"  items: {self.items}"
            + (f" ({', '.join(f'{n} typed {t}' for t, n in sorted(self.types.items()))})" if self.types else ""),
            f"  statements mapped: {self.statements_mapped}"
            + (f" ({', '.join(f'{n} as {t}' for t, n in sorted(self.nodes.items()))})" if self.nodes else ""),
            f"  {'property':<28} {'mapped':>6} {'outranked':>9} {'deprecated':>10} {'skipped':>7}",
        ]
        for pid in sorted(self.properties, key=lambda p: int(p[1:])):
            c = self.properties[pid]
            name = f"{pid} {self.property_labels.get(pid, '')}".strip()
            out.append(f"  {name:<28} {c.mapped:>6} {c.outranked:>9} {c.deprecated:>10} {c.skipped:>7}")
        if self.not_aligned:
            total = sum(self.not_aligned.values())
            out.append(
                f"  ignored: {total} statement(s) of {len(self.not_aligned)} propert(y/ies) not in the alignment"
            )
        shown = self.notes[:limit]
        out.extend(f"  note: {note}" for note in shown)
        if len(self.notes) > limit:
            out.append(f"  … and {len(self.notes) - limit} more note(s)")
        if self.written is not None:
            target = self.written
            if target.is_absolute() and target.is_relative_to(Path.cwd()):
                target = target.relative_to(Path.cwd())
            out.append(f"  wrote {self.triples} triples to {target}")
        return out


@dataclass(frozen=True)
class FileSource:
    """The imported file as an ipkgo:Source."""

    iri: URIRef
    url: str
    label: str

    def triples(self) -> Iterator[tuple[Node, Node, Node]]:
        yield self.iri, RDF.type, IPKGO.Source
        yield self.iri, RDFS.label, Literal(self.label, lang="en")
        yield self.iri, IPKGO.url, Literal(self.url, datatype=XSD.anyURI)
        yield self.iri, IPKGO.confidence, Literal("M")


def file_source(path: Path, data: bytes) -> FileSource:
    """The Source for a file: IRI and ``ni:`` URL (RFC 6920) from its SHA-256, label from its name only."""
    digest = hashlib.sha256(data).digest()
    url = "ni:///sha-256;" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
    return FileSource(
        iri=SRC["file-" + digest.hex()[:16]],
        url=url,
        label=f"Wikidata-style file {path.name} (SHA-256 {digest.hex()[:12]}…)",
    )


def linked_items(graphs: Iterable[Graph]) -> dict[URIRef, set[URIRef]]:
    """Wikidata item → the non-Wikidata resources linked to it by owl:sameAs (either direction)."""
    links: dict[URIRef, set[URIRef]] = defaultdict(set)
    for graph in graphs:
        for a, b in graph.subject_objects(OWL.sameAs):
            for wd, local in ((a, b), (b, a)):
                if qid(wd) and isinstance(local, URIRef) and not qid(local):
                    links[wd].add(local)  # type: ignore[index]
    return dict(links)


def local_classes(sources: Sources, model: Model) -> dict[URIRef, dict[URIRef, set[URIRef]]]:
    """Wikidata item → {linked local resource → its asserted classes}, from the local facts and links."""
    local = [sources.facts, sources.links]
    out: dict[URIRef, dict[URIRef, set[URIRef]]] = {}
    for wd, resources in linked_items(local).items():
        out[wd] = {r: {c for g in local for c in g.objects(r, RDF.type) if isinstance(c, URIRef)} for r in resources}
    return out


class Mapper:
    """Maps one Wikidata-style graph into a new graph in ipkg's model."""

    def __init__(
        self,
        data: WikidataGraph,
        model: Model,
        *,
        name: str,
        source: FileSource,
        local: dict[URIRef, dict[URIRef, set[URIRef]]],
        file: str = "",
    ) -> None:
        self.data = data
        self.model = model
        self.name = name
        self.source = source
        self.local = local
        self.out = bind_prefixes(Graph())
        self.report = ImportReport(name=name, file=file or source.label, graph=external_graph(name))
        self.known: dict[URIRef, set[URIRef]] = defaultdict(set)
        """Item → the ipkgo classes known for it (P31 through the alignment, and linked local resources)."""

    def run(self) -> tuple[Graph, ImportReport]:
        """Map everything; raise InconsistentData if an item's type clashes with what it is linked to."""
        for pid, prop in self.model.properties.items():
            self.report.property_labels[pid] = self.model.label(prop)
        self.report.property_labels["P31"] = "instance of"
        for wd, resources in self.local.items():
            for classes in resources.values():
                self.known[wd] |= classes
        self._types()
        self._check_links()
        for item in sorted(self.data.items.values(), key=lambda i: _qnum(i.iri)):
            self._item(item)
        for item_iri, pid in self.data.pairs():
            if pid == "P31":
                continue
            if pid not in self.model.properties:
                counted, _, _ = self.data.best(item_iri, pid)
                self.report.not_aligned[pid] += len(counted)
                continue
            self._property(item_iri, pid)
        self._stray_truthy()
        self.report.items = len(self.data.items)
        self.report.triples = len(self.out)
        return self.out, self.report

    # --- items and types ---------------------------------------------------------------------

    def _types(self) -> None:
        for item_iri, pid in self.data.pairs():
            if pid != "P31":
                continue
            counted, outranked, deprecated = self.data.best(item_iri, pid)
            count = self.report.count("P31")
            count.outranked += len(outranked)
            count.deprecated += len(deprecated)
            item = self.data.items.get(item_iri)
            for statement in counted:
                cls = self.model.classes.get(statement.value) if isinstance(statement.value, URIRef) else None
                if _is_unknown(statement.value):
                    count.skipped += 1
                    self.report.notes.append(f"{qname(item_iri)} P31: no value or unknown value, skipped")
                elif cls is not None and item is not None and item.english:
                    self.out.add((item_iri, RDF.type, cls))
                    self.known[item_iri].add(cls)
                    self.report.types[qname(cls)] += 1
                    count.mapped += 1
                else:
                    if cls is not None:
                        self.report.notes.append(
                            f"{qname(item_iri)} P31 {qname(statement.value)}: not typed {qname(cls)} "  # type: ignore[arg-type]
                            "because the item has no English label (the shapes require one); kept as wdt:P31"
                        )
                    self.out.add((item_iri, WDT.P31, statement.value))  # type: ignore[arg-type]
                    count.mapped += 1

    def _check_links(self) -> None:
        problems = []
        for item_iri, resources in sorted(self.local.items()):
            ours = {c for c in self.out.objects(item_iri, RDF.type) if isinstance(c, URIRef)}
            for resource, classes in sorted(resources.items()):
                clash = self.model.clash(ours, classes)
                if clash:
                    problems.append(
                        f"{qname(item_iri)} is typed {', '.join(qname(c) for c in sorted(ours))} by its P31 in "
                        f"the file, but it is linked by owl:sameAs to {qname(resource)}, a "
                        f"{', '.join(qname(c) for c in sorted(classes))}; {qname(clash[0])} and "
                        f"{qname(clash[1])} are disjoint"
                    )
        if problems:
            raise InconsistentData(problems)

    def _item(self, item: Item) -> None:
        iri = item.iri
        for label in item.labels.values():
            self.out.add((iri, RDFS.label, label))
        for alias in item.aliases:
            self.out.add((iri, SKOS.altLabel, alias))
        self.out.add((iri, PROV.wasDerivedFrom, self.source.iri))
        self._add_file_source()

    def _add_file_source(self) -> None:
        for triple in self.source.triples():
            self.out.add(triple)

    # --- statements --------------------------------------------------------------------------

    def _property(self, item_iri: URIRef, pid: str) -> None:
        prop = self.model.properties[pid]
        counted, outranked, deprecated = self.data.best(item_iri, pid)
        count = self.report.count(pid)
        count.outranked += len(outranked)
        count.deprecated += len(deprecated)
        for statement in counted:
            try:
                self._statement(statement, prop)
            except Unmappable as exc:
                count.skipped += 1
                where = statement.node and qname(statement.node) or f"wdt:{pid} of {qname(item_iri)}"
                self.report.notes.append(f"{where} ({qname(item_iri)} {pid}): skipped: {exc}")
            else:
                count.mapped += 1

    def _statement(self, statement: Statement, prop: URIRef) -> None:
        item_iri, value = statement.item, statement.value
        if value is None:
            raise Unmappable("no value")
        if _is_unknown(value):
            raise Unmappable("unknown value")
        mapped = self._value(prop, value, statement.value_node)
        self._check_domain(prop, item_iri)
        if self.model.is_object_property(prop):
            self._check_range(prop, mapped)
        qualifiers = self._qualifiers(statement)
        sources = self._references(statement)
        node = statement.node or IPKG[f"import/{self.name}/{qid(item_iri)}-{statement.pid}-{_digest(str(value))}"]
        self.out.add((item_iri, prop, mapped))
        pattern = self.model.nary.get(prop)
        if pattern is not None and qualifiers and self._can_type_roles(pattern, item_iri, mapped):
            self._nary(node, pattern, statement, mapped, qualifiers)
        else:
            if qualifiers:
                dropped = ", ".join(sorted({q for q, _, _ in qualifiers}))
                self.report.notes.append(
                    f"{qname(node)} ({qname(item_iri)} {statement.pid}): qualifiers {dropped} not kept "
                    "(no n-ary node for this property)"
                )
            self._claim(node, prop, statement, mapped)
        for source in sources:
            self.out.add((node, PROV.wasDerivedFrom, source))

    def _value(self, prop: URIRef, value: Node, value_node: Node | None) -> Node:
        if self.model.is_object_property(prop):
            if not qid(value):
                raise Unmappable(f"{qname(value)} is not a Wikidata item")
            return value
        if isinstance(value, Literal):
            if value.datatype == XSD.dateTime or value.datatype in DATE_DATATYPES:
                return _time_of(self.data.graph, value, value_node)
            if value.datatype in NUMERIC_DATATYPES:
                return _quantity_of(self.data.graph, value, value_node, self.model.ranges(prop))
            if value.datatype in (None, XSD.string):
                return value
        raise Unmappable(f"{qname(value)} is not a value {qname(prop)} can take")

    def _check_domain(self, prop: URIRef, item_iri: URIRef) -> None:
        known = self.model.closure(self.known.get(item_iri, ()))
        for domain in self.model.domains(prop):
            if domain not in known:
                what = (
                    f"{qname(item_iri)} is a {', '.join(qname(c) for c in sorted(self.known[item_iri]))}"
                    if self.known.get(item_iri)
                    else f"{qname(item_iri)} is not known to be one (no aligned P31, no owl:sameAs link)"
                )
                raise Unmappable(f"{qname(prop)} applies to {qname(domain)}; {what}")

    def _check_range(self, prop: URIRef, value: Node) -> None:
        classes = self.known.get(value)  # type: ignore[call-overload]
        if not classes:
            return
        known = self.model.closure(classes)
        for cls in self.model.ranges(prop):
            if cls not in known:
                raise Unmappable(
                    f"the values of {qname(prop)} are {qname(cls)}s; {qname(value)} is a "
                    f"{', '.join(qname(c) for c in sorted(classes))}"
                )

    def _qualifiers(self, statement: Statement) -> list[tuple[str, URIRef, Node]]:
        """The aligned qualifiers, mapped: (pid, ipkgo property, value); others are reported."""
        out = []
        by_pid: dict[str, list[Snak]] = defaultdict(list)
        for snak in statement.qualifiers:
            by_pid[snak.pid].append(snak)
        where = f"{qname(statement.node) if statement.node else 'statement'} ({qname(statement.item)} {statement.pid})"
        for qpid, snaks in sorted(by_pid.items()):
            prop = self.model.properties.get(qpid)
            if prop is None:
                self.report.notes.append(f"{where}: qualifier {qpid} is not in the alignment, not kept")
                continue
            if len(snaks) > 1:
                self.report.notes.append(f"{where}: qualifier {qpid} has {len(snaks)} values, none kept")
                continue
            snak = snaks[0]
            try:
                if _is_unknown(snak.value):
                    raise Unmappable("unknown value")
                value = self._value(prop, snak.value, snak.value_node)
            except Unmappable as exc:
                self.report.notes.append(f"{where}: qualifier {qpid} not kept: {exc}")
                continue
            out.append((qpid, prop, value))
        return out

    def _can_type_roles(self, pattern: NaryPattern, item_iri: URIRef, value: Node) -> bool:
        """Make sure the n-ary node's member and organization are typed as its shapes require."""
        needs = []
        for term, role in ((item_iri, pattern.subject_role), (value, pattern.value_role)):
            for cls in self.model.ranges(role):
                asserted = {c for c in self.out.objects(term, RDF.type) if isinstance(c, URIRef)}
                if cls not in self.model.closure(asserted):
                    needs.append((term, cls))
        for term, cls in needs:
            item = self.data.items.get(term)  # type: ignore[call-overload]
            if item is None or not item.english:
                self.report.notes.append(
                    f"{qname(term)} has no English label in the file, so it cannot be typed {qname(cls)}: "
                    f"its {qname(pattern.node_class)} is kept as an ipkgo:Claim"
                )
                return False
        for term, cls in needs:
            if self.model.clash({cls}, self.known.get(term, set())):  # type: ignore[call-overload]
                return False
        for term, cls in needs:
            self.out.add((term, RDF.type, cls))
            self.known[term].add(cls)  # type: ignore[index]
        return True

    def _nary(
        self,
        node: URIRef,
        pattern: NaryPattern,
        statement: Statement,
        value: Node,
        qualifiers: list[tuple[str, URIRef, Node]],
    ) -> None:
        self.out.add((node, RDF.type, pattern.node_class))
        self.out.add((node, pattern.subject_role, statement.item))
        self.out.add((node, pattern.value_role, value))
        for _, prop, qvalue in qualifiers:
            self.out.add((node, prop, qvalue))
        details = ", ".join(f"{self.model.label(p)} {_show(v)}" for _, p, v in qualifiers)
        label = (
            f"{self.data.label(statement.item)} {self.model.label(pattern.prop)} {self.data.label(value)}"
            f" ({details}; imported statement {_local(node)})"
        )
        self.out.add((node, RDFS.label, Literal(label, lang="en")))
        self.report.nodes[qname(pattern.node_class)] += 1

    def _claim(self, node: URIRef, prop: URIRef, statement: Statement, value: Node) -> None:
        claim_value = Literal(str(value), datatype=XSD.anyURI) if isinstance(value, URIRef) else value
        self.out.add((node, RDF.type, IPKGO.Claim))
        self.out.add((node, IPKGO.claimSubject, statement.item))
        self.out.add((node, IPKGO.claimProperty, prop))
        self.out.add((node, IPKGO.claimValue, claim_value))
        shown = self.data.label(value) if isinstance(value, URIRef) else _show(value)
        label = (
            f"{self.data.label(statement.item)}: {self.model.label(prop)} {shown} (imported statement {_local(node)})"
        )
        self.out.add((node, RDFS.label, Literal(label, lang="en")))
        self.report.nodes["ipkgo:Claim"] += 1

    def _references(self, statement: Statement) -> list[URIRef]:
        """The Sources of a statement's references; the file's Source if none has a URL or stated-in."""
        graph = self.data.graph
        sources = []
        for ref in statement.references:
            urls = sorted(str(u) for u in graph.objects(ref, PR.P854))
            stated_in = sorted(graph.objects(ref, PR.P248), key=str)
            if not urls and stated_in:
                urls = [str(stated_in[0])]
            for url in urls:
                iri = SRC["ref-" + _digest(url, 16)]
                if url.startswith(str(WD)) and qid(URIRef(url)):
                    label = f"Stated in {self.data.label(URIRef(url))} (reference of an imported statement)"
                else:
                    label = f"{url} (reference URL of an imported statement)"
                self.out.add((iri, RDF.type, IPKGO.Source))
                self.out.add((iri, RDFS.label, Literal(label, lang="en")))
                self.out.add((iri, IPKGO.url, Literal(url, datatype=XSD.anyURI)))
                self.out.add((iri, IPKGO.confidence, Literal("M")))
                for cited in stated_in:
                    if str(cited) != url:
                        self.out.add(
                            (
                                iri,
                                RDFS.comment,
                                Literal(f"Stated in {self.data.label(cited)} ({qname(cited)}).", lang="en"),
                            )
                        )
                sources.append(iri)
        return sorted(set(sources)) or [self.source.iri]

    def _stray_truthy(self) -> None:
        """Report ``wdt:`` triples that no counted statement backs (e.g. one for a deprecated statement)."""
        for (item_iri, pid), values in sorted(self.data.truthy.items(), key=lambda kv: (_qnum(kv[0][0]), kv[0][1])):
            statements = self.data.statements.get((item_iri, pid))
            if not statements:
                continue
            counted, outranked, deprecated = self.data.best(item_iri, pid)
            for value in values:
                if any(_same(s.value, value) for s in counted):
                    continue
                why = (
                    "its statement is deprecated"
                    if any(_same(s.value, value) for s in deprecated)
                    else "its statement is not of the best rank"
                    if any(_same(s.value, value) for s in outranked)
                    else "no statement in the file backs it"
                )
                self.report.notes.append(f"wdt:{pid} {_show(value)} on {qname(item_iri)} ignored: {why}")


def _same(a: Node | None, b: Node) -> bool:
    return a is not None and str(a) == str(b) and type(a) is type(b)


def _show(value: Node) -> str:
    if isinstance(value, Literal) and value.datatype == XSD.dateTime:
        return '"' + re.sub(r"\+00:00$", "Z", str(value)) + '"'
    return str(value) if isinstance(value, Literal) else qname(value)


def _local(node: URIRef) -> str:
    return str(node).rsplit("/", 1)[-1]


def _digest(text: str, size: int = 10) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:size]


# ----------------------------------------------------------------------------------------------
# The command
# ----------------------------------------------------------------------------------------------


def check_name(name: str) -> str:
    """``name`` if it is kebab-case (lower-case letters and digits, single hyphens)."""
    if not NAME_RE.match(name):
        raise IpkgError(
            f"import name {name!r} is not kebab-case (lower-case letters and digits joined by single hyphens)"
        )
    return name


def default_name(path: Path) -> str:
    """The import name for a file: its stem, which must be kebab-case (else give --name)."""
    if not NAME_RE.match(path.stem):
        raise IpkgError(
            f"the file name {path.stem!r} is not a kebab-case import name; give one with --name (e.g. "
            f"--name {re.sub(r'[^a-z0-9]+', '-', path.stem.lower()).strip('-') or 'wikidata'})"
        )
    return path.stem


def read_file(path: Path) -> tuple[Graph, bytes]:
    """Parse a Wikidata-style file (Turtle or N-Triples, by suffix).

    Raises:
        LoadError: unknown suffix, unreadable file, or a syntax error (with line and column).
    """
    fmt = WIKIDATA_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise LoadError(
            path, f"unknown format {path.suffix!r}: a Wikidata-style file is .ttl (Turtle) or .nt (N-Triples)"
        )
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(path, f"cannot read: {exc}") from exc
    return parse_text(text, fmt, source=path), data


def map_file(
    path: Path,
    sources: Sources,
    *,
    name: str,
) -> tuple[Graph, ImportReport]:
    """Parse ``path`` and map it against the project's ontology and local links (nothing is written)."""
    graph, data = read_file(path)
    model = Model.from_ontology(sources.ontology)
    mapper = Mapper(
        read_wikidata(graph),
        model,
        name=name,
        source=file_source(path, data),
        local=local_classes(sources, model),
        file=path.name,
    )
    return mapper.run()


def external_dir(settings: Settings) -> Path:
    """Where imported graphs are kept: ``<state_dir>/external``."""
    return settings.var_dir / "external"


def import_wikidata(
    settings: Settings,
    path: Path,
    name: str | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Map a Wikidata-style file into the graph ``external/<name>``; write it only if the project still builds.

    The mapped graph is validated and reasoned with the current asserted graphs
    (replacing a previous import of the same name) before anything is written;
    then ``<state_dir>/external/<name>.nt`` is written atomically, sorted.

    Raises:
        LoadError: the file cannot be read or parsed (line and column), or its format is unknown.
        IpkgError: a bad import name.
        ValidationFailed: the result violates the shapes.
        InconsistentData: the result contradicts the ontology (e.g. an item linked to a local
            resource of a disjoint class).
    """
    from ipkg.build import assemble
    from ipkg.export import serialize_graph

    name = check_name(name) if name else default_name(path)
    sources = load_sources(settings)
    graph, report = map_file(path, sources, name=name)
    asserted = dict(sources.asserted_graphs())
    asserted[external_graph(name)] = graph
    assemble(sources.ontology, sources.shapes, asserted, progress=progress)
    target = external_dir(settings) / f"{name}.nt"
    write_atomic(target, serialize_graph(graph, "ntriples"))
    report.written = target
    return report


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Raises:
        IpkgError: the folder or file cannot be written.
    """
    scratch = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch.write_bytes(data)
        os.replace(scratch, path)
    except OSError as exc:
        raise IpkgError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        scratch.unlink(missing_ok=True)


def list_imports(settings: Settings) -> list[tuple[str, Path, int]]:
    """(name, file, triples) of every imported graph, by name."""
    from ipkg.load import parse_files, rdf_files

    folder = external_dir(settings)
    if not folder.is_dir():
        return []
    return [(p.stem, p, len(parse_files([p]))) for p in rdf_files(folder)]


def remove_import(settings: Settings, name: str) -> Path:
    """Delete the imported graph ``name``, if the rest of the project still validates without it.

    Raises:
        NotFound: there is no such import.
        ValidationFailed: local data depends on it (e.g. a shape needs a type only it asserts).
    """
    from ipkg.errors import NotFound, ValidationFailed
    from ipkg.validate import validate

    check_name(name)
    target = external_dir(settings) / f"{name}.nt"
    if not target.exists():
        known = ", ".join(n for n, _, _ in list_imports(settings)) or "none"
        raise NotFound(f"no imported graph {name!r} (imported: {known})")
    sources = load_sources(settings)
    rest = {g: graph for g, graph in sources.asserted_graphs().items() if g != external_graph(name)}
    union = Graph()
    for graph in rest.values():
        for triple in graph:
            union.add(triple)
    report = validate(union, sources.shapes, sources.ontology)
    if not report.conforms:
        raise ValidationFailed(report)
    target.unlink()
    return target
