"""Compiled shapes (``shacl_compile``) run over a data graph: focus nodes, value nodes, results, the report graph.

The work is arranged so that nothing is looked up twice: the subclasses of a
class and the types of a node once per validation; when every node is validated,
each predicate a path reads is indexed in one pass over its triples, and otherwise
the values of a path are looked up once per focus node (several shapes read
``rdfs:label`` or the dates of one node).

A SPARQL constraint is evaluated once per shape, not once per focus node: its
pattern is joined lazily with ``VALUES $this { …focus nodes… }``, so each focus
node is bound before the pattern runs, exactly as pySHACL binds it for one query
per node, without the cost of one query per node. (Evaluating the query once with
``$this`` free and keeping the rows whose ``?this`` is a focus node gives the same
rows but is slower: rdflib then scans the whole graph for a pattern such as
``$this ?path ?value`` and evaluates every FILTER EXISTS on each triple.)

The value tests here (datatype, ranges, language tags, counts) follow pySHACL's
reading of each constraint component, so that the two engines agree result for result.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.plugins.sparql import evaluate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import QueryContext
from rdflib.term import Node, Variable

if TYPE_CHECKING:
    from ipkg.build.shacl_compile import CountTest, Path, Shape, SparqlCheck, ValueTest

THIS = Variable("this")
PYTHON_TYPES: dict[Node, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}
"""The Python value a literal of these datatypes has when well-typed (for the others only ``ill_typed`` tells)."""


class Violation(NamedTuple):
    """One validation result, with what the SHACL report graph says of it."""

    focus: Node
    path: Node | None
    value: Node | None
    shape: Node
    component: URIRef
    severity: Node
    messages: tuple[Literal, ...]
    constraint: Node | None = None


def check(shapes: list[Shape], graph: Graph, focus: Iterable[Node] | None = None) -> list[Violation]:
    """Every result of ``shapes`` on ``graph``; with ``focus``, only at those IRIs the shapes target."""
    run = Run(graph, whole=focus is None)
    if focus is None:
        targets = {shape: run.targets(shape) for shape in shapes}
    else:
        wanted = {node for node in focus if isinstance(node, URIRef)}  # pySHACL's focus_nodes are IRIs
        targets = {shape: {node for node in wanted if run.is_target(shape, node)} for shape in shapes}
    shapes_of: dict[Node, list[Shape]] = defaultdict(list)
    for shape in shapes:
        for node in targets[shape]:
            shapes_of[node].append(shape)
    found: list[Violation] = []
    for node, node_shapes in shapes_of.items():
        run.forget_values()
        for shape in node_shapes:
            found.extend(run.results(shape, node))
    for shape in shapes:
        for sparql in shape.sparql:
            found.extend(run.sparql(shape, sparql, targets[shape]))
    return found


class Run:
    """One validation of one graph, remembering what it looked up."""

    def __init__(self, graph: Graph, *, whole: bool = False) -> None:
        """Look values up node by node, or (``whole``: every node is validated) index each predicate read.

        Indexing a predicate is one pass over its triples; one lookup per node and
        predicate costs several times more when every node is visited anyway.
        """
        self.graph = graph
        self.whole = whole
        self._index: dict[tuple[Node, bool], dict[Node, tuple[Node, ...]]] = {}
        self._values: dict[tuple[Node, Path], Collection[Node]] = {}
        self._types: dict[Node, frozenset[Node]] = {}
        self._subclasses: dict[Node, frozenset[Node]] = {}

    def forget_values(self) -> None:
        """Drop the remembered path values (kept per focus node, so memory stays bounded)."""
        self._values.clear()

    def values(self, focus: Node, path: Path) -> Collection[Node]:
        """The value nodes of ``path`` at ``focus``, each once."""
        if self.whole:
            if len(path) == 1:
                return self._indexed(*path[0]).get(focus, ())
            return frozenset(value for step in path for value in self._indexed(*step).get(focus, ()))
        key = (focus, path)
        found = self._values.get(key)
        if found is None:
            g = self.graph
            found = frozenset(
                value for p, back in path for value in (g.subjects(p, focus) if back else g.objects(focus, p))
            )
            self._values[key] = found
        return found

    def _indexed(self, predicate: Node, back: bool) -> dict[Node, tuple[Node, ...]]:
        index = self._index.get((predicate, back))
        if index is None:
            grouped: dict[Node, list[Node]] = defaultdict(list)
            for s, o in self.graph.subject_objects(predicate):
                grouped[o if back else s].append(s if back else o)
            index = self._index[(predicate, back)] = {node: tuple(values) for node, values in grouped.items()}
        return index

    def types(self, node: Node) -> frozenset[Node]:
        found = self._types.get(node)
        if found is None:
            found = self._types[node] = frozenset(self.values(node, ((RDF.type, False),)))
        return found

    def subclasses(self, cls: Node) -> frozenset[Node]:
        """``cls`` and its subclasses (``rdfs:subClassOf*``, from the ontology mixed into the data)."""
        found = self._subclasses.get(cls)
        if found is None:
            found = frozenset(n for n in self.graph.transitive_subjects(RDFS.subClassOf, cls) if n is not None)
            self._subclasses[cls] = found
        return found

    def instance_of(self, node: Node, cls: Node) -> bool:
        """Whether ``node`` is a SHACL instance of ``cls`` (SHACL §1.5: ``rdf:type/rdfs:subClassOf*``)."""
        return not self.types(node).isdisjoint(self.subclasses(cls))

    def targets(self, shape: Shape) -> set[Node]:
        """The focus nodes of ``shape`` in the whole graph (SHACL §2.1.3)."""
        g = self.graph
        found = set(shape.target_nodes)
        for cls in shape.target_classes:
            for sub in self.subclasses(cls):
                found.update(g.subjects(RDF.type, sub))
        for p in shape.target_subjects_of:
            found.update(s for s, _ in g.subject_objects(p))
        for p in shape.target_objects_of:
            found.update(o for _, o in g.subject_objects(p))
        return found

    def is_target(self, shape: Shape, node: Node) -> bool:
        """Whether ``node`` is a focus node of ``shape``, found from the node rather than from the targets."""
        g = self.graph
        return (
            node in shape.target_nodes
            or any(self.instance_of(node, cls) for cls in shape.target_classes)
            or any((node, p, None) in g for p in shape.target_subjects_of)
            or any((None, p, node) in g for p in shape.target_objects_of)
        )

    def conforms(self, shape: Shape, node: Node) -> bool:
        """Whether ``node`` conforms to ``shape`` (stops at the first result)."""
        return next(self.results(shape, node), None) is None

    def results(self, shape: Shape, focus: Node) -> Iterator[Violation]:
        """The results of ``shape`` at ``focus``, its property shapes' included (not its SPARQL constraints')."""
        values = (focus,) if shape.path is None else self.values(focus, shape.path)
        for value_check in shape.value_checks:
            for value in values:
                if not value_check.test(value, self):
                    yield _violation(shape, focus, value, value_check.component, f"value {value_check.text}")
        for count_check in shape.count_checks:
            for component, text in count_check(values, self):
                yield _violation(shape, focus, None, component, text)
        for prop in shape.properties:
            for value in values:
                yield from self.results(prop, value)

    def sparql(self, shape: Shape, sparql: SparqlCheck, nodes: set[Node]) -> list[Violation]:
        """The results of a SPARQL constraint of ``shape`` at ``nodes`` (SHACL §5.3), in one evaluation."""
        if not nodes:
            return []
        seed = CompValue("ToMultiSet", p=CompValue("values", res=[{THIS: node} for node in nodes]))
        context = QueryContext(self.graph)
        context.prologue = sparql.query.prologue
        rows: dict[Node, list[dict[str, Node]]] = defaultdict(list)
        for row in evaluate.evalPart(context, CompValue("Join", p1=seed, p2=sparql.query.algebra.p, lazy=True)):
            rows[row[THIS]].append({str(k): v for k, v in row.items() if k in sparql.projected})
        return [v for node in nodes for v in _sparql_results(shape, sparql, node, rows.get(node, ()))]


def _violation(shape: Shape, focus: Node, value: Node | None, component: URIRef, text: str) -> Violation:
    messages = shape.messages or (Literal(text),)
    return Violation(focus, shape.path_node, value, shape.node, component, shape.severity, messages)


def _sparql_results(
    shape: Shape, sparql: SparqlCheck, node: Node, rows: Iterable[Mapping[str, Node]]
) -> Iterator[Violation]:
    """One result per distinct row, as pySHACL makes them: ?this, ?path, ?value name it, the rest fill the message."""
    seen = set()
    for row in rows:
        bound = dict(row)
        this, path, value = bound.pop("this", None), bound.pop("path", None), bound.pop("value", None)
        key = (this, path, value, frozenset(bound.items()))
        if this is None and path is None and value is None or key in seen:
            continue
        seen.add(key)
        value = node if value is None else value
        names = {**bound, "this": this, "path": path, "value": value}
        texts = dict.fromkeys(_fill(str(m), names) for m in (*sparql.messages, *shape.messages))
        messages = tuple(Literal(t) for t in texts) or (Literal(f"violates the SPARQL constraint {sparql.node}"),)
        yield Violation(
            this or node, path, value, shape.node, SH.SPARQLConstraintComponent, shape.severity, messages, sparql.node
        )


def _fill(message: str, names: Mapping[str, Node | None]) -> str:
    """``{?name}`` and ``{$name}`` in a message replaced by the row's values (SHACL §5.3.2)."""
    for name, term in names.items():
        if term is not None:
            message = message.replace(f"{{?{name}}}", str(term)).replace(f"{{${name}}}", str(term))
    return message


