"""Local facts as QuickStatements V1 commands (``ipkg export quickstatements``).

Syntax (Wikidata, "Help:QuickStatements", section "Command sequence syntax",
https://www.wikidata.org/wiki/Help:QuickStatements): one command per line,
its parts separated by TAB: the item, the property, the value, then
qualifier property/value pairs, then source pairs whose property starts with
``S`` instead of ``P``. Values: an item is its QID; a time is
``+1967-01-17T00:00:00Z/11``, the number after the slash being the Wikibase
precision (9 year, 10 month, 11 day), with the parts below the precision
written as ``00`` (``+1839-00-00T00:00:00Z/9``); a quantity is the plain
number; a string is in double quotes. Example line::

    Q184	P463	Q177773	P580	+1970-04-26T00:00:00Z/11	S854	"http://www.wipo.int/…"

What is exported: facts of the local facts graph about linked entities (an
``owl:sameAs`` to a ``wd:`` item), whose property is aligned to a Wikidata
property (``ontology/align-wikidata.ttl``), and whose value is a linked item, a
date (``xsd:date`` /11, ``xsd:gYearMonth`` /10, ``xsd:gYear`` /9) or a number.
N-ary nodes of the alignment's chain pattern (an ipkgo:Membership) become the
direct statement with the node's aligned dates as qualifiers (P463 with
P580/P582).

Every command carries one source, as a reference URL (``S854``): the
``ipkgo:url`` of the source the fact is derived from, or of the source of the
sentence it is derived from. The sources of a fact are, in this order: the
ipkgo:Claim nodes stating exactly this value; the n-ary node's own
provenance; the entity's provenance if it has a single source; otherwise the
entity's sentences that mention the value (its label, or the year of a date).
A fact with several sources gives one command per source (QuickStatements adds
each reference to the one statement). Facts that cannot be expressed (value not
linked, a string, no source with an http(s) URL, an ambiguous source) are
skipped and counted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ipkg.namespaces import IPKGO
from ipkg.wikidata import INTEGER_DATATYPES, NUMERIC_DATATYPES, Model, qid

TIME_PRECISIONS = {XSD.date: 11, XSD.gYearMonth: 10, XSD.gYear: 9}


@dataclass(frozen=True, order=True)
class Command:
    """One QuickStatements V1 command: a statement, its qualifiers and one reference URL."""

    subject: str
    pid: str
    value: str
    qualifiers: tuple[tuple[str, str], ...]
    source: str

    def line(self) -> str:
        parts = [self.subject, self.pid, self.value]
        for pid, value in self.qualifiers:
            parts += [pid, value]
        parts += ["S854", quote(self.source)]
        return "\t".join(parts)

    def sort_key(self) -> tuple[int, int, str, tuple[tuple[str, str], ...], str]:
        return (int(self.subject[1:]), int(self.pid[1:]), self.value, self.qualifiers, self.source)


def quote(text: str) -> str:
    """A QuickStatements string value: in double quotes, with inner quotes escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def time_value(value: Literal) -> str:
    """``+1970-04-26T00:00:00Z/11``, ``+1970-04-00T00:00:00Z/10``, ``+1893-00-00T00:00:00Z/9``."""
    precision = TIME_PRECISIONS[value.datatype]  # type: ignore[index]
    text = re.sub(r"(Z|[+-][0-9]{2}:[0-9]{2})$", "", str(value))
    sign = "-" if text.startswith("-") else "+"
    year, *rest = text.lstrip("-").split("-")
    month = rest[0] if len(rest) > 0 else "00"
    day = rest[1] if len(rest) > 1 else "00"
    return f"{sign}{year}-{month}-{day}T00:00:00Z/{precision}"


def quantity_value(value: Literal) -> str:
    """A number as QuickStatements writes a unitless quantity."""
    number = value.toPython()
    if value.datatype in INTEGER_DATATYPES:
        return str(int(number))
    return str(number)


@dataclass
class Export:
    """The commands, and the facts skipped with the reason for each."""

    commands: list[Command]
    skipped: Counter[str]

    def text(self) -> str:
        return "".join(c.line() + "\n" for c in self.commands)


