"""``ipkg link conflicts``: where local facts and imported graphs disagree on an entity.

**conflicts** compares, after reasoning, the values that local facts and
imported graphs give for the same entity (the same IRI or ``owl:sameAs``) and
an aligned property. Dates are compared at the coarser of their precisions:
"2019-10" and "2019-10-05" agree at month precision and are not a conflict.
Literal values and single-valued object properties (functional, or limited
to one value by a shape) conflict when they differ; other object properties
(member of, participant …) take several values, so they conflict only when
the two sides have no value in common. The n-ary nodes of the two sides
(memberships, tenures) are matched by their two ends, and their dates compared.
"""

from __future__ import annotations

import builtins
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SH, XSD
from rdflib.term import Node

from ipkg.config import Settings
from ipkg.link.table import render_table, tsv_cell
from ipkg.namespaces import GRAPH_EXTERNAL, GRAPH_FACTS, IPKG, IPKGO
from ipkg.wikidata import Model, qname


@dataclass(frozen=True)
class Source:
    """A source as shown in a report: its IRI and, where it has one, the URL it can be read at."""

    iri: str
    url: str | None

    def show(self) -> str:
        minted = self.iri.startswith(("src:ref-", "src:file-"))
        return self.url if minted and self.url else self.iri


@dataclass(frozen=True)
class Comparison:
    """Two values for one entity and property: one from local facts, one from an imported graph."""

    entity: str
    entity_label: str
    property: str
    wikidata_property: str
    local_value: str
    local_sources: tuple[Source, ...]
    imported_value: str
    imported_sources: tuple[Source, ...]
    graph: str
    status: str
    local_via: tuple[str, ...] = ()
    """The nodes the local sources are read from: claims, an n-ary node, or the entity itself."""
    imported_via: tuple[str, ...] = ()
    """The same for the imported side (statement nodes, or the item)."""
    """``conflict``, ``no value in common`` (conflicts); ``same``, ``agree at … precision``, ``other value``."""

    @builtins.property  # the field "property" shadows the builtin in this class
    def is_conflict(self) -> bool:
        return self.status in ("conflict", "no value in common")

    def row(self) -> dict[str, object]:
        data = asdict(self)
        data["local_sources"] = [asdict(s) for s in self.local_sources]
        data["imported_sources"] = [asdict(s) for s in self.imported_sources]
        return {_camel(k): v for k, v in data.items()}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


DATE_ORDER = {XSD.gYear: 1, XSD.gYearMonth: 2, XSD.date: 3}
PRECISION_NAMES = {1: "year", 2: "month", 3: "day"}


def compare_values(local: Literal, imported: Literal) -> str:
    """``same``, ``agree at <unit> precision`` (dates agreeing on their shared prefix), or ``conflict``."""
    if local.datatype in DATE_ORDER and imported.datatype in DATE_ORDER:
        a, b = _date_parts(local), _date_parts(imported)
        common = min(len(a), len(b))
        if a[:common] != b[:common]:
            return "conflict"
        if len(a) == len(b):
            return "same"
        return f"agree at {PRECISION_NAMES[common]} precision"
    if local.eq(imported) or (str(local) == str(imported) and local.datatype == imported.datatype):
        return "same"
    try:
        if local.toPython() == imported.toPython() and not isinstance(local.toPython(), str):
            return "same"
    except Exception:  # noqa: BLE001, S110 - values that do not convert are compared as written
        pass
    return "conflict"


def _date_parts(value: Literal) -> tuple[str, ...]:
    text = re.sub(r"(Z|[+-][0-9]{2}:[0-9]{2})$", "", str(value))
    sign = "-" if text.startswith("-") else ""
    parts = text.lstrip("-").split("-")
    return (sign + parts[0], *parts[1:])


class SameAs:
    """owl:sameAs classes, each represented by one IRI (a local ipkg IRI where there is one)."""

    def __init__(self, graphs: Iterable[Graph]) -> None:
        self.parent: dict[Node, Node] = {}
        for graph in graphs:
            for a, b in graph.subject_objects(OWL.sameAs):
                self._union(a, b)
        groups: dict[Node, set[Node]] = defaultdict(set)
        for term in list(self.parent):
            groups[self._find(term)].add(term)
        self.members: dict[Node, frozenset[Node]] = {}
        self.canonical: dict[Node, Node] = {}
        for group in groups.values():
            rep = sorted(group, key=lambda t: (not str(t).startswith(str(IPKG)), str(t)))[0]
            for term in group:
                self.canonical[term] = rep
                self.members[term] = frozenset(group)

    def _find(self, term: Node) -> Node:
        self.parent.setdefault(term, term)
        while self.parent[term] != term:
            self.parent[term] = self.parent[self.parent[term]]
            term = self.parent[term]
        return term

    def _union(self, a: Node, b: Node) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self.parent[ra] = rb

    def rep(self, term: Node) -> Node:
        return self.canonical.get(term, term)

    def group(self, term: Node) -> frozenset[Node]:
        return self.members.get(term, frozenset({term}))


