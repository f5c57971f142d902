"""The HTML page of one resource, ready for the template: a summary first, then the timeline,
where sources disagree, the statements grouped by property, the evidence, what refers to it.

Computed from a ``Description`` (the raw statements): the template only
renders, so what a page shows can be tested without HTML. The summary, the
claims and the timeline's axis are built in ``entity_facts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from rdflib import BNode, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS
from rdflib.term import Node

from ipkg.namespaces import IPKGO, WD
from ipkg.serve.entity_data import Description, Statement, statements
from ipkg.serve.entity_facts import Axis, ClaimGroup, Fact, anchor, axis, claim_groups, key_facts, query_link
from ipkg.serve.page_terms import ALTERNATES, Labels, Term, curie, first_literal, wikidata_url
from ipkg.store.union import Union, node_key

SOURCE_PREDICATES = (PROV.wasDerivedFrom,)

EVENT_ROLES = ((IPKGO.participant, "participant"), (IPKGO.location, "venue"))
"""(event → resource) properties that put an event on a resource's timeline, with the role shown."""

MAX_BNODE_DEPTH = 3


@dataclass(frozen=True)
class Row:
    """One line of a property table."""

    predicate: Term
    value: Term
    inferred: bool
    graphs: str
    details: tuple[tuple[Term, Term], ...] = ()


@dataclass(frozen=True)
class Value:
    """One value of a property, with its statement's graphs."""

    term: Term
    inferred: bool
    graphs: str
    details: tuple[tuple[Term, Term], ...] = ()


SHOWN_VALUES = 8
"""Values of a property shown at once; the rest are folded under "n more"."""


@dataclass(frozen=True)
class Group:
    """One property and all its values: one row of a statements table (as Wikidata groups them)."""

    predicate: Term
    anchor: str
    values: tuple[Value, ...]

    @property
    def inferred(self) -> bool:
        """Every value is inferred."""
        return all(v.inferred for v in self.values)

    @property
    def shown(self) -> tuple[Value, ...]:
        return self.values[:SHOWN_VALUES]

    @property
    def folded(self) -> tuple[Value, ...]:
        return self.values[SHOWN_VALUES:]


@dataclass(frozen=True)
class TimelineEntry:
    """An event the resource took part in."""

    event: Term
    when: str
    sort_key: str
    role: str
    types: tuple[Term, ...]


@dataclass(frozen=True)
class Evidence:
    """A source sentence (or a whole source) a resource was derived from."""

    target: Term
    quote: str | None
    source: Term | None
    url: str | None
    where: str


def date_text(dataset: Union, event: Node, depth: int = 0) -> tuple[str, str]:
    """(shown date, sort key) of an event: ipkgo:date, or ipkgo:startDate – ipkgo:endDate.

    An event without a date of its own (a meeting during a visit) takes the
    dates of the event it is ``ipkgo:partOf``, shown as "during …".
    """
    date = first_literal(dataset.objects(event, IPKGO.date))
    start = first_literal(dataset.objects(event, IPKGO.startDate))
    end = first_literal(dataset.objects(event, IPKGO.endDate))
    if date is not None:
        return str(date), str(date)
    if start is not None:
        shown = f"{start} – {end}" if end is not None and end != start else str(start)
        return shown, str(start)
    if end is not None:
        return f"until {end}", str(end)
    if depth < 3:
        for parent in dataset.objects(event, IPKGO.partOf):
            shown, key = date_text(dataset, parent, depth + 1)
            if key != UNDATED:
                return (shown if shown.startswith("during ") else f"during {shown}"), key + " during"
    return "date unknown", UNDATED


UNDATED = "~"
"""Sort key of an undated event: after every date."""


