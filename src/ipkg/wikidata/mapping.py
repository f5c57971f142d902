"""Statements of a Wikidata-style graph → triples and nodes in ipkg's model (nothing is written).

``Mapper`` applies the rules of the package docstring: the types from P31,
the names, the direct values, an n-ary node or an ``ipkgo:Claim`` per counted
statement with its references as Sources, and the model-fit checks; what it
cannot map is skipped and noted in the ``ImportReport``.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ipkg.errors import InconsistentData
from ipkg.namespaces import IPKG, IPKGO, PR, SRC, WD, WDT, bind_prefixes, external_graph
from ipkg.wikidata.context import FileSource
from ipkg.wikidata.model import Model, NaryPattern, Unmappable, qid, qname
from ipkg.wikidata.read import Item, Snak, Statement, WikidataGraph, item_order
from ipkg.wikidata.report import ImportReport
from ipkg.wikidata.values import DATE_DATATYPES, NUMERIC_DATATYPES, is_unknown, quantity_of, time_of


class Mapper:
    """Maps one Wikidata-style graph into a new graph in ipkg's model."""

    def __init__(
        self,
        data: WikidataGraph,
        model: Model,
        *,
        name: str,
        source: FileSource,
        local: dict[URIRef, dict[URIRef, set[URIRef]]],
        file: str = "",
    ) -> None:
        self.data = data
        self.model = model
        self.name = name
        self.source = source
        self.local = local
        self.out = bind_prefixes(Graph())
        self.report = ImportReport(name=name, file=file or source.label, graph=external_graph(name))
        self.known: dict[URIRef, set[URIRef]] = defaultdict(set)
        """Item → the ipkgo classes known for it (P31 through the alignment, and linked local resources)."""

    def run(self) -> tuple[Graph, ImportReport]:
        """Map everything; raise InconsistentData if an item's type clashes with what it is linked to."""
        for pid, prop in self.model.properties.items():
            self.report.property_labels[pid] = self.model.label(prop)
        self.report.property_labels["P31"] = "instance of"
        for wd, resources in self.local.items():
            for classes in resources.values():
                self.known[wd] |= classes
        self._types()
        self._check_links()
        for item in sorted(self.data.items.values(), key=lambda i: item_order(i.iri)):
            self._item(item)
        for item_iri, pid in self.data.pairs():
            if pid == "P31":
                continue
            if pid not in self.model.properties:
                counted, _, _ = self.data.best(item_iri, pid)
                self.report.not_aligned[pid] += len(counted)
                continue
            self._property(item_iri, pid)
        self._stray_truthy()
        self.report.items = len(self.data.items)
        self.report.triples = len(self.out)
        return self.out, self.report

    # --- items and types ---------------------------------------------------------------------

    def _types(self) -> None:
        for item_iri, pid in self.data.pairs():
            if pid != "P31":
                continue
            counted, outranked, deprecated = self.data.best(item_iri, pid)
            count = self.report.count("P31")
            count.outranked += len(outranked)
            count.deprecated += len(deprecated)
            item = self.data.items.get(item_iri)
            for statement in counted:
                cls = self.model.classes.get(statement.value) if isinstance(statement.value, URIRef) else None
                if is_unknown(statement.value):
                    count.skipped += 1
                    self.report.notes.append(f"{qname(item_iri)} P31: no value or unknown value, skipped")
                elif cls is not None and item is not None and item.english:
                    self.out.add((item_iri, RDF.type, cls))
                    self.known[item_iri].add(cls)
                    self.report.types[qname(cls)] += 1
                    count.mapped += 1
                else:
                    if cls is not None:
                        self.report.notes.append(
                            f"{qname(item_iri)} P31 {qname(statement.value)}: not typed {qname(cls)} "  # type: ignore[arg-type]
                            "because the item has no English label (the shapes require one); kept as wdt:P31"
                        )
                    self.out.add((item_iri, WDT.P31, statement.value))  # type: ignore[arg-type]
                    count.mapped += 1

    def _check_links(self) -> None:
        problems = []
        for item_iri, resources in sorted(self.local.items()):
            ours = {c for c in self.out.objects(item_iri, RDF.type) if isinstance(c, URIRef)}
            for resource, classes in sorted(resources.items()):
                clash = self.model.clash(ours, classes)
                if clash:
                    problems.append(
                        f"{qname(item_iri)} is typed {', '.join(qname(c) for c in sorted(ours))} by its P31 in "
                        f"the file, but it is linked by owl:sameAs to {qname(resource)}, a "
                        f"{', '.join(qname(c) for c in sorted(classes))}; {qname(clash[0])} and "
                        f"{qname(clash[1])} are disjoint"
                    )
        if problems:
            raise InconsistentData(problems)

    def _item(self, item: Item) -> None:
        iri = item.iri
        for label in item.labels.values():
            self.out.add((iri, RDFS.label, label))
        for alias in item.aliases:
            self.out.add((iri, SKOS.altLabel, alias))
        self.out.add((iri, PROV.wasDerivedFrom, self.source.iri))
        self._add_file_source()

    def _add_file_source(self) -> None:
        for triple in self.source.triples():
            self.out.add(triple)

    # --- statements --------------------------------------------------------------------------

    def _property(self, item_iri: URIRef, pid: str) -> None:
        prop = self.model.properties[pid]
        counted, outranked, deprecated = self.data.best(item_iri, pid)
        count = self.report.count(pid)
        count.outranked += len(outranked)
        count.deprecated += len(deprecated)
        for statement in counted:
            try:
                self._statement(statement, prop)
            except Unmappable as exc:
                count.skipped += 1
                where = statement.node and qname(statement.node) or f"wdt:{pid} of {qname(item_iri)}"
                self.report.notes.append(f"{where} ({qname(item_iri)} {pid}): skipped: {exc}")
            else:
                count.mapped += 1

    def _statement(self, statement: Statement, prop: URIRef) -> None:
        item_iri, value = statement.item, statement.value
        if value is None:
            raise Unmappable("no value")
        if is_unknown(value):
            raise Unmappable("unknown value")
        mapped = self._value(prop, value, statement.value_node)
        self._check_domain(prop, item_iri)
        if self.model.is_object_property(prop):
            self._check_range(prop, mapped)
        qualifiers = self._qualifiers(statement)
        sources = self._references(statement)
        node = statement.node or IPKG[f"import/{self.name}/{qid(item_iri)}-{statement.pid}-{_digest(str(value))}"]
        self.out.add((item_iri, prop, mapped))
        pattern = self.model.nary.get(prop)
        if pattern is not None and qualifiers and self._can_type_roles(pattern, item_iri, mapped):
            self._nary(node, pattern, statement, mapped, qualifiers)
        else:
            if qualifiers:
                dropped = ", ".join(sorted({q for q, _, _ in qualifiers}))
                self.report.notes.append(
                    f"{qname(node)} ({qname(item_iri)} {statement.pid}): qualifiers {dropped} not kept "
                    "(no n-ary node for this property)"
                )
            self._claim(node, prop, statement, mapped)
        for source in sources:
            self.out.add((node, PROV.wasDerivedFrom, source))

    def _value(self, prop: URIRef, value: Node, value_node: Node | None) -> Node:
        if self.model.is_object_property(prop):
            if not qid(value):
                raise Unmappable(f"{qname(value)} is not a Wikidata item")
            return value
        if isinstance(value, Literal):
            if value.datatype == XSD.dateTime or value.datatype in DATE_DATATYPES:
                return time_of(self.data.graph, value, value_node)
            if value.datatype in NUMERIC_DATATYPES:
                return quantity_of(self.data.graph, value, value_node, self.model.ranges(prop))
            if value.datatype in (None, XSD.string):
                return value
        raise Unmappable(f"{qname(value)} is not a value {qname(prop)} can take")

    def _check_domain(self, prop: URIRef, item_iri: URIRef) -> None:
        known = self.model.closure(self.known.get(item_iri, ()))
        for domain in self.model.domains(prop):
            if domain not in known:
                what = (
                    f"{qname(item_iri)} is a {', '.join(qname(c) for c in sorted(self.known[item_iri]))}"
                    if self.known.get(item_iri)
                    else f"{qname(item_iri)} is not known to be one (no aligned P31, no owl:sameAs link)"
                )
                raise Unmappable(f"{qname(prop)} applies to {qname(domain)}; {what}")

    def _check_range(self, prop: URIRef, value: Node) -> None:
        classes = self.known.get(value)  # type: ignore[call-overload]
        if not classes:
            return
        known = self.model.closure(classes)
        for cls in self.model.ranges(prop):
            if cls not in known:
                raise Unmappable(
                    f"the values of {qname(prop)} are {qname(cls)}s; {qname(value)} is a "
                    f"{', '.join(qname(c) for c in sorted(classes))}"
                )

    def _qualifiers(self, statement: Statement) -> list[tuple[str, URIRef, Node]]:
        """The aligned qualifiers, mapped: (pid, ipkgo property, value); others are reported."""
        out = []
        by_pid: dict[str, list[Snak]] = defaultdict(list)
        for snak in statement.qualifiers:
            by_pid[snak.pid].append(snak)
        where = f"{qname(statement.node) if statement.node else 'statement'} ({qname(statement.item)} {statement.pid})"
        for qpid, snaks in sorted(by_pid.items()):
            prop = self.model.properties.get(qpid)
            if prop is None:
                self.report.notes.append(f"{where}: qualifier {qpid} is not in the alignment, not kept")
                continue
            if len(snaks) > 1:
                self.report.notes.append(f"{where}: qualifier {qpid} has {len(snaks)} values, none kept")
                continue
            snak = snaks[0]
            try:
                if is_unknown(snak.value):
                    raise Unmappable("unknown value")
                value = self._value(prop, snak.value, snak.value_node)
            except Unmappable as exc:
                self.report.notes.append(f"{where}: qualifier {qpid} not kept: {exc}")
                continue
            out.append((qpid, prop, value))
        return out

    def _can_type_roles(self, pattern: NaryPattern, item_iri: URIRef, value: Node) -> bool:
        """Make sure the n-ary node's member and organization are typed as its shapes require."""
        needs = []
        for term, role in ((item_iri, pattern.subject_role), (value, pattern.value_role)):
            for cls in self.model.ranges(role):
                asserted = {c for c in self.out.objects(term, RDF.type) if isinstance(c, URIRef)}
                if cls not in self.model.closure(asserted):
                    needs.append((term, cls))
        for term, cls in needs:
            item = self.data.items.get(term)  # type: ignore[call-overload]
            if item is None or not item.english:
                self.report.notes.append(
                    f"{qname(term)} has no English label in the file, so it cannot be typed {qname(cls)}: "
                    f"its {qname(pattern.node_class)} is kept as an ipkgo:Claim"
                )
                return False
        for term, cls in needs:
            if self.model.clash({cls}, self.known.get(term, set())):  # type: ignore[call-overload]
                return False
        for term, cls in needs:
            self.out.add((term, RDF.type, cls))
            self.known[term].add(cls)  # type: ignore[index]
        return True

    def _nary(
        self,
        node: URIRef,
        pattern: NaryPattern,
        statement: Statement,
        value: Node,
        qualifiers: list[tuple[str, URIRef, Node]],
    ) -> None:
        self.out.add((node, RDF.type, pattern.node_class))
        self.out.add((node, pattern.subject_role, statement.item))
        self.out.add((node, pattern.value_role, value))
        for _, prop, qvalue in qualifiers:
            self.out.add((node, prop, qvalue))
        details = ", ".join(f"{self.model.label(p)} {_show(v)}" for _, p, v in qualifiers)
        label = (
            f"{self.data.label(statement.item)} {self.model.label(pattern.prop)} {self.data.label(value)}"
            f" ({details}; imported statement {_local(node)})"
        )
        self.out.add((node, RDFS.label, Literal(label, lang="en")))
        self.report.nodes[qname(pattern.node_class)] += 1

    def _claim(self, node: URIRef, prop: URIRef, statement: Statement, value: Node) -> None:
        claim_value = Literal(str(value), datatype=XSD.anyURI) if isinstance(value, URIRef) else value
        self.out.add((node, RDF.type, IPKGO.Claim))
        self.out.add((node, IPKGO.claimSubject, statement.item))
        self.out.add((node, IPKGO.claimProperty, prop))
        self.out.add((node, IPKGO.claimValue, claim_value))
        shown = self.data.label(value) if isinstance(value, URIRef) else _show(value)
        label = (
            f"{self.data.label(statement.item)}: {self.model.label(prop)} {shown} (imported statement {_local(node)})"
        )
        self.out.add((node, RDFS.label, Literal(label, lang="en")))
        self.report.nodes["ipkgo:Claim"] += 1

    def _references(self, statement: Statement) -> list[URIRef]:
        """The Sources of a statement's references; the file's Source if none has a URL or stated-in."""
        graph = self.data.graph
        sources = []
        for ref in statement.references:
            urls = sorted(str(u) for u in graph.objects(ref, PR.P854))
            stated_in = sorted(graph.objects(ref, PR.P248), key=str)
            if not urls and stated_in:
                urls = [str(stated_in[0])]
            for url in urls:
                iri = SRC["ref-" + _digest(url, 16)]
                if url.startswith(str(WD)) and qid(URIRef(url)):
                    label = f"Stated in {self.data.label(URIRef(url))} (reference of an imported statement)"
                else:
                    label = f"{url} (reference URL of an imported statement)"
                self.out.add((iri, RDF.type, IPKGO.Source))
                self.out.add((iri, RDFS.label, Literal(label, lang="en")))
                self.out.add((iri, IPKGO.url, Literal(url, datatype=XSD.anyURI)))
                self.out.add((iri, IPKGO.confidence, Literal("M")))
                for cited in stated_in:
                    if str(cited) != url:
                        self.out.add(
                            (
                                iri,
                                RDFS.comment,
                                Literal(f"Stated in {self.data.label(cited)} ({qname(cited)}).", lang="en"),
                            )
                        )
                sources.append(iri)
        return sorted(set(sources)) or [self.source.iri]

    def _stray_truthy(self) -> None:
        """Report ``wdt:`` triples that no counted statement backs (e.g. one for a deprecated statement)."""
        for (item_iri, pid), values in sorted(
            self.data.truthy.items(), key=lambda kv: (item_order(kv[0][0]), kv[0][1])
        ):
            statements = self.data.statements.get((item_iri, pid))
            if not statements:
                continue
            counted, outranked, deprecated = self.data.best(item_iri, pid)
            for value in values:
                if any(_same(s.value, value) for s in counted):
                    continue
                why = (
                    "its statement is deprecated"
                    if any(_same(s.value, value) for s in deprecated)
                    else "its statement is not of the best rank"
                    if any(_same(s.value, value) for s in outranked)
                    else "no statement in the file backs it"
                )
                self.report.notes.append(f"wdt:{pid} {_show(value)} on {qname(item_iri)} ignored: {why}")


def _same(a: Node | None, b: Node) -> bool:
    return a is not None and str(a) == str(b) and type(a) is type(b)


def _show(value: Node) -> str:
    if isinstance(value, Literal) and value.datatype == XSD.dateTime:
        return '"' + re.sub(r"\+00:00$", "Z", str(value)) + '"'
    return str(value) if isinstance(value, Literal) else qname(value)


def _local(node: URIRef) -> str:
    return str(node).rsplit("/", 1)[-1]


def _digest(text: str, size: int = 10) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:size]
