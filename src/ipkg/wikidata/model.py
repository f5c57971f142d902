"""The alignment with Wikidata and the class hierarchy, read from the ontology at run time.

Everything the import and the link commands need to know of ``ipkgo:``: which
ipkgo property or class a Wikidata property or P31 value is equivalent to,
which aligned properties are stated through n-ary nodes, domains, ranges and
disjointness. Also the naming helpers (``qname``, ``qid``) their messages use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from ipkg.namespaces import IPKGO, WDT, bind_prefixes

ITEM_RE = re.compile(r"^http://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$")
DIRECT_RE = re.compile(r"^http://www\.wikidata\.org/prop/direct/(P[1-9][0-9]*)$")


class Unmappable(Exception):
    """A value or statement that ipkg's model cannot express; the message says why."""


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