def single_valued(model: Model, shapes: Graph) -> set[URIRef]:
    """Properties that take one value: owl:FunctionalProperty, or sh:maxCount 1 in some shape."""
    out = {p for p in model.ontology.subjects(RDF.type, OWL.FunctionalProperty) if isinstance(p, URIRef)}
    for shape in shapes.subjects(SH.maxCount, Literal(1)):
        path = shapes.value(shape, SH.path)
        if isinstance(path, URIRef):
            out.add(path)
    return out


def conflicts(dataset: Dataset, model: Model, shapes: Graph, *, include_agreements: bool = False) -> list[Comparison]:
    """Compare local facts with every imported graph of a built dataset (see the module docstring)."""
    graphs = {str(g.identifier): g for g in dataset.graphs() if len(g)}
    facts = graphs.get(str(GRAPH_FACTS), Graph())
    imported = {k[len(GRAPH_EXTERNAL) :]: g for k, g in sorted(graphs.items()) if k.startswith(GRAPH_EXTERNAL)}
    same = SameAs(graphs.values())
    aligned = sorted(set(model.properties.values()))
    single = single_valued(model, shapes)
    union = Graph()
    for graph in graphs.values():
        for triple in graph:
            union.add(triple)
    describer = _Describer(union, same, model)
    out: list[Comparison] = []
    for name, other in imported.items():
        for prop in aligned:
            out.extend(_compare_property(prop, facts, other, name, same, model, single, describer))
        for pattern in model.nary.values():
            out.extend(_compare_nary(pattern, facts, other, name, same, model, describer))
    rows = [c for c in out if include_agreements or c.is_conflict]
    return sorted(set(rows), key=lambda c: (c.entity, c.property, c.local_value, c.imported_value, c.graph))


def _values(graph: Graph, prop: URIRef, same: SameAs) -> dict[Node, list[tuple[Node, Node]]]:
    """Canonical entity → [(asserting subject, value)] for ``prop`` in ``graph``."""
    out: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for s, o in graph.subject_objects(prop):
        out[same.rep(s)].append((s, o))
    return out


def _compare_property(
    prop: URIRef,
    facts: Graph,
    other: Graph,
    name: str,
    same: SameAs,
    model: Model,
    single: set[URIRef],
    describer: _Describer,
) -> Iterable[Comparison]:
    local = _values(facts, prop, same)
    theirs = _values(other, prop, same)
    is_object = model.is_object_property(prop)
    for entity in sorted(set(local) & set(theirs), key=str):
        mine, other_values = local[entity], theirs[entity]
        multi = is_object and prop not in single
        shared = {same.rep(v) for _, v in mine} & {same.rep(v) for _, v in other_values}
        for subject, value in mine:
            for their_subject, their_value in other_values:
                if is_object:
                    if same.rep(value) == same.rep(their_value):
                        status = "same"
                    elif multi:
                        status = "other value" if shared else "no value in common"
                    else:
                        status = "conflict"
                elif isinstance(value, Literal) and isinstance(their_value, Literal):
                    status = compare_values(value, their_value)
                else:
                    status = "conflict"
                local_sources, local_via = describer.sources(facts, subject, prop, value)
                their_sources, their_via = describer.sources(other, their_subject, prop, their_value)
                yield Comparison(
                    entity=qname(entity),
                    entity_label=describer.label(entity),
                    property=qname(prop),
                    wikidata_property=model.pid(prop) or "",
                    local_value=describer.value(value),
                    local_sources=local_sources,
                    imported_value=describer.value(their_value),
                    imported_sources=their_sources,
                    graph=name,
                    status=status,
                    local_via=local_via,
                    imported_via=their_via,
                )


