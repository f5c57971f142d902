"""A fast OWL 2 RL reasoner for ipkg's ontology: the T-box compiled into rules, the A-box run to a fixpoint.

owlrl applies every OWL 2 RL rule to the whole graph again and again until nothing changes (minutes
on 10^5 triples). Here the ontology (the T-box, small and fixed) is closed once by owlrl, compiled
into lookup tables, and the data (the A-box) run through the rules with a worklist: each new triple
is joined once against indexes of what is known (semi-naive evaluation), so the cost grows with the
consequences, not the passes. ``build.dred`` takes triples back (delete and rederive) on the same
matching code (``Closure.derive``). The rules are those of OWL 2 RL (W3C OWL 2 Profiles §4.3,
tables 4–9) that ipkg's ontology uses:

- cax-sco, cax-eqc1/2 (types up the class hierarchy), cls-hv1/2 (hasValue restrictions);
- prp-dom, prp-rng, prp-spo1, prp-eqp1/2, prp-inv1/2, prp-symp, prp-trp, prp-spo2 (chains);
- prp-fp, prp-ifp, eq-sym, eq-trans, eq-rep-s/o (functional properties and owl:sameAs);
- cax-dw, cax-adc, prp-pdw (inconsistencies).

An ontology using anything else (someValuesFrom, intersectionOf, keys …) is not compiled:
``compile_rules`` raises ``Unsupported`` and the caller falls back to owlrl. What is returned are
the triples the rules add; the caller filters them exactly as it filters owlrl's output, and a
differential test holds the two equal.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from rdflib import Graph, Literal
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

_TYPE, _SAME_AS = RDF.type, OWL.sameAs  # the inner loop's: ``RDF.type`` costs a namespace __getattr__
Triple = tuple[Node, Node, Node]

UNSUPPORTED = (
    OWL.someValuesFrom,
    OWL.allValuesFrom,
    OWL.intersectionOf,
    OWL.unionOf,
    OWL.complementOf,
    OWL.oneOf,
    OWL.hasKey,
    OWL.maxCardinality,
    OWL.maxQualifiedCardinality,
    OWL.differentFrom,
    OWL.distinctMembers,
    OWL.AsymmetricProperty,
    OWL.IrreflexiveProperty,
    OWL.onClass,
)
"""T-box predicates and types the compiled rules do not cover (owlrl is used instead)."""

TBOX_PREDICATES = frozenset(
    {
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        RDFS.domain,
        RDFS.range,
        OWL.equivalentClass,
        OWL.equivalentProperty,
        OWL.inverseOf,
        OWL.propertyChainAxiom,
        OWL.hasValue,
        OWL.onProperty,
        OWL.disjointWith,
        OWL.propertyDisjointWith,
        OWL.members,
        RDF.first,
        RDF.rest,
        *UNSUPPORTED,
    }
)
TBOX_TYPES = frozenset(
    {
        OWL.Class,
        OWL.Restriction,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        OWL.FunctionalProperty,
        OWL.InverseFunctionalProperty,
        OWL.TransitiveProperty,
        OWL.SymmetricProperty,
        OWL.AllDisjointClasses,
        OWL.AllDisjointProperties,
        OWL.Ontology,
        RDFS.Class,
        RDF.Property,
        *UNSUPPORTED,
    }
)


class Unsupported(Exception):
    """The ontology uses an OWL construct the compiled rules do not implement."""


def is_tbox(triple: Triple) -> bool:
    """Whether a triple belongs to the schema (what is compiled) rather than to the data."""
    s, p, o = triple
    if p in TBOX_PREDICATES:
        return True
    return p == RDF.type and o in TBOX_TYPES


@dataclass
class Rules:
    """The closed T-box as lookup tables."""

    superclasses: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    superproperties: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    domains: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    ranges: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    inverses: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    symmetric: set[Node] = field(default_factory=set)
    transitive: set[Node] = field(default_factory=set)
    functional: set[Node] = field(default_factory=set)
    inverse_functional: set[Node] = field(default_factory=set)
    chains: dict[Node, list[tuple[Node, tuple[Node, ...], int]]] = field(default_factory=lambda: defaultdict(list))
    """property → (implied property, chain, position of the property in the chain)."""
    class_values: dict[Node, set[tuple[Node, Node]]] = field(default_factory=lambda: defaultdict(set))
    """restriction class → (property, value) (cls-hv1)."""
    value_classes: dict[tuple[Node, Node], set[Node]] = field(default_factory=lambda: defaultdict(set))
    """(property, value) → restriction classes (cls-hv2)."""
    disjoint_classes: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    disjoint_rule: dict[tuple[Node, Node], str] = field(default_factory=dict)
    """Which rule makes a pair of classes disjoint: cax-dw (owl:disjointWith) or cax-adc (AllDisjointClasses)."""
    disjoint_properties: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))


def compile_rules(tbox: Graph) -> Rules:
    """Lookup tables from a T-box closed under OWL 2 RL (owlrl's output on the ontology alone).

    Raises:
        Unsupported: the T-box uses a construct outside the compiled rules.
    """
    for construct in UNSUPPORTED:
        if (None, construct, None) in tbox or (None, RDF.type, construct) in tbox:
            raise Unsupported(f"the ontology uses {construct}")
    rules = Rules()
    for c, d in tbox.subject_objects(RDFS.subClassOf):
        if c != d:
            rules.superclasses[c].add(d)
    for p, q in tbox.subject_objects(RDFS.subPropertyOf):
        if p != q:
            rules.superproperties[p].add(q)
    for p, c in tbox.subject_objects(RDFS.domain):
        rules.domains[p].add(c)
    for p, c in tbox.subject_objects(RDFS.range):
        rules.ranges[p].add(c)
    for p, q in tbox.subject_objects(OWL.inverseOf):
        rules.inverses[p].add(q)
        rules.inverses[q].add(p)
    rules.symmetric = set(tbox.subjects(RDF.type, OWL.SymmetricProperty))
    rules.transitive = set(tbox.subjects(RDF.type, OWL.TransitiveProperty))
    rules.functional = set(tbox.subjects(RDF.type, OWL.FunctionalProperty))
    rules.inverse_functional = set(tbox.subjects(RDF.type, OWL.InverseFunctionalProperty))
    for implied, head in tbox.subject_objects(OWL.propertyChainAxiom):
        chain = tuple(Collection(tbox, head))
        for position, step in enumerate(chain):
            rules.chains[step].append((implied, chain, position))
    for restriction, value in tbox.subject_objects(OWL.hasValue):
        for prop in tbox.objects(restriction, OWL.onProperty):
            rules.class_values[restriction].add((prop, value))
            rules.value_classes[(prop, value)].add(restriction)
    for c, d in tbox.subject_objects(OWL.disjointWith):
        rules.disjoint_classes[c].add(d)
        rules.disjoint_classes[d].add(c)
        rules.disjoint_rule[(c, d)] = rules.disjoint_rule[(d, c)] = "cax-dw (owl:disjointWith)"
    for group in tbox.subjects(RDF.type, OWL.AllDisjointClasses):
        for head in tbox.objects(group, OWL.members):
            members = list(Collection(tbox, head))
            for c in members:
                rules.disjoint_classes[c].update(m for m in members if m != c)
                for m in members:
                    if m != c:
                        rules.disjoint_rule.setdefault((c, m), "cax-adc (owl:AllDisjointClasses)")
    for p, q in tbox.subject_objects(OWL.propertyDisjointWith):
        rules.disjoint_properties[p].add(q)
        rules.disjoint_properties[q].add(p)
    return rules


class Closure:
    """The A-box run to a fixpoint under ``rules``: ``triples`` is everything known, stated and derived."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.triples: set[Triple] = set()
        self.spo: dict[Node, dict[Node, set[Node]]] = defaultdict(lambda: defaultdict(set))
        self.pos: dict[Node, dict[Node, set[Node]]] = defaultdict(lambda: defaultdict(set))
        self.same: dict[Node, set[Node]] = {}
        """owl:sameAs classes (literals included), each member mapped to the shared set."""
        self.errors: list[str] = []
        self.log: list[Triple] = []
        """Triples in the order they became known (``log[n:]`` is what a later run added); a reader may clear it."""
        self._queue: deque[Triple] = deque()

    def run(self, triples: Iterable[Triple]) -> None:
        """Add ``triples`` and everything they imply."""
        for triple in triples:
            self._add(triple)
        try:
            while self._queue:
                self._fire(*self._queue.popleft())
        except BaseException:
            self._queue.clear()  # an interrupted run leaves nothing to fire at the next one
            raise

    def _add(self, triple: Triple) -> None:
        if triple not in self.triples:
            self.restore(triple)
            self.log.append(triple)
            self._queue.append(triple)

    def restore(self, triple: Triple) -> None:
        """Put ``triple`` in the indexes, unlogged and without firing a rule (the undo of ``discard``)."""
        s, p, o = triple
        self.triples.add(triple)
        self.spo[p][s].add(o)
        self.pos[p][o].add(s)

    def discard(self, triple: Triple) -> None:
        """Take ``triple`` out of the indexes; nothing it implied goes with it (``build.dred`` sees to that)."""
        s, p, o = triple
        self.triples.discard(triple)
        self.spo[p][s].discard(o)
        self.pos[p][o].discard(s)

    def _fire(self, s: Node, p: Node, o: Node) -> None:
        if p == _SAME_AS:
            self._merge(s, o)
            return
        self.derive((s, p, o), self._add, self._merge)
        self._check(s, p, o)

    def derive(  # noqa: C901 - one branch per rule family, in table order
        self, triple: Triple, add: Callable[[Triple], None], merge: Callable[[Node, Node], None]
    ) -> None:
        """Fire every rule with ``triple`` as one premise, the others matched in the indexes as they are now.

        ``add`` gets each conclusion, ``merge`` each pair prp-fp/prp-ifp make the same: the
        forward run adds and merges, ``build.dred`` collects (what a retracted triple
        supported, what still has a derivation) with this one matching code. An
        ``owl:sameAs`` triple derives nothing here: ``_merge`` keeps its class (eq-sym,
        eq-trans), to whose members every other triple is copied (eq-rep-s/o, below).
        """
        s, p, o = triple
        rules = self.rules
        literal_object = isinstance(o, Literal)
        if p == _TYPE:
            for d in rules.superclasses.get(o, ()):  # cax-sco
                add((s, _TYPE, d))
            for prop, value in rules.class_values.get(o, ()):  # cls-hv1
                add((s, prop, value))
        elif p == _SAME_AS:
            return
        for q in rules.superproperties.get(p, ()):  # prp-spo1, prp-eqp1/2
            add((s, q, o))
        for c in rules.domains.get(p, ()):  # prp-dom
            add((s, _TYPE, c))
        if not literal_object:
            for c in rules.ranges.get(p, ()):  # prp-rng
                add((o, _TYPE, c))
            for q in rules.inverses.get(p, ()):  # prp-inv1/2
                add((o, q, s))
            if p in rules.symmetric:  # prp-symp
                add((o, p, s))
        if p in rules.transitive:  # prp-trp
            for z in list(self.spo[p].get(o, ())):
                add((s, p, z))
            for w in list(self.pos[p].get(s, ())):
                add((w, p, o))
        for implied, chain, position in rules.chains.get(p, ()):  # prp-spo2
            for start in self._walk(s, chain[:position], backwards=True):
                for end in self._walk(o, chain[position + 1 :], backwards=False):
                    add((start, implied, end))
        if p in rules.functional:  # prp-fp
            for other in list(self.spo[p].get(s, ())):
                if other != o:
                    merge(o, other)
        if p in rules.inverse_functional:  # prp-ifp
            for other in list(self.pos[p].get(o, ())):
                if other != s:
                    merge(s, other)
        for restriction in rules.value_classes.get((p, o), ()):  # cls-hv2
            add((s, _TYPE, restriction))
        self._replace_equals(s, p, o, add)

    def _check(self, s: Node, p: Node, o: Node) -> None:
        """cax-dw, cax-adc, prp-pdw: inconsistencies the new triple completes, into ``errors``."""
        rules = self.rules
        disjoint = rules.disjoint_classes.get(o) if p == _TYPE else None
        if disjoint:  # cax-dw, cax-adc
            for other in self.spo[_TYPE].get(s, ()):
                if other in disjoint:
                    rule = rules.disjoint_rule.get((o, other), "cax-dw")
                    self.errors.append(f"{rule}: {s.n3()} is both {o.n3()} and {other.n3()}, which are Disjoint")
        for q in rules.disjoint_properties.get(p, ()):  # prp-pdw
            if o in self.spo[q].get(s, ()):
                self.errors.append(f"prp-pdw: {s.n3()} {p.n3()} and {q.n3()} {o.n3()}, which are disjoint")

    def _walk(self, node: Node, steps: tuple[Node, ...], *, backwards: bool) -> set[Node]:
        """The nodes reached from ``node`` along ``steps`` (taken from the end when going backwards)."""
        frontier = {node}
        for step in reversed(steps) if backwards else steps:
            index = self.pos[step] if backwards else self.spo[step]
            frontier = {n for f in frontier for n in index.get(f, ())}
            if not frontier:
                break
        return frontier

    def _replace_equals(self, s: Node, p: Node, o: Node, add: Callable[[Triple], None]) -> None:
        """eq-rep-s / eq-rep-o: the triple holds for every name of its subject and object."""
        subjects = self.same.get(s)
        objects = self.same.get(o)
        if subjects is None and objects is None:
            return
        for s2 in subjects or (s,):
            if isinstance(s2, Literal):
                continue  # no RDF 1.1 triple has a literal subject (and none is kept)
            for o2 in objects or (o,):
                add((s2, p, o2))

    def _merge(self, a: Node, b: Node) -> None:
        """eq-sym, eq-trans: one class for ``a`` and ``b``; then eq-rep for what is known of its members."""
        group_a, group_b = self.same.get(a, {a}), self.same.get(b, {b})
        if group_a is group_b:
            return
        merged = group_a | group_b
        for member in merged:
            self.same[member] = merged
        for x in merged:
            if isinstance(x, Literal):
                continue
            for y in merged:
                if x != y:
                    self._add((x, OWL.sameAs, y))
        for member in merged:
            for p in list(self.spo):
                for o in list(self.spo[p].get(member, ())):
                    self._replace_equals(member, p, o, self._add)
                for s in list(self.pos[p].get(member, ())):
                    self._replace_equals(s, p, member, self._add)

    # -- reads, in the shape of rdflib's Graph methods the output filters use --------------

    def __iter__(self) -> Iterator[Triple]:
        return iter(self.triples)

    def __contains__(self, pattern: tuple[Node | None, Node | None, Node | None]) -> bool:
        s, p, o = pattern
        if s is not None and p is not None:
            values = self.spo.get(p, {}).get(s, ())
            return bool(values) if o is None else o in values
        return any(True for _ in self.triples_matching(s, p, o))

    def triples_matching(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Triple]:
        """Triples matching a pattern (``None`` matches anything); fast when the predicate is given."""
        predicates = [p] if p is not None else list(self.spo)
        for predicate in predicates:
            if s is not None:
                for obj in self.spo.get(predicate, {}).get(s, ()):
                    if o is None or obj == o:
                        yield s, predicate, obj
            elif o is not None:
                for subject in self.pos.get(predicate, {}).get(o, ()):
                    yield subject, predicate, o
            else:
                for subject, objects in self.spo.get(predicate, {}).items():
                    for obj in objects:
                        yield subject, predicate, obj

    def subject_objects(self, predicate: Node) -> Iterator[tuple[Node, Node]]:
        """(subject, object) pairs of ``predicate``."""
        for s, _, o in self.triples_matching(None, predicate, None):
            yield s, o

    def subjects(self, predicate: Node, obj: Node) -> Iterator[Node]:
        """Subjects with ``predicate`` ``obj``."""
        yield from self.pos.get(predicate, {}).get(obj, ())

    def objects(self, subject: Node, predicate: Node) -> Iterator[Node]:
        """Objects of ``subject`` ``predicate``."""
        yield from self.spo.get(predicate, {}).get(subject, ())

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """One object of ``subject`` ``predicate``, or None."""
        return next(self.objects(subject, predicate), None)


def close(rules: Rules, data: Iterable[Triple]) -> Closure:
    """Run ``data`` to its fixpoint under ``rules``."""
    closure = Closure(rules)
    closure.run(data)
    return closure


__all__ = ["Closure", "Rules", "Unsupported", "close", "compile_rules", "is_tbox"]
