"""The HTML page of one resource: its types, values, timeline and evidence, ready for the template.

Computed from a ``Description`` (the raw statements): the template only
renders, so what a page shows can be tested without HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from rdflib import BNode, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS
from rdflib.term import Node

from ipkg.namespaces import IPKGO, WD
from ipkg.serve.entity_data import Description, Statement, statements
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
    def rows(self) -> list[Row]:
        """Every outgoing statement but the types, ipkg's properties first, asserted before inferred."""
        rows = []
        for st in self.d.outgoing:
            if st.predicate == RDF.type or self._aligned(st):
                continue
            rows.append(
                (
                    self._key(st),
                    Row(
                        self._predicate(st.predicate),
                        self.labels.term(st.object),
                        st.inferred,
                        st.graph_names,
                        self._details(st.object, 1),
                    ),
                )
            )
        rows.sort(key=lambda item: item[0])
        return [row for _, row in rows]

    @cached_property
    def incoming(self) -> list[Row]:
        """Statements about other resources that point here (the subject is the value shown)."""
        rows = [
            (
                self._key(st, st.subject),
                Row(self._predicate(st.predicate), self.labels.term(st.subject), st.inferred, st.graph_names),
            )
            for st in self.d.incoming
            if not self._aligned(st)
        ]
        rows.sort(key=lambda item: item[0])
        return [row for _, row in rows]

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