class EntityPage:
    """Everything the HTML page of one resource shows."""

    def __init__(self, description: Description) -> None:
        self.d = description
        self.labels = Labels(description.union)
        self.iri = str(description.iri)
        self.title = self.labels.label(description.iri) or curie(self.iri) or self.iri
        self.alternates = [(name, "?format=" + fmt) for name, fmt in ALTERNATES]

    @cached_property
    def types(self) -> list[tuple[Term, bool]]:
        """Types with labels: asserted first, then inferred; ipkg terms before others."""
        found = [
            (self.labels.term(st.object), st.inferred, str(st.object))
            for st in self.d.outgoing
            if st.predicate == RDF.type
        ]
        found.sort(key=lambda t: (t[1], not t[2].startswith(str(IPKGO)), t[0].text.lower()))
        return [(term, inferred) for term, inferred, _ in found]

    @cached_property
    def definition(self) -> str | None:
        """The resource's comment or definition, shown under the title."""
        return self.labels.definition(self.d.iri)

    @cached_property
    def when(self) -> str | None:
        """For an event: its date or span (or that of the event it is part of)."""
        union = self.d.union
        if (self.d.iri, RDF.type, IPKGO.Event) not in union and not any(
            union.objects(self.d.iri, p) for p in (IPKGO.date, IPKGO.startDate, IPKGO.endDate)
        ):
            return None
        shown, key = date_text(union, self.d.iri)
        return None if key == UNDATED else shown

    @cached_property
    def quote(self) -> str | None:
        """For a source sentence: its text."""
        value = first_literal(self.d.union.objects(self.d.iri, IPKGO.quote))
        return None if value is None else str(value)

    @cached_property
    def wikidata(self) -> list[Term]:
        """owl:sameAs values that are Wikidata items."""
        out = []
        for st in self.d.outgoing:
            if st.predicate == OWL.sameAs and str(st.object).startswith(str(WD)):
                url = wikidata_url(str(st.object))
                local = str(st.object)[len(str(WD)) :]
                out.append(Term(local, url, "inferred" if st.inferred else "", True))
        return out

    @cached_property
    def groups(self) -> list[Group]:
        """The outgoing statements but the types, one group per property: ipkg's first, asserted before inferred."""
        return self._group(
            [st for st in self.d.outgoing if st.predicate != RDF.type and not self._aligned(st)], incoming=False
        )

    @cached_property
    def incoming(self) -> list[Group]:
        """Statements of other resources that point here, by property (the subject is the value shown).

        A statement the page already shows from this side is left out: the inverse of an
        outgoing one (``ipkgo:participant`` when ``ipkgo:participatedIn`` is listed), and an
        inferred super-property of an asserted one (``ipkgo:participant`` beside ``ipkgo:visitor``).
        """
        union = self.d.union
        outgoing = {(st.predicate, st.object) for st in self.d.outgoing}
        asserted = {(st.subject, st.predicate) for st in self.d.incoming if not st.inferred}
        kept = []
        for st in self.d.incoming:
            if self._aligned(st):
                continue
            if any(
                (st.predicate, OWL.inverseOf, q) in union or (q, OWL.inverseOf, st.predicate) in union
                for q, o in outgoing
                if o == st.subject
            ):
                continue
            if st.inferred and any(
                s == st.subject and p != st.predicate and (p, RDFS.subPropertyOf, st.predicate) in union
                for s, p in asserted
            ):
                continue
            kept.append(st)
        return self._group(kept, incoming=True)

    def _group(self, found: list[Statement], *, incoming: bool) -> list[Group]:
        by_predicate: dict[URIRef, list[Statement]] = {}
        for st in found:
            by_predicate.setdefault(st.predicate, []).append(st)
        groups = []
        for predicate, statements_ in by_predicate.items():
            values = sorted(
                statements_,
                key=lambda st: (st.inferred, self.labels.name(st.subject if incoming else st.object).lower()),
            )
            group = Group(
                self._predicate(predicate),
                anchor(predicate) if not incoming else "in-" + anchor(predicate),
                tuple(
                    Value(
                        self.labels.term(st.subject if incoming else st.object),
                        st.inferred,
                        st.graph_names,
                        () if incoming else self._details(st.object, 1),
                    )
                    for st in values
                ),
            )
            groups.append((self._key(values[0]) if not group.inferred else self._key(values[-1]), group))
        groups.sort(key=lambda item: (item[0][0], item[1].inferred, item[0][2]))
        return [group for _, group in groups]

    @cached_property
    def facts(self) -> list[Fact]:
        """The summary's key facts (see ``entity_facts.key_facts``)."""
        return key_facts(self.d, self.labels)

    @cached_property
    def claims(self) -> list[ClaimGroup]:
        """Claims about the resource by property, disagreements first."""
        return claim_groups(self.d, self.labels)

    @cached_property
    def disputes(self) -> list[ClaimGroup]:
        """The properties whose claims give more than one value."""
        return [g for g in self.claims if g.disputed]

    @cached_property
    def disputed_anchors(self) -> frozenset[str]:
        """Row ids of the properties sources disagree on (their rows link to the claims)."""
        return frozenset(g.anchor for g in self.disputes)

    @cached_property
    def axis(self) -> Axis | None:
        """The timeline's line of years, or None for fewer than two dated events."""
        return axis([(e.sort_key, f"{e.when} · {e.event.text}") for e in self.timeline if e.sort_key != UNDATED])

    @cached_property
    def query_link(self) -> str:
        """A permalink to the query page with a query about this resource."""
        return query_link(self.d.iri, self.title)

    @cached_property
    def kind(self) -> str:
        """What it is, in words: its most specific asserted ipkg classes ("state", "visit")."""
        names = [self.labels.name(t) for t in most_specific(self.d.union, self.d.iri)]
        return ", ".join(names)

    @cached_property
    def aligned(self) -> list[Row]:
        """Inferred statements in other vocabularies (Wikidata, PROV, schema.org …), shown folded.

        They restate ipkg's own statements through the alignment axioms, so
        they would otherwise bury the page; the value column shows the other end.
        """
        out = []
        for st in (*self.d.outgoing, *self.d.incoming):
            if st.predicate == RDF.type or not self._aligned(st):
                continue
            incoming = st.subject != self.d.iri
            value = st.subject if incoming else st.object
            predicate = self._predicate(st.predicate)
            if incoming:
                predicate = Term("← " + predicate.text, predicate.href, predicate.note, predicate.external)
            out.append((self._key(st, value), Row(predicate, self.labels.term(value), True, st.graph_names)))
        out.sort(key=lambda item: item[0])
        return [row for _, row in out]

    @staticmethod
    def _aligned(st: Statement) -> bool:
        """An inferred statement whose property is not ipkg's own (nor RDFS/OWL)."""
        predicate = str(st.predicate)
        return st.inferred and not predicate.startswith((str(IPKGO), str(RDFS), str(OWL), str(RDF)))

    @cached_property
    def timeline(self) -> list[TimelineEntry]:
        """Events the resource took part in (or that took place at it), by date."""
        dataset = self.d.union
        iri = self.d.iri
        roles: dict[Node, str] = {}
        for event in dataset.objects(iri, IPKGO.participatedIn):
            roles.setdefault(event, "participant")
        for predicate, role in EVENT_ROLES:
            for event in dataset.subjects(predicate, iri):
                roles.setdefault(event, role)
        entries = []
        for event, role in roles.items():
            if event == iri:
                continue
            shown, key = date_text(dataset, event)
            types = tuple(self.labels.term(t) for t in most_specific(dataset, event))
            entries.append(TimelineEntry(self.labels.term(event), shown, key, role, types))
        entries.sort(key=lambda e: (e.sort_key, e.event.text))
        return entries

    @cached_property
    def evidence(self) -> list[Evidence]:
        """The sentences (or sources) the resource was derived from, with their text."""
        dataset = self.d.union
        out = []
        for st in self.d.outgoing:
            if st.predicate not in SOURCE_PREDICATES:
                continue
            node = st.object
            quote = first_literal(dataset.objects(node, IPKGO.quote))
            source = next(iter(dataset.objects(node, IPKGO.inSource)), None)
            whole = source if source is not None else node
            url = first_literal(dataset.objects(whole, IPKGO.url))
            paragraph = first_literal(dataset.objects(node, IPKGO.paragraph))
            number = first_literal(dataset.objects(node, IPKGO.sentenceNumber))
            where = ""
            if paragraph is not None:
                where = f"¶{paragraph}" + (f", sentence {number}" if number is not None else "")
            out.append(
                Evidence(
                    self.labels.term(node),
                    None if quote is None else str(quote),
                    None if source is None else self.labels.term(source),
                    str(url) if url is not None and str(url).startswith(("http://", "https://")) else None,
                    where,
                )
            )
        return out

    def _predicate(self, predicate: URIRef) -> Term:
        return self.labels.term(predicate)

    def _key(self, st: Statement, value: Node | None = None) -> tuple[int, bool, str, str]:
        predicate = str(st.predicate)
        group = 0 if predicate.startswith(str(IPKGO)) else 1 if predicate.startswith(str(RDFS)) else 2
        shown = value if value is not None else st.object
        return group, st.inferred, self._predicate(st.predicate).text.lower(), self.labels.name(shown).lower()

    def _details(self, node: Node, depth: int) -> tuple[tuple[Term, Term], ...]:
        """The properties of a blank-node value, shown nested."""
        if not isinstance(node, BNode) or depth > MAX_BNODE_DEPTH:
            return ()
        return tuple(
            (self._predicate(st.predicate), self.labels.term(st.object))
            for st in statements(self.d.snapshot, subject=node)
        )


def most_specific(dataset: Union, node: Node) -> list[Node]:
    """The ipkg classes of ``node`` that no other of its ipkg classes is a subclass of."""
    types = {t for t in dataset.objects(node, RDF.type) if str(t).startswith(str(IPKGO))}
    specific = (t for t in types if not any(o != t and (o, RDFS.subClassOf, t) in dataset for o in types))
    return sorted(specific, key=node_key)
