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

``OutputFilter`` holds all of them over one closure. The Oxigraph backend's
writer keeps one from change to change: the indexes read a small part of the
closure and are made again only when a change touches that part, and
``refreshed`` then names the triples whose verdict may have turned, so that a
small change is filtered at the cost of what it concerns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Iterable, Iterator
from collections.abc import Set as AbstractSet
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

MEMBERSHIP_INPUTS = frozenset({IPKGO.member, IPKGO.organization, IPKGO.endDate})
"""What ``MembershipIndex`` reads of a membership node besides its type."""

_TYPE, _SAME_AS, _SUB_CLASS_OF, _THING = RDF.type, OWL.sameAs, RDFS.subClassOf, OWL.Thing
_MEMBERSHIP, _MEMBER, _ORGANIZATION, _END_DATE = IPKGO.Membership, IPKGO.member, IPKGO.organization, IPKGO.endDate
"""Terms the filters compare every triple with, looked up once (a namespace attribute is built on each access)."""

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
    filters = OutputFilter(work, stated, schema_bnodes)
    inferred = Graph()
    for triple in work:
        if filters.keeps(triple):
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


def is_useful(triple: Triple, schema_bnodes: AbstractSet[BNode] = frozenset()) -> bool:
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
    if p == _TYPE and o in TRIVIAL_TYPES:
        return False
    if p == _SUB_CLASS_OF and o == _THING:
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

        for a, b in graph.subject_objects(_SAME_AS):
            if a != b and isinstance(a, URIRef) and isinstance(b, URIRef):
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[ra] = rb
        groups: dict[Node, list[URIRef]] = defaultdict(list)
        for term in list(parent):
            groups[find(term)].append(term)  # type: ignore[arg-type]
        self.local: dict[Node, URIRef] = {}
        self.wikidata: dict[Node, URIRef] = {}
        self._named: dict[Node, frozenset[Node]] = {}
        for members in groups.values():
            local = sorted(m for m in members if str(m).startswith(str(IPKG)))
            items = sorted(m for m in members if str(m).startswith(str(WD)))
            if local:
                self._named[local[0]] = frozenset(members)
            for member in members:
                if local:
                    self.local[member] = local[0]
                if items:
                    self.wikidata[member] = items[0]

    @staticmethod
    def reads(triple: Triple) -> bool:
        """Whether the index is made from triples like this one (owl:sameAs between two IRIs)."""
        a, p, b = triple
        return p == _SAME_AS and a != b and isinstance(a, URIRef) and isinstance(b, URIRef)

    def local_name(self, term: Node) -> Node:
        """The local resource ``term`` is the same as (itself if it has none)."""
        return self.local.get(term, term)

    def wikidata_name(self, term: Node) -> Node:
        """The Wikidata item ``term`` is the same as (itself if it has none)."""
        return self.wikidata.get(term, term)

    def named(self, local: Node) -> AbstractSet[Node]:
        """Every term whose local name is ``local`` (the inverse of ``local_name``)."""
        return self._named.get(local, frozenset((local,)))

    def renamed(self, before: SameAsIndex) -> set[Node]:
        """The terms whose local or Wikidata name differs from ``before``'s: their triples' verdicts may change."""
        return {
            term
            for now, then in ((self.local, before.local), (self.wikidata, before.wikidata))
            for term in now.keys() | then.keys()
            if now.get(term) != then.get(term)
        }

    def is_canonical(self, triple: Triple) -> bool:
        """Whether the triple is written in its predicate's vocabulary (see the module docstring)."""
        s, p, o = triple
        if p == _SAME_AS:
            return True
        if is_wikidata_property(p):
            return o == self.wikidata_name(o)
        return s == self.local_name(s) and o == self.local_name(o)


