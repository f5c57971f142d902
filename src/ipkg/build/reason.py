"""OWL 2 RL reasoning (owlrl) whose consequences are kept apart from asserted facts.

owlrl works in place and adds much a user would never query: reflexive
``owl:sameAs`` for every term, ``owl:Thing`` typing, triples about the RDF/OWL
vocabulary itself, and triples with literal subjects (not RDF 1.1). ``infer``
reasons on a scratch copy and returns only the new, useful triples;
``is_useful`` is the filter, tested on its own.

Two more filters keep default answers free of repeats and of ended facts:

* **One name per vocabulary** (``SameAsIndex``, GraphDB's canonical
  representative done on the output). ``owl:sameAs`` between a local resource
  and a Wikidata item makes OWL 2 RL copy every triple of one onto the other
  (rules eq-rep-s/o), so that a query binding both names returns each answer
  twice. Of those copies only the ones written in one vocabulary's terms are
  kept: a triple whose predicate is a Wikidata property (``wdt:``, ``p:``,
  ``ps:`` … everything under ``http://www.wikidata.org/prop/``) takes the
  Wikidata item as its object; any other triple (ipkgo, RDF, OWL, PROV, ORG,
  schema.org …) takes the local resource as subject and object. The subject of
  a Wikidata-property triple may be either name, so that a local resource keeps
  its own Wikidata-aligned statements (``ipkg:belarus wdt:P1344 …``) and the
  item gets them too (``wd:Q184 wdt:P1344 …``). The ``owl:sameAs`` links
  themselves stay: equivalents remain reachable.
* **Current memberships** (``MembershipIndex``). The chain
  ``hasMembership ∘ organization ⊑ memberOf`` would make a member of everything
  it ever belonged to. The direct relation (``ipkgo:memberOf``, its Wikidata
  form ``wdt:P463`` and its super- and inverse properties) is kept only for a
  member and organization that have a membership without an ``ipkgo:endDate``
  (or state the relation directly): a membership with an end has ended. The
  membership node itself, with its dates, stays.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Protocol

import owlrl
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from ipkg.build.rules import Closure, Unsupported, close, compile_rules, is_tbox
from ipkg.errors import InconsistentData
from ipkg.namespaces import IPKG, IPKGO, WD

VOCABULARY_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD), str(ERRNS))
"""Subjects in these namespaces are the reasoner's axioms, not knowledge about the domain."""

REFLEXIVE_NOISE = frozenset(
    {OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf}
)
TRIVIAL_TYPES = frozenset({OWL.Thing, RDFS.Resource, OWL.NamedIndividual})

WIKIDATA_PROPERTIES = "http://www.wikidata.org/prop/"
"""Namespace of Wikidata's property forms: wdt:, p:, ps:, pq:, pr: and their value forms."""

Triple = tuple[Node, Node, Node]


class TripleSource(Protocol):
    """What the output filters read: an rdflib Graph, or the compiled rules' closure."""

    def __iter__(self) -> Iterator[Triple]: ...

    def __contains__(self, pattern: tuple[Node | None, Node | None, Node | None]) -> bool: ...

    def subject_objects(self, predicate: Node) -> Iterator[tuple[Node, Node]]: ...

    def subjects(self, predicate: Node, obj: Node) -> Iterator[Node]: ...

    def objects(self, subject: Node, predicate: Node) -> Iterator[Node]: ...

    def value(self, subject: Node, predicate: Node) -> Node | None: ...


def infer(ontology: Graph, asserted: Iterable[Graph], *, engine: str = "rules") -> Graph:
    """The OWL 2 RL consequences of ``ontology`` plus ``asserted`` not already stated, filtered.

    ``engine="rules"`` (the default) closes the ontology with owlrl and runs the data
    through the compiled rules of ``ipkg.build.rules``; an ontology outside those rules,
    or ``engine="owlrl"``, runs owlrl on everything (the reference, much slower). Both
    give the same triples, which a differential test holds.

    Raises:
        InconsistentData: the data contradicts the ontology (e.g. rule cax-dw: an
            individual in two disjoint classes), with the reasoner's messages.
    """
    stated: set[Triple] = set()
    for graph in (ontology, *asserted):
        stated.update(graph)
    work: TripleSource
    if engine == "rules":
        try:
            work, errors = _closure_by_rules(stated)
        except Unsupported:
            work, errors = _closure_by_owlrl(stated)
    else:
        work, errors = _closure_by_owlrl(stated)
    if errors:
        raise InconsistentData(errors)
    schema_bnodes = {term for triple in ontology for term in triple if isinstance(term, BNode)}
    same = SameAsIndex(work)
    memberships = MembershipIndex(work, stated, same)
    inferred = Graph()
    for triple in work:
        if (
            triple not in stated
            and is_useful(triple, schema_bnodes)
            and same.is_canonical(triple)
            and memberships.is_current(triple)
        ):
            inferred.add(triple)
    return inferred


def _closure_by_owlrl(stated: set[Triple]) -> tuple[Graph, list[str]]:
    work = Graph()
    for triple in stated:
        work.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    return work, [str(message) for message in work.objects(None, ERRNS.error)]


