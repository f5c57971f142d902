"""Reading the Wikidata dump format: items, names, statements with ranks, qualifiers and references.

Parsing only collects what the file says (nothing is mapped here), and
``WikidataGraph.best`` applies the truthy rule of the package docstring: which
statements of an item and property count, which are outranked or deprecated.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from ipkg.build.load import parse_text
from ipkg.errors import LoadError
from ipkg.namespaces import PQV, PS, PSV, WIKIBASE
from ipkg.wikidata.model import DIRECT_RE, ITEM_RE, qid, qname

SCHEMA_NAMES = (URIRef("http://schema.org/name"), URIRef("https://schema.org/name"))
"""Wikibase writes ``schema:name`` with the http scheme; accept both."""

PROP_RE = re.compile(r"^http://www\.wikidata\.org/prop/(P[1-9][0-9]*)$")
QUALIFIER_RE = re.compile(r"^http://www\.wikidata\.org/prop/qualifier/(P[1-9][0-9]*)$")

WIKIDATA_SUFFIXES = {".ttl": "turtle", ".nt": "nt"}
"""The formats ``ipkg import wikidata`` reads, by file suffix."""

RANKS = {
    WIKIBASE.PreferredRank: "preferred",
    WIKIBASE.NormalRank: "normal",
    WIKIBASE.DeprecatedRank: "deprecated",
}


@dataclass(frozen=True)
class Snak:
    """A property-value pair of a qualifier, with its full value node if there is one."""

    pid: str
    value: Node
    value_node: Node | None


@dataclass
class Statement:
    """One statement of an item (or a truthy-only ``wdt:`` triple, with ``node`` None)."""

    node: URIRef | None
    item: URIRef
    pid: str
    value: Node | None
    value_node: Node | None
    rank: str
    qualifiers: list[Snak] = field(default_factory=list)
    references: list[Node] = field(default_factory=list)


@dataclass
class Item:
    """An item's names: one label per language, and the other names."""

    iri: URIRef
    labels: dict[str, Literal] = field(default_factory=dict)
    aliases: set[Literal] = field(default_factory=set)

    @property
    def english(self) -> str | None:
        label = self.labels.get("en")
        return None if label is None else str(label)


@dataclass
class WikidataGraph:
    """A parsed Wikidata-style graph: items, statements by item and property, truthy triples."""

    graph: Graph
    items: dict[URIRef, Item]
    statements: dict[tuple[URIRef, str], list[Statement]]
    truthy: dict[tuple[URIRef, str], list[Node]]

    def best(self, item: URIRef, pid: str) -> tuple[list[Statement], list[Statement], list[Statement]]:
        """The statements that count by the truthy rule, those outranked, and the deprecated ones.

        With no full statement for (item, pid), the ``wdt:`` values count on their own.
        """
        statements = self.statements.get((item, pid))
        if not statements:
            values = self.truthy.get((item, pid), [])
            return [Statement(None, item, pid, v, None, "truthy") for v in values], [], []
        deprecated = [s for s in statements if s.rank == "deprecated"]
        live = [s for s in statements if s.rank != "deprecated"]
        preferred = [s for s in live if s.rank == "preferred"]
        counted = preferred or live
        outranked = [s for s in live if s not in counted]
        return counted, outranked, deprecated

    def pairs(self) -> list[tuple[URIRef, str]]:
        """Every (item, property) with a statement or a truthy triple, sorted."""
        keys = set(self.statements) | set(self.truthy)
        return sorted(keys, key=lambda k: (item_order(k[0]), int(k[1][1:])))

    def label(self, term: Node) -> str:
        """An item's English label, or its QID; other terms as written."""
        item = self.items.get(term) if isinstance(term, URIRef) else None
        if item is not None and item.english:
            return item.english
        return qid(term) or qname(term)


def item_order(term: Node) -> tuple[int, str]:
    q = qid(term)
    return (int(q[1:]), "") if q else (0, str(term))