# --------------------------------------------------------------------------- value tests


def instance_test(cls: Node) -> ValueTest:
    """``sh:class``: a literal is no instance; any other node by its types and their superclasses."""
    return lambda v, run: not isinstance(v, Literal) and run.instance_of(v, cls)


def datatype_test(datatype: Node) -> ValueTest:
    """``sh:datatype``: a literal of that datatype that is well-typed (plain strings count as xsd:string)."""
    expected = PYTHON_TYPES.get(datatype)

    def test(v: Node, _: Run) -> bool:
        if not isinstance(v, Literal):
            return False
        if v.datatype == datatype:
            return v.ill_typed is not True and (expected is None or isinstance(v.value, expected))
        if datatype == RDFS.Literal or (datatype == RDFS.Datatype and v.datatype):
            return True
        if datatype == XSD.string and v.datatype is None and v.language is None:
            return isinstance(v.value, (str, bytes))
        return datatype == RDF.langString and bool(v.language) and isinstance(v.value, (str, bytes))

    return test


def range_test(bound: Literal, passes: Callable[[int, int], bool]) -> ValueTest:
    """``sh:minInclusive`` and the like: a literal comparable with the bound, on the right side of it."""
    bound_is_string = isinstance(bound.value, str)

    def test(v: Node, _: Run) -> bool:
        if not isinstance(v, Literal) or isinstance(v.value, str) != bound_is_string:
            return False
        try:
            if v.eq(bound):
                return passes(0, 0)
            if isinstance(v.value, datetime | time):  # by value: rdflib orders these totally, SPARQL does not
                return passes(0 if v.value == bound.value else 1 if v.value > bound.value else -1, 0)
            return passes(1 if v > bound else -1, 0)
        except (TypeError, NotImplementedError):
            return False

    return test