class Exporter:
    """Turns the facts about linked entities into commands."""

    def __init__(self, facts: Graph, links: Graph, model: Model) -> None:
        self.facts = facts
        self.model = model
        self.both = Graph()
        for graph in (facts, links):
            for triple in graph:
                self.both.add(triple)
        self.qids: dict[Node, str] = {}
        for a, b in self.both.subject_objects(OWL.sameAs):
            for local, item in ((a, b), (b, a)):
                found = qid(item)
                if found and not qid(local):
                    self.qids.setdefault(local, found)
        self.skipped: Counter[str] = Counter()
        self.commands: set[Command] = set()

    def run(self) -> Export:
        node_facts = self._nary()
        for prop in sorted(set(self.model.properties.values())):
            pid = self.model.pid(prop)
            assert pid is not None
            for subject, value in sorted(self.facts.subject_objects(prop), key=str):
                if subject not in self.qids or (subject, prop, value) in node_facts:
                    continue
                self._fact(subject, pid, prop, value)
        return Export(sorted(self.commands, key=Command.sort_key), self.skipped)

    def _value(self, value: Node) -> str | None:
        if isinstance(value, URIRef):
            return self.qids.get(value)
        if isinstance(value, Literal) and value.datatype in TIME_PRECISIONS:
            return time_value(value)
        if isinstance(value, Literal) and value.datatype in NUMERIC_DATATYPES:
            return quantity_value(value)
        return None

    def _why_not(self, value: Node) -> str:
        if isinstance(value, URIRef):
            return "value not linked to a Wikidata item"
        return "value is not an item, a date or a number"

    def _fact(self, subject: Node, pid: str, prop: URIRef, value: Node) -> None:
        shown = self._value(value)
        if shown is None:
            self.skipped[self._why_not(value)] += 1
            return
        if self._contested(subject, prop, value):
            self.skipped["contested: a claim for this value conflicts with another source"] += 1
            return
        urls = self._claim_sources(subject, prop, value) or self._entity_sources(subject, value)
        self._emit(self.qids[subject], pid, shown, (), urls)

    def _contested(self, subject: Node, prop: URIRef, value: Node) -> bool:
        """Whether a claim for this very value is marked ``ipkgo:conflictsWith`` another: not for Wikidata."""
        for claim in self.both.subjects(IPKGO.claimSubject, subject):
            if self.both.value(claim, IPKGO.claimProperty) != prop:
                continue
            claimed = any(_same_value(v, value) for v in self.both.objects(claim, IPKGO.claimValue))
            if claimed and (claim, IPKGO.conflictsWith, None) in self.both:
                return True
            if claimed and (None, IPKGO.conflictsWith, claim) in self.both:
                return True
        return False

    def _emit(
        self, subject: str, pid: str, value: str, qualifiers: tuple[tuple[str, str], ...], urls: list[str] | str
    ) -> None:
        if isinstance(urls, str):
            self.skipped[urls] += 1
            return
        web = [u for u in urls if u.startswith(("http://", "https://"))]
        if not web:
            self.skipped["no source with an http(s) URL"] += 1
            return
        for url in web:
            self.commands.add(Command(subject, pid, value, qualifiers, url))

    def _nary(self) -> set[tuple[Node, URIRef, Node]]:
        """Commands from n-ary nodes; returns the direct facts they already express."""
        covered: set[tuple[Node, URIRef, Node]] = set()
        for pattern in sorted(self.model.nary.values(), key=lambda p: str(p.prop)):
            pid = self.model.pid(pattern.prop)
            if pid is None:
                continue
            for node in sorted(self.facts.subjects(RDF.type, pattern.node_class), key=str):
                subject = self.facts.value(node, pattern.subject_role)
                value = self.facts.value(node, pattern.value_role)
                if subject not in self.qids or value is None:
                    continue
                covered.add((subject, pattern.prop, value))
                shown = self._value(value)
                if shown is None:
                    self.skipped[self._why_not(value)] += 1
                    continue
                qualifiers = []
                for prop in sorted(set(self.model.properties.values())):
                    for qualifier in sorted(self.facts.objects(node, prop), key=str):
                        qshown = (
                            self._value(qualifier) if prop not in (pattern.subject_role, pattern.value_role) else None
                        )
                        qpid = self.model.pid(prop)
                        if qshown is not None and qpid is not None:
                            qualifiers.append((qpid, qshown))
                urls = self._urls(self.facts.objects(node, PROV.wasDerivedFrom))
                self._emit(self.qids[subject], pid, shown, tuple(sorted(qualifiers)), urls)
        return covered

    def _urls(self, derivations: object) -> list[str]:
        urls = set()
        for origin in derivations:  # type: ignore[attr-defined]
            source = (
                self.both.value(origin, IPKGO.inSource) if (origin, RDF.type, IPKGO.Sentence) in self.both else origin
            )
            url = self.both.value(source, IPKGO.url) if source is not None else None
            if url is not None:
                urls.add(str(url))
        return sorted(urls)

    def _claim_sources(self, subject: Node, prop: URIRef, value: Node) -> list[str]:
        urls: list[str] = []
        for claim in self.both.subjects(IPKGO.claimSubject, subject):
            if self.both.value(claim, IPKGO.claimProperty) != prop:
                continue
            for claimed in self.both.objects(claim, IPKGO.claimValue):
                if _same_value(claimed, value):
                    urls += self._urls(self.both.objects(claim, PROV.wasDerivedFrom))
        return sorted(set(urls))

    def _entity_sources(self, subject: Node, value: Node) -> list[str] | str:
        origins = sorted(self.both.objects(subject, PROV.wasDerivedFrom), key=str)
        if not origins:
            return "no source"
        urls = self._urls(origins)
        if len(urls) == 1:
            return urls
        needles = self._mentions(value)
        mentioning = [
            o for o in origins if any(n in str(self.both.value(o, IPKGO.quote) or "").casefold() for n in needles)
        ]
        if mentioning:
            return self._urls(mentioning)
        return "several sources, none of whose sentences mentions the value"

    def _mentions(self, value: Node) -> set[str]:
        if isinstance(value, Literal):
            year = re.match(r"-?[0-9]{4,}", str(value))
            return {year.group(0)} if year else {str(value).casefold()}
        names = set()
        for prop in (RDFS.label, SKOS.altLabel):
            for name in self.both.objects(value, prop):
                names.add(str(name).casefold())
        return {n for n in names if len(n) >= 3}


def _same_value(a: Node, b: Node) -> bool:
    if isinstance(b, URIRef):
        return str(a) == str(b)
    return isinstance(a, Literal) and isinstance(b, Literal) and str(a) == str(b) and a.datatype == b.datatype


def quickstatements(facts: Graph, links: Graph, model: Model) -> Export:
    """The commands for the local facts (see the module docstring), in a stable order."""
    return Exporter(facts, links, model).run()


def skipped_summary(skipped: Counter[str]) -> str:
    """``skipped 3 fact(s): 2 value not linked …; 1 …`` for stderr."""
    total = sum(skipped.values())
    if not total:
        return "skipped 0 facts"
    parts = "; ".join(f"{n} {why}" for why, n in sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"skipped {total} fact(s) that QuickStatements cannot express: {parts}"