def _compare_nary(
    pattern: object,
    facts: Graph,
    other: Graph,
    name: str,
    same: SameAs,
    model: Model,
    describer: _Describer,
) -> Iterable[Comparison]:
    from ipkg.wikidata import NaryPattern

    assert isinstance(pattern, NaryPattern)

    def nodes(graph: Graph) -> dict[tuple[Node, Node], list[Node]]:
        out: dict[tuple[Node, Node], list[Node]] = defaultdict(list)
        for node in graph.subjects(RDF.type, pattern.node_class):
            member = graph.value(node, pattern.subject_role)
            value = graph.value(node, pattern.value_role)
            if member is not None and value is not None:
                out[(same.rep(member), same.rep(value))].append(node)
        return out

    mine, theirs = nodes(facts), nodes(other)
    qualifiers = [p for p in sorted(set(model.properties.values())) if not model.is_object_property(p)]
    for key in sorted(set(mine) & set(theirs), key=str):
        entity, value = key
        for local_node in mine[key]:
            for their_node in theirs[key]:
                for prop in qualifiers:
                    for a in facts.objects(local_node, prop):
                        for b in other.objects(their_node, prop):
                            if not (isinstance(a, Literal) and isinstance(b, Literal)):
                                continue
                            yield Comparison(
                                entity=qname(entity),
                                entity_label=describer.label(entity),
                                property=f"{qname(pattern.prop)} {qname(value)} › {qname(prop)}",
                                wikidata_property=f"{model.pid(pattern.prop) or ''}/{model.pid(prop) or ''}",
                                local_value=describer.value(a),
                                local_sources=describer.node_sources(facts, local_node),
                                imported_value=describer.value(b),
                                imported_sources=describer.node_sources(other, their_node),
                                graph=name,
                                status=compare_values(a, b),
                                local_via=(qname(local_node),),
                                imported_via=(qname(their_node),),
                            )


class _Describer:
    """Labels, values and sources, as the report shows them."""

    def __init__(self, union: Graph, same: SameAs, model: Model) -> None:
        self.union = union
        self.same = same
        self.model = model

    def label(self, term: Node) -> str:
        for member in sorted(self.same.group(term), key=str):
            for label in self.union.objects(member, RDFS.label):
                if isinstance(label, Literal) and label.language == "en":
                    return str(label)
        return qname(term)

    def value(self, term: Node) -> str:
        if isinstance(term, Literal):
            return str(term)
        return qname(self.same.rep(term))

    def _source(self, term: Node) -> Source:
        source = self.union.value(term, IPKGO.inSource) if (term, RDF.type, IPKGO.Sentence) in self.union else term
        url = self.union.value(source, IPKGO.url) if source is not None else None
        return Source(qname(term), None if url is None else str(url))

    def node_sources(self, graph: Graph, node: Node) -> tuple[Source, ...]:
        return tuple(sorted({self._source(s) for s in graph.objects(node, PROV.wasDerivedFrom)}, key=lambda s: s.iri))

    def sources(
        self, graph: Graph, subject: Node, prop: URIRef, value: Node
    ) -> tuple[tuple[Source, ...], tuple[str, ...]]:
        """The sources of one value, and the nodes they are read from.

        The claim nodes (ipkgo:Claim, or an imported statement) stating this value if there are
        any, else the subject's own provenance.
        """
        group = self.same.group(subject)
        values = {str(v) for v in self.same.group(value)} if isinstance(value, URIRef) else None
        found: set[Source] = set()
        via: set[str] = set()
        for claim in graph.subjects(IPKGO.claimProperty, prop):
            if graph.value(claim, IPKGO.claimSubject) not in group:
                continue
            for claimed in graph.objects(claim, IPKGO.claimValue):
                match = (
                    str(claimed) in values
                    if values is not None
                    else isinstance(claimed, Literal)
                    and isinstance(value, Literal)
                    and compare_values(claimed, value) == "same"
                )
                if match:
                    found.update(self.node_sources(graph, claim))
                    via.add(qname(claim))
        if not found:
            found.update(self.node_sources(graph, subject))
            via = {qname(subject)}
        return tuple(sorted(found, key=lambda s: s.iri)), tuple(sorted(via))


def conflict_report(settings: Settings, *, include_agreements: bool = False) -> list[Comparison]:
    """Build the project (with reasoning) and compare local facts with the imported graphs."""
    from ipkg.build import build

    kg = build(settings, progress=lambda _: None)
    return conflicts(kg.dataset, Model.from_ontology(kg.ontology), kg.shapes, include_agreements=include_agreements)


def format_conflicts(rows: Sequence[Comparison], fmt: str) -> str:
    """Comparisons as a table, TSV or JSON."""
    if fmt == "json":
        return json.dumps([c.row() for c in rows], indent=2, ensure_ascii=False) + "\n"
    header = [
        "entity",
        "property",
        "local value",
        "local sources",
        "imported value",
        "imported sources",
        "graph",
        "status",
    ]
    table = [
        [
            c.entity,
            c.property + (f" ({c.wikidata_property})" if c.wikidata_property else ""),
            c.local_value,
            ", ".join(s.show() for s in c.local_sources),
            c.imported_value,
            ", ".join(s.show() for s in c.imported_sources),
            c.graph,
            c.status,
        ]
        for c in rows
    ]
    if fmt == "tsv":
        return "\n".join("\t".join(tsv_cell(cell) for cell in line) for line in [header, *table]) + "\n"
    if not table:
        return "no conflicts between local facts and imported graphs\n"
    count = len([c for c in rows if c.is_conflict])
    return render_table(header, table) + f"\n({count} conflict(s))\n"