def language_test(tags: set[str]) -> ValueTest:
    """``sh:languageIn``: a language-tagged literal whose tag, or its primary subtag, is listed."""

    def test(v: Node, _: Run) -> bool:
        if not isinstance(v, Literal) or not v.language:
            return False
        tag = v.language.lower()
        return "*" in tags or tag in tags or tag.split("-")[0] in tags

    return test


def _plural(n: int) -> str:
    return f"{n} value" if n == 1 else f"{n} values"


def count_test(component: URIRef, passes: Callable[[int, int], bool], limit: int, words: str) -> CountTest:
    """``sh:minCount`` / ``sh:maxCount``: one result when the number of value nodes is out of bounds."""

    def test(values: Collection[Node], _: Run) -> Iterator[tuple[URIRef, str]]:
        if not passes(len(values), limit):
            yield component, f"expects {words} {_plural(limit)}, found {len(values)}"

    return test


def unique_lang_test(values: Collection[Node], _: Run) -> Iterator[tuple[URIRef, str]]:
    """``sh:uniqueLang true``: one result per language tag (case-insensitive) that two value nodes share."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for v in values:
        if isinstance(v, Literal) and v.language:
            tag = v.language.lower()
            (repeated if tag in seen else seen).add(tag)
    for tag in sorted(repeated):
        yield SH.UniqueLangConstraintComponent, f"expects one value per language, found several in {tag!r}"


def qualified_test(target: Shape, low: int | None, high: int | None, name: str) -> CountTest:
    """``sh:qualifiedValueShape``: bounds on how many value nodes conform to ``target``."""

    def test(values: Collection[Node], run: Run) -> Iterator[tuple[URIRef, str]]:
        n = sum(1 for v in values if run.conforms(target, v))
        if high is not None and n > high:
            yield SH.QualifiedMaxCountConstraintComponent, f"expects at most {_plural(high)} of {name}, found {n}"
        if low is not None and n < low:
            yield SH.QualifiedMinCountConstraintComponent, f"expects at least {_plural(low)} of {name}, found {n}"

    return test


# --------------------------------------------------------------------------- graphs


def report_graph(found: list[Violation], data: Graph, shapes: Graph) -> Graph:
    """The SHACL validation report (SHACL §3.6) of ``found``; blank nodes it names are copied with what they hold."""
    report = Graph()
    for prefix, namespace in shapes.namespaces():
        report.bind(prefix, namespace)
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, Literal(not found)))
    for v in found:
        result = BNode()
        report.add((root, SH.result, result))
        report.add((result, RDF.type, SH.ValidationResult))
        fields: list[tuple[URIRef, Node | None, Graph]] = [
            (SH.focusNode, v.focus, data),
            (SH.value, v.value, data),
            (SH.resultPath, v.path, shapes),
            (SH.sourceShape, v.shape, shapes),
            (SH.sourceConstraint, v.constraint, shapes),
            (SH.sourceConstraintComponent, v.component, shapes),
            (SH.resultSeverity, v.severity, shapes),
        ]
        for predicate, term, source in fields:
            if term is not None:
                report.add((result, predicate, term))
                _copy(source, term, report)
        for message in v.messages:
            report.add((result, SH.resultMessage, message))
    return report


def _copy(source: Graph, node: Node, target: Graph, depth: int = 0) -> None:
    """What ``source`` says of a blank node, and of the blank nodes it leads to (a path, a list), to some depth."""
    if isinstance(node, BNode) and depth < 10:
        for p, o in source.predicate_objects(node):
            target.add((node, p, o))
            _copy(source, o, target, depth + 1)