class MembershipIndex:
    """Which member–organization pairs are current: a membership without an end, or a direct statement."""

    def __init__(self, graph: TripleSource, stated: Container[Triple], same: SameAsIndex) -> None:
        """``stated`` tells which triples of ``graph`` are stated (a direct statement keeps its pair current)."""
        self.same = same
        self.member_of = {IPKGO.memberOf, *graph.objects(IPKGO.memberOf, RDFS.subPropertyOf)}
        self.has_member = {IPKGO.hasMember, *graph.objects(IPKGO.hasMember, RDFS.subPropertyOf)}
        open_pairs: set[tuple[Node, Node]] = set()
        ended_pairs: set[tuple[Node, Node]] = set()
        for node in set(graph.subjects(_TYPE, _MEMBERSHIP)):
            member, organization = graph.value(node, _MEMBER), graph.value(node, _ORGANIZATION)
            if member is None or organization is None:
                continue
            pair = self._pair(member, organization)
            (ended_pairs if (node, _END_DATE, None) in graph else open_pairs).add(pair)
        for p in self.member_of:
            open_pairs.update(self._pair(s, o) for s, o in graph.subject_objects(p) if (s, p, o) in stated)
        for p in self.has_member - self.member_of:
            open_pairs.update(self._pair(o, s) for s, o in graph.subject_objects(p) if (s, p, o) in stated)
        self.ended = ended_pairs - open_pairs
        """Pairs whose every membership has an end date, and that no triple states directly."""

    def reads(self, triple: Triple) -> bool:
        """Whether the index is made from triples like this one (memberships, their ends, direct statements)."""
        _, p, o = triple
        if p == _TYPE:
            return o == _MEMBERSHIP
        return p in MEMBERSHIP_INPUTS or p in self.member_of or p in self.has_member

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

    def statements(self, graph: TripleSource, pair: tuple[Node, Node]) -> Iterator[Triple]:
        """The member-of and has-member triples of ``graph`` that ``is_current`` judges by ``pair``."""
        members, organizations = self.same.named(pair[0]), self.same.named(pair[1])
        for p in self.member_of:
            for s in members:
                yield from ((s, p, o) for o in graph.objects(s, p) if o in organizations)
        for p in self.has_member - self.member_of:
            for s in organizations:
                yield from ((s, p, o) for o in graph.objects(s, p) if o in members)


class OutputFilter:
    """The filters of the inferred graph over one closure: ``keeps`` judges a triple, ``refreshed`` follows a change.

    The indexes read a small part of the closure (sameAs links, memberships), so a change that
    touches none of it keeps them; one that does gets new indexes and the triples whose verdict
    they may turn: those of a term whose local or Wikidata name changed, and the member-of
    triples of a pair whose memberships ended or reopened. A writer thus refilters what a
    change concerns, not the closure.
    """

    def __init__(
        self,
        graph: TripleSource,
        stated: Container[Triple],
        schema_bnodes: AbstractSet[BNode],
        same: SameAsIndex | None = None,
    ) -> None:
        """``stated`` is read when judging (a writer passes its live set); ``same`` if the sameAs classes are known."""
        self.stated = stated
        self.schema_bnodes = schema_bnodes
        self.same = SameAsIndex(graph) if same is None else same
        self.memberships = MembershipIndex(graph, stated, self.same)

    def keeps(self, triple: Triple) -> bool:
        """Whether the inferred graph keeps ``triple``, a triple of the closure."""
        return (
            triple not in self.stated
            and is_useful(triple, self.schema_bnodes)
            and self.same.is_canonical(triple)
            and self.memberships.is_current(triple)
        )

    def refreshed(self, closure: Closure, touched: AbstractSet[Triple]) -> tuple[OutputFilter, set[Triple]]:
        """The filters once ``touched`` entered or left ``closure`` or the stated triples, and what else to judge again.

        The second item holds the triples of ``closure``, besides ``touched``, whose verdict may differ.
        """
        renaming = any(SameAsIndex.reads(t) for t in touched)
        if not renaming and not any(self.memberships.reads(t) for t in touched):
            return self, set()
        after = OutputFilter(closure, self.stated, self.schema_bnodes, SameAsIndex(closure) if renaming else self.same)
        again: set[Triple] = set()
        for term in after.same.renamed(self.same) if renaming else ():
            again.update(closure.triples_matching(term, None, None))
            again.update(closure.triples_matching(None, None, term))
        for pair in self.memberships.ended ^ after.memberships.ended:
            again.update(after.memberships.statements(closure, pair))
        return after, again