def _closure_by_rules(stated: set[Triple]) -> tuple[Closure, list[str]]:
    """owlrl on the schema alone (small), then the data through the compiled rules.

    Raises:
        Unsupported: the schema uses a construct the compiled rules lack.
    """
    tbox = Graph()
    for triple in stated:
        if is_tbox(triple):
            tbox.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(tbox)
    errors = [str(message) for message in tbox.objects(None, ERRNS.error)]
    closure = close(compile_rules(tbox), stated.union(tbox))
    return closure, errors + closure.errors


def is_useful(triple: Triple, schema_bnodes: frozenset[BNode] | set[BNode] = frozenset()) -> bool:
    """Whether an inferred triple is worth keeping for users.

    Dropped: literal subjects; reflexive sameAs/equivalence/subclass triples;
    typing as owl:Thing or rdfs:Resource; axioms about the RDF, RDFS, OWL and
    XSD vocabularies; triples about the ontology's anonymous class expressions.
    """
    s, p, o = triple
    if isinstance(s, Literal):
        return False
    if s == o and p in REFLEXIVE_NOISE:
        return False
    if p == RDF.type and o in TRIVIAL_TYPES:
        return False
    if p == RDFS.subClassOf and o == OWL.Thing:
        return False
    if str(s).startswith(VOCABULARY_NAMESPACES):
        return False
    return s not in schema_bnodes and o not in schema_bnodes


def is_wikidata_property(predicate: Node) -> bool:
    """``wdt:P463``, ``p:P463``, ``ps:P463`` …: a property of Wikidata's own vocabulary."""
    return str(predicate).startswith(WIKIDATA_PROPERTIES)


class SameAsIndex:
    """The owl:sameAs classes of a graph, with their local (ipkg) and Wikidata names."""

    def __init__(self, graph: TripleSource) -> None:
        parent: dict[Node, Node] = {}

        def find(term: Node) -> Node:
            parent.setdefault(term, term)
            while parent[term] != term:
                parent[term] = parent[parent[term]]
                term = parent[term]
            return term

        for a, b in graph.subject_objects(OWL.sameAs):
            if a != b and isinstance(a, URIRef) and isinstance(b, URIRef):
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[ra] = rb
        groups: dict[Node, list[URIRef]] = defaultdict(list)
        for term in list(parent):
            groups[find(term)].append(term)  # type: ignore[arg-type]
        self.local: dict[Node, URIRef] = {}
        self.wikidata: dict[Node, URIRef] = {}
        for members in groups.values():
            local = sorted(m for m in members if str(m).startswith(str(IPKG)))
            items = sorted(m for m in members if str(m).startswith(str(WD)))
            for member in members:
                if local:
                    self.local[member] = local[0]
                if items:
                    self.wikidata[member] = items[0]

    def local_name(self, term: Node) -> Node:
        """The local resource ``term`` is the same as (itself if it has none)."""
        return self.local.get(term, term)

    def wikidata_name(self, term: Node) -> Node:
        """The Wikidata item ``term`` is the same as (itself if it has none)."""
        return self.wikidata.get(term, term)

    def is_canonical(self, triple: Triple) -> bool:
        """Whether the triple is written in its predicate's vocabulary (see the module docstring)."""
        s, p, o = triple
        if p == OWL.sameAs:
            return True
        if is_wikidata_property(p):
            return o == self.wikidata_name(o)
        return s == self.local_name(s) and o == self.local_name(o)


class MembershipIndex:
    """Which member–organization pairs are current: a membership without an end, or a direct statement."""

    def __init__(self, graph: TripleSource, stated: set[Triple], same: SameAsIndex) -> None:
        self.same = same
        self.member_of = {IPKGO.memberOf, *graph.objects(IPKGO.memberOf, RDFS.subPropertyOf)}
        self.has_member = {IPKGO.hasMember, *graph.objects(IPKGO.hasMember, RDFS.subPropertyOf)}
        open_pairs: set[tuple[Node, Node]] = set()
        ended_pairs: set[tuple[Node, Node]] = set()
        for node in set(graph.subjects(RDF.type, IPKGO.Membership)):
            member, organization = graph.value(node, IPKGO.member), graph.value(node, IPKGO.organization)
            if member is None or organization is None:
                continue
            pair = self._pair(member, organization)
            (ended_pairs if (node, IPKGO.endDate, None) in graph else open_pairs).add(pair)
        for s, p, o in stated:
            if p in self.member_of:
                open_pairs.add(self._pair(s, o))
            elif p in self.has_member:
                open_pairs.add(self._pair(o, s))
        self.ended = ended_pairs - open_pairs
        """Pairs whose every membership has an end date, and that no triple states directly."""

    def _pair(self, member: Node, organization: Node) -> tuple[Node, Node]:
        return self.same.local_name(member), self.same.local_name(organization)

    def is_current(self, triple: Triple) -> bool:
        """False for an inferred member-of (or has-member) triple whose memberships have all ended."""
        s, p, o = triple
        if p in self.member_of:
            return self._pair(s, o) not in self.ended
        if p in self.has_member:
            return self._pair(o, s) not in self.ended
        return True
