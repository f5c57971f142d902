"""SHACL shapes (W3C SHACL §2–5) compiled once into Python checks; ``shacl_check`` runs them over data.

pySHACL interprets the shapes graph on every validation: it reads each shape's
parameters again, walks the class hierarchy again for every target, and runs
each SPARQL constraint once per focus node; on 10^5 triples that takes minutes.
Here the shapes graph is read once into ``Shape`` objects whose constraints are
plain functions of a value node, and each SPARQL query is parsed once. What is
compiled is what ipkg's shapes use, read as pySHACL reads it where the
specification leaves room (an ill-typed literal fails ``sh:datatype``;
``sh:languageIn`` also accepts a tag whose primary subtag is listed):

- targets: ``sh:targetClass`` (and implicit class targets), ``sh:targetNode``,
  ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``;
- paths: a predicate, the ``sh:inversePath`` of one, an ``sh:alternativePath`` of those;
- on each value node: ``sh:class``, ``sh:datatype``, ``sh:nodeKind``, ``sh:in``, ``sh:pattern``
  (flags ``i`` and ``m``), ``sh:minInclusive`` and the other three ranges, ``sh:languageIn``,
  ``sh:or``, ``sh:node``;
- on the value nodes together: ``sh:minCount``, ``sh:maxCount``, ``sh:uniqueLang true``,
  ``sh:qualifiedValueShape`` with ``sh:qualifiedMinCount``/``sh:qualifiedMaxCount`` (not disjoint);
- ``sh:property``; ``sh:sparql`` SELECT constraints of node shapes, with ``sh:prefixes``;
  ``sh:message``, ``sh:severity``, ``sh:deactivated``.

Anything else (``sh:closed``, property pairs, other paths, rules, functions, custom
constraint components, recursive shapes, an ill-formed parameter) raises
``Unsupported``, and the caller validates with pySHACL instead.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node, Variable

from ipkg.build.shacl_check import (
    Run,
    count_test,
    datatype_test,
    instance_test,
    language_test,
    qualified_test,
    range_test,
    unique_lang_test,
)

Path = tuple[tuple[URIRef, bool], ...]
"""A compiled ``sh:path``: its alternatives, each a predicate and whether it is followed backwards."""


class Unsupported(Exception):
    """The shapes use a SHACL feature the compiler does not implement (pySHACL validates instead)."""


ValueTest = Callable[[Node, Run], bool]
CountTest = Callable[[Collection[Node], Run], Iterator[tuple[URIRef, str]]]
"""Given the value nodes of one focus node: (constraint component, generated message) of each result."""


@dataclass(eq=False)
class ValueCheck:
    """A constraint on each value node: one result for each value node the test rejects."""

    component: URIRef
    test: ValueTest
    text: str


@dataclass(eq=False)
class SparqlCheck:
    """An ``sh:SPARQLConstraint`` of a node shape, its query parsed once."""

    node: Node
    query: Query
    messages: tuple[Literal, ...]
    projected: frozenset[Variable]


@dataclass(eq=False)
class Shape:
    """A node shape (no ``path``: the focus node is its own value node) or a property shape."""

    node: Node
    path_node: Node | None = None
    path: Path | None = None
    severity: Node = SH.Violation
    messages: tuple[Literal, ...] = ()
    value_checks: list[ValueCheck] = field(default_factory=list)
    count_checks: list[CountTest] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    sparql: list[SparqlCheck] = field(default_factory=list)
    target_classes: frozenset[Node] = frozenset()
    target_nodes: frozenset[Node] = frozenset()
    target_subjects_of: frozenset[Node] = frozenset()
    target_objects_of: frozenset[Node] = frozenset()


TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
RANGES: dict[Node, tuple[URIRef, Callable[[int, int], bool], str]] = {
    SH.minInclusive: (SH.MinInclusiveConstraintComponent, operator.ge, "at least"),
    SH.minExclusive: (SH.MinExclusiveConstraintComponent, operator.gt, "greater than"),
    SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, operator.le, "at most"),
    SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, operator.lt, "less than"),
}
"""Range parameter → (component, the comparison of value with bound that passes, its words)."""
KINDS: dict[Node, tuple[type, ...]] = {
    SH.IRI: (URIRef,),
    SH.BlankNode: (BNode,),
    SH.Literal: (Literal,),
    SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}
SUPPORTED = frozenset(
    {
        *TARGETS,
        *RANGES,
        *(SH[name] for name in ("class", "in", "or", "node", "property", "sparql", "path", "message", "name")),
        *(SH[name] for name in ("description", "order", "group", "defaultValue", "severity", "deactivated")),
        *(SH[name] for name in ("datatype", "nodeKind", "pattern", "flags", "languageIn", "uniqueLang")),
        *(SH[name] for name in ("minCount", "maxCount", "qualifiedValueShape", "qualifiedMinCount")),
        *(SH[name] for name in ("qualifiedMaxCount", "qualifiedValueShapesDisjoint")),
    }
)
"""SHACL predicates a shape may carry; any other sh: predicate on a shape is ``Unsupported``."""
REFUSED_TYPES = (SH.ConstraintComponent, SH.Function, SH.SPARQLFunction, SH.SPARQLTargetType, SH.JSTargetType)
"""Declarations that change how every shape is read (custom components, functions, target types)."""


def compile_shapes(shapes: Graph) -> list[Shape]:
    """The shapes that have targets, compiled with every shape they refer to.

    Raises:
        Unsupported: the shapes graph uses something outside the list in the module docstring.
    """
    for kind in REFUSED_TYPES:
        if (None, RDF.type, kind) in shapes:
            raise Unsupported(f"the shapes graph declares a {kind}")
    if (None, SH.parameter, None) in shapes:
        raise Unsupported("the shapes graph declares constraint parameters")
    class_types = {RDFS.Class, *shapes.subjects(RDFS.subClassOf, RDFS.Class)}
    roots = {s for p in TARGETS for s in shapes.subjects(p, None)}
    shape_types = {SH.NodeShape, SH.PropertyShape}
    for node in set(shapes.subjects(RDF.type, None)):
        if _types(shapes, node) & class_types and _types(shapes, node) & shape_types:
            roots.add(node)  # an implicit class target (SHACL §2.1.3.3)
    compiler = _Compiler(shapes, class_types)
    return [compiler.shape(node) for node in sorted(roots, key=str)]


def _types(shapes: Graph, node: Node) -> set[Node]:
    return set(shapes.objects(node, RDF.type))


class _Compiler:
    def __init__(self, shapes: Graph, class_types: set[Node]) -> None:
        self.g = shapes
        self.class_types = class_types
        self.done: dict[Node, Shape] = {}
        self.open: set[Node] = set()

    def one(self, node: Node, parameter: Node) -> Node | None:
        values = list(self.g.objects(node, parameter))
        if len(values) > 1:
            raise Unsupported(f"{node} has {len(values)} values of {parameter}")
        return values[0] if values else None

    def count(self, node: Node, parameter: URIRef) -> int | None:
        value = self.one(node, parameter)
        if value is None:
            return None
        number = value.toPython() if isinstance(value, Literal) and value.datatype == XSD.integer else None
        if not isinstance(number, int) or number < 0:
            raise Unsupported(f"{node}: {parameter} is not a non-negative xsd:integer")
        return number

    def flag(self, node: Node, parameter: URIRef) -> bool | None:
        """A boolean parameter's value (None when absent)."""
        value = self.one(node, parameter)
        if value is None:
            return None
        if not isinstance(value, Literal) or not isinstance(value.toPython(), bool):
            raise Unsupported(f"{node}: {parameter} is not a boolean")
        return bool(value.toPython())

    def show(self, term: Node) -> str:
        return self.g.namespace_manager.normalizeUri(term) if isinstance(term, URIRef) else term.n3()

    def shape(self, node: Node) -> Shape:
        """The compiled shape of ``node``, once per node (reached again while it compiles: recursion)."""
        if node in self.done:
            return self.done[node]
        if node in self.open:
            raise Unsupported(f"{node} is recursive")
        unknown = {p for p in self.g.predicates(node, None) if str(p).startswith(str(SH)) and p not in SUPPORTED}
        if unknown:
            raise Unsupported(f"{node} uses {', '.join(sorted(map(str, unknown)))}")
        self.open.add(node)
        shape = Shape(node=node)
        if not self.flag(node, SH.deactivated):
            self.fill(shape)
        self.open.discard(node)
        self.done[node] = shape
        return shape

    def nested(self, node: Node) -> Shape:
        """A shape another one checks value nodes against (there its SPARQL constraints would go unchecked)."""
        if (node, None, None) not in self.g:
            raise Unsupported(f"{node} is referred to as a shape but is not described")
        shape = self.shape(node)
        if shape.sparql:
            raise Unsupported(f"{node}: a shape with sh:sparql used inside another shape")
        return shape

    def fill(self, shape: Shape) -> None:
        node, g = shape.node, self.g
        shape.path_node = self.one(node, SH.path)
        shape.path = None if shape.path_node is None else self.path(shape.path_node)
        shape.severity = self.one(node, SH.severity) or SH.Violation
        shape.messages = tuple(sorted(self.messages(node), key=str))
        implicit = {node} if self.class_types & _types(g, node) else set()
        shape.target_classes = frozenset({*g.objects(node, SH.targetClass), *implicit})
        shape.target_nodes = frozenset(g.objects(node, SH.targetNode))
        shape.target_subjects_of = frozenset(g.objects(node, SH.targetSubjectsOf))
        shape.target_objects_of = frozenset(g.objects(node, SH.targetObjectsOf))
        for parameter, value in sorted(g.predicate_objects(node), key=lambda pair: (str(pair[0]), str(pair[1]))):
            check = self.value_check(shape, parameter, value)
            if check is not None:
                shape.value_checks.append(check)
        shape.count_checks = self.count_checks(shape)
        for value in g.objects(node, SH.property):
            prop = self.shape(value)
            if prop.path is None and not self.flag(value, SH.deactivated):
                raise Unsupported(f"{value}, an sh:property of {node}, has no sh:path")
            shape.properties.append(prop)
        for value in g.objects(node, SH.sparql):
            if shape.path is not None:
                raise Unsupported(f"{node}: sh:sparql on a property shape")
            if not self.flag(value, SH.deactivated):
                shape.sparql.append(self.sparql_check(value))

    def messages(self, node: Node) -> list[Literal]:
        found = list(self.g.objects(node, SH.message))
        messages = [m for m in found if isinstance(m, Literal) and isinstance(m.toPython(), str)]
        if len(messages) != len(found):
            raise Unsupported(f"{node}: an sh:message is not a string")
        return messages

    def path(self, node: Node) -> Path:
        if isinstance(node, URIRef):
            return ((node, False),)
        if len(set(self.g.predicates(node, None))) == 1:
            inverse = self.one(node, SH.inversePath)
            if isinstance(inverse, URIRef):
                return ((inverse, True),)
            items = list(self.g.items(self.one(node, SH.alternativePath) or RDF.nil))
            if len(items) >= 2 and all(isinstance(i, URIRef) or (i, SH.inversePath, None) in self.g for i in items):
                return tuple(step for item in items for step in self.path(item))
        raise Unsupported(f"the path {node} is neither a predicate, an inverse one, nor alternatives of those")

    def value_check(self, shape: Shape, parameter: Node, value: Node) -> ValueCheck | None:
        """The check one parameter value makes of each value node (None: the parameter is no such check)."""
        if parameter in (SH.datatype, SH.nodeKind, SH["in"], SH.languageIn):
            self.one(shape.node, parameter)  # pySHACL refuses a second value of these
        if parameter == SH["class"]:
            return ValueCheck(SH.ClassConstraintComponent, instance_test(value), f"is not an {self.show(value)}")
        if parameter == SH.datatype:
            text = f"is not a well-formed literal of datatype {self.show(value)}"
            return ValueCheck(SH.DatatypeConstraintComponent, datatype_test(value), text)
        if parameter == SH.nodeKind:
            if value not in KINDS:
                raise Unsupported(f"{shape.node}: unknown sh:nodeKind {value}")
            kinds = KINDS[value]
            text = f"is not of node kind {self.show(value)}"
            return ValueCheck(SH.NodeKindConstraintComponent, lambda v, _: isinstance(v, kinds), text)
        if parameter == SH["in"]:
            allowed = frozenset(self.g.items(value))
            text = "is not one of the values sh:in lists"
            return ValueCheck(SH.InConstraintComponent, lambda v, _: v in allowed, text)
        if parameter == SH.pattern:
            text = f"does not match the pattern {value.n3()}"
            return ValueCheck(SH.PatternConstraintComponent, self.pattern(shape.node, value), text)
        if parameter in RANGES:
            component, passes, words = RANGES[parameter]
            if not isinstance(value, Literal):
                raise Unsupported(f"{shape.node}: {parameter} is not a literal")
            return ValueCheck(component, range_test(value, passes), f"is not {words} {value}")
        if parameter == SH.languageIn:
            tags = list(self.g.items(value))
            if not all(isinstance(t, Literal) and isinstance(t.toPython(), str) for t in tags):
                raise Unsupported(f"{shape.node}: sh:languageIn lists a non-string")
            text = f"has no language tag among {', '.join(map(str, tags))}"
            return ValueCheck(SH.LanguageInConstraintComponent, language_test({str(t).lower() for t in tags}), text)
        if parameter == SH["or"]:
            members = [self.nested(m) for m in self.g.items(value)]
            if not members:
                raise Unsupported(f"{shape.node}: an empty sh:or")
            text = "conforms to none of the shapes sh:or lists"
            return ValueCheck(SH.OrConstraintComponent, lambda v, run: any(run.conforms(m, v) for m in members), text)
        if parameter == SH.node:
            target = self.nested(value)
            if target.path is not None:
                raise Unsupported(f"{shape.node}: sh:node names the property shape {value}")
            text = f"does not conform to {self.show(value)}"
            return ValueCheck(SH.NodeConstraintComponent, lambda v, run: run.conforms(target, v), text)
        return None

    def pattern(self, node: Node, value: Node) -> ValueTest:
        flags = self.one(node, SH.flags)
        letters = "" if flags is None else str(flags).lower()
        if not isinstance(value, Literal) or not isinstance(value.toPython(), str) or set(letters) - {"i", "m"}:
            raise Unsupported(f"{node}: an sh:pattern that is not a string, or flags other than i and m")
        try:
            regex = re.compile(str(value), (re.I if "i" in letters else 0) | (re.M if "m" in letters else 0))
        except re.error as error:
            raise Unsupported(f"{node}: sh:pattern {value}: {error}") from error
        return lambda v, _: not isinstance(v, BNode) and regex.search(str(v)) is not None

    def count_checks(self, shape: Shape) -> list[CountTest]:
        node, g = shape.node, self.g
        low, high = self.count(node, SH.minCount), self.count(node, SH.maxCount)
        unique = self.flag(node, SH.uniqueLang)
        qualified = list(g.objects(node, SH.qualifiedValueShape))
        q_low, q_high = self.count(node, SH.qualifiedMinCount), self.count(node, SH.qualifiedMaxCount)
        disjoint = self.flag(node, SH.qualifiedValueShapesDisjoint)
        if (low, high, unique, q_low, q_high, disjoint) == (None,) * 6 and not qualified:
            return []
        if shape.path is None:
            raise Unsupported(f"{node}: cardinality, sh:uniqueLang or a qualified shape on a node shape")
        if unique is False or disjoint:
            raise Unsupported(f"{node}: sh:uniqueLang other than true, or disjoint qualified shapes")
        if bool(qualified) != (q_low is not None or q_high is not None):
            raise Unsupported(f"{node}: a qualified count without a qualified shape, or the reverse")
        checks = [count_test(SH.MinCountConstraintComponent, operator.ge, low, "at least")] if low else []
        if high is not None:
            checks.append(count_test(SH.MaxCountConstraintComponent, operator.le, high, "at most"))
        if unique is not None:
            checks.append(unique_lang_test)
        for value in qualified:
            checks.append(qualified_test(self.nested(value), q_low, q_high, self.show(value)))
        return checks

    def sparql_check(self, node: Node) -> SparqlCheck:
        select = self.one(node, SH.select)
        if not isinstance(select, Literal) or not isinstance(select.toPython(), str):
            raise Unsupported(f"{node}: no sh:select string (only SELECT constraints are compiled)")
        text = str(select)
        if re.search(r"[?$](currentShape|shapesGraph|PATH)\b", text) or not re.search(r"[?$]this\b", text):
            raise Unsupported(f"{node}: the query needs a pre-bound variable other than $this, or has no $this")
        if re.search(r"\b(MINUS|VALUES|SERVICE)\b|\bSELECT\b.*\bSELECT\b|\bAS\s+[?$]this\b", text, re.I | re.S):
            raise Unsupported(f"{node}: MINUS, VALUES, SERVICE, a subquery or AS $this in a SPARQL constraint")
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(self.prefixes(node).items()))
        query = _prepare(prologue + text)
        projected = frozenset(query.algebra.get("PV") or ())
        if Variable("failure") in projected:
            raise Unsupported(f"{node}: the query reports ?failure")
        return SparqlCheck(node, query, tuple(self.messages(node)), projected)

    def prefixes(self, node: Node) -> dict[str, str]:
        """The ``sh:declare``d prefixes of the query, found as pySHACL finds them (SHACL §5.2.1)."""
        g = self.g
        ontologies = set(g.subjects(RDF.type, OWL.Ontology))
        named = set(g.objects(g.identifier, SH.declare))
        shared = named | {d for o in ontologies for d in g.objects(o, SH.declare)}
        found: dict[str, str] = {}
        for holder in g.objects(node, SH.prefixes):
            own = set(g.objects(holder, SH.declare))
            for declaration in own | (named if own and holder in ontologies else shared):
                prefix, namespace = self.one(declaration, SH.prefix), self.one(declaration, SH.namespace)
                if not isinstance(prefix, Literal) or not isinstance(namespace, Literal):
                    raise Unsupported(f"{declaration}: a prefix declaration without sh:prefix and sh:namespace")
                found[str(prefix)] = str(namespace)
        return found


@lru_cache(maxsize=256)
def _prepare(text: str) -> Query:
    """A query parsed once per process (parsing takes tens of milliseconds)."""
    try:
        return prepareQuery(text)
    except Exception as error:  # the parser raises many kinds; each means the query cannot be compiled
        raise Unsupported(f"a SPARQL constraint does not parse: {error}") from error