def read_wikidata(graph: Graph) -> WikidataGraph:
    """Collect the items, statements and truthy triples of a Wikidata-style graph."""
    items: dict[URIRef, Item] = {}
    statements: dict[tuple[URIRef, str], list[Statement]] = defaultdict(list)
    truthy: dict[tuple[URIRef, str], list[Node]] = defaultdict(list)

    def item(iri: URIRef) -> Item:
        return items.setdefault(iri, Item(iri))

    names: dict[URIRef, list[tuple[int, Literal]]] = defaultdict(list)
    for s, p, o in graph:
        if not isinstance(s, URIRef) or not ITEM_RE.match(str(s)):
            continue
        if p in (RDFS.label, SKOS.prefLabel, *SCHEMA_NAMES) and isinstance(o, Literal):
            priority = 0 if p == RDFS.label else 1 if p == SKOS.prefLabel else 2
            names[s].append((priority, o))
            item(s)
        elif p == SKOS.altLabel and isinstance(o, Literal):
            item(s).aliases.add(o)
        elif match := DIRECT_RE.match(str(p)):
            truthy[(s, match.group(1))].append(o)
            item(s)
        elif (match := PROP_RE.match(str(p))) and isinstance(o, URIRef | BNode):
            statements[(s, match.group(1))].append(_statement(graph, o, s, match.group(1)))  # type: ignore[arg-type]
            item(s)
        elif p == RDF.type:
            item(s)
    for iri, found in names.items():
        chosen: dict[str, Literal] = {}
        for _, label in sorted(found, key=lambda pair: (pair[0], str(pair[1]))):
            if not label.language:
                items[iri].aliases.add(label)
            elif label.language not in chosen:
                chosen[label.language] = label
            elif str(label) != str(chosen[label.language]):
                items[iri].aliases.add(label)
        items[iri].labels = chosen
        items[iri].aliases -= set(chosen.values())
    for key in statements:
        statements[key].sort(key=lambda st: str(st.node))
    for key in truthy:
        truthy[key].sort(key=str)
    return WikidataGraph(graph, items, dict(statements), dict(truthy))


def _statement(graph: Graph, node: URIRef, item: URIRef, pid: str) -> Statement:
    rank_node = graph.value(node, WIKIBASE.rank)
    rank = RANKS.get(rank_node, "normal") if isinstance(rank_node, URIRef) else "normal"
    qualifiers: list[Snak] = []
    by_pid: dict[str, list[Node]] = defaultdict(list)
    for p, o in graph.predicate_objects(node):
        if match := QUALIFIER_RE.match(str(p)):
            by_pid[match.group(1)].append(o)
    for qpid, values in sorted(by_pid.items()):
        value_nodes = list(graph.objects(node, PQV[qpid]))
        for value in sorted(values, key=str):
            qualifiers.append(Snak(qpid, value, _value_node_for(graph, value, value_nodes)))
    return Statement(
        node=node if isinstance(node, URIRef) else None,
        item=item,
        pid=pid,
        value=graph.value(node, PS[pid]),
        value_node=graph.value(node, PSV[pid]),
        rank=rank,
        qualifiers=qualifiers,
        references=sorted(graph.objects(node, PROV.wasDerivedFrom), key=str),
    )


def _value_node_for(graph: Graph, value: Node, candidates: list[Node]) -> Node | None:
    """The full value node of a simple value, among a statement's value nodes of one property."""
    if len(candidates) == 1:
        return candidates[0]
    for candidate in candidates:
        for p in (WIKIBASE.timeValue, WIKIBASE.quantityAmount):
            if str(graph.value(candidate, p)) == str(value):
                return candidate
    return None


def read_file(path: Path) -> tuple[Graph, bytes]:
    """Parse a Wikidata-style file (Turtle or N-Triples, by suffix).

    Raises:
        LoadError: unknown suffix, unreadable file, or a syntax error (with line and column).
    """
    fmt = WIKIDATA_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise LoadError(
            path, f"unknown format {path.suffix!r}: a Wikidata-style file is .ttl (Turtle) or .nt (N-Triples)"
        )
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(path, f"cannot read: {exc}") from exc
    return parse_text(text, fmt, source=path), data
