"""Links between local resources and Wikidata items: ``ipkg link suggest`` and ``ipkg link conflicts``.

**suggest** proposes Wikidata items (from a Wikidata-style file) for local
resources that have no ``owl:sameAs`` to a ``wd:`` item yet: the resources of
ipkg's namespace typed ipkgo:Agent or ipkgo:Place, or any other with an
English label (provenance and n-ary nodes excepted). The score, in [0, 1],
adds up what agrees:

* names, compared normalised (case-folded, diacritics and punctuation
  removed, the word "the" dropped): the English labels are the same (0.6); a
  label of one is an alias of the other (0.5); or their words overlap, at
  least half of them (0.4 × the share of common words);
* types: the item's P31, mapped through the alignment (Q3624078 → ipkgo:State,
  Q5 → ipkgo:Person), is a class of the local resource (+0.25); a class
  disjoint with the local resource's (a person for a state) rules the
  candidate out;
* country: the local ``ipkgo:country`` is linked to the item's P17 (+0.15), or
  to another item (−0.2).

Nothing is written unless links are accepted (``--accept LOCAL=QID`` or
``--accept-above SCORE``); they are then appended to
``data/links/suggested.ttl`` with a claim node citing the file, after the
project validates and reasons with them.

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
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from ipkg.config import Settings
from ipkg.errors import IpkgError
from ipkg.load import Sources, load_sources
from ipkg.namespaces import (
    GRAPH_EXTERNAL,
    GRAPH_FACTS,
    GRAPH_LINKS,
    IPKG,
    IPKGO,
    SRC,
    bind_prefixes,
)
from ipkg.reconciliation import normalize as plain_name
from ipkg.wikidata import Model, WikidataGraph, file_source, qid, qname, read_file, read_wikidata

SUGGESTED_FILE = Path("links") / "suggested.ttl"
"""Where accepted links go, relative to the data folder."""

SUGGESTED_HEADER = """\
# ipkg links accepted from 'ipkg link suggest': each owl:sameAs below was proposed by comparing
# labels, types and countries with a Wikidata-style file, and accepted by a person. The claim node
# of each link cites that file and gives the score and its reasons.
"""

NOT_LINKABLE = (IPKGO.Claim, IPKGO.Source, IPKGO.Sentence, IPKGO.Membership, IPKGO.Tenure, IPKGO.RankingObservation)
"""Classes whose instances are never proposed for a link (provenance and n-ary nodes)."""

FORMATS = ("table", "tsv", "json")


# ----------------------------------------------------------------------------------------------
# Names
# ----------------------------------------------------------------------------------------------


def normalize(name: str) -> str:
    """Compare-ready form of a name (reconciliation's normal form), without "the"."""
    return " ".join(w for w in plain_name(name).split() if w != "the")


def _english(graphs: Iterable[Graph], term: Node, prop: URIRef) -> list[str]:
    """The English (or untagged) values of ``prop`` for ``term``, sorted."""
    return sorted(
        {str(v) for g in graphs for v in g.objects(term, prop) if isinstance(v, Literal) and v.language in (None, "en")}
    )


# ----------------------------------------------------------------------------------------------
# suggest
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A candidate item for a local resource, or a rejected one (``rejected`` gives why)."""

    local: URIRef
    local_label: str
    item: URIRef
    item_label: str
    score: float
    reasons: tuple[str, ...]
    rejected: str = ""

    @property
    def qid(self) -> str:
        return qid(self.item) or str(self.item)

    def row(self) -> dict[str, object]:
        return {
            "local": qname(self.local),
            "localLabel": self.local_label,
            "item": self.qid,
            "itemLabel": self.item_label,
            "score": self.score,
            "reasons": list(self.reasons),
            "status": "rejected" if self.rejected else "candidate",
            **({"rejectedBecause": self.rejected} if self.rejected else {}),
        }


@dataclass
class LocalResource:
    iri: URIRef
    label: str
    names: list[str]
    classes: frozenset[URIRef]
    countries: set[URIRef]
    """The Wikidata items the local ipkgo:country values are linked to."""


def local_resources(sources: Sources, model: Model) -> list[LocalResource]:
    """The local resources that could be linked and are not yet (no owl:sameAs to a wd: item)."""
    graphs = [sources.facts, sources.links]
    linked = {s for g in graphs for s, o in g.subject_objects(OWL.sameAs) if qid(o)}
    linked |= {o for g in graphs for s, o in g.subject_objects(OWL.sameAs) if qid(s)}
    to_wikidata: dict[Node, set[URIRef]] = defaultdict(set)
    for g in graphs:
        for s, o in g.subject_objects(OWL.sameAs):
            if qid(o):
                to_wikidata[s].add(o)  # type: ignore[arg-type]
            if qid(s):
                to_wikidata[o].add(s)  # type: ignore[arg-type]
    subjects = {s for g in graphs for s in g.subjects() if isinstance(s, URIRef)}
    out = []
    for iri in sorted(subjects):
        if not str(iri).startswith(str(IPKG)) or str(iri).startswith(str(SRC)) or iri in linked:
            continue
        classes = model.closure(c for g in graphs for c in g.objects(iri, RDF.type) if isinstance(c, URIRef))
        if classes & set(NOT_LINKABLE):
            continue
        labels = _english(graphs, iri, RDFS.label)
        if not labels:
            continue  # nothing to match on (Agents and Places without a label included)
        aliases = _english(graphs, iri, SKOS.altLabel)
        countries = {w for g in graphs for c in g.objects(iri, IPKGO.country) for w in to_wikidata.get(c, ())}
        out.append(LocalResource(iri, labels[0], [*labels, *aliases], classes, countries))
    return out


@dataclass
class CandidateItem:
    iri: URIRef
    label: str
    names: list[str]
    classes: set[URIRef]
    countries: set[URIRef]


def candidate_items(data: WikidataGraph, model: Model) -> list[CandidateItem]:
    """The items of a Wikidata-style file with their English names, aligned types and countries."""
    out = []
    for iri, item in sorted(data.items.items()):
        names = sorted({str(a) for a in item.aliases if a.language in (None, "en")})
        label = item.english
        if label is None and not names:
            continue
        classes: set[URIRef] = set()
        for statement in data.best(iri, "P31")[0]:
            cls = model.classes.get(statement.value) if isinstance(statement.value, URIRef) else None
            if cls is not None:
                classes.add(cls)
        countries = {s.value for s in data.best(iri, "P17")[0] if isinstance(s.value, URIRef)}
        out.append(CandidateItem(iri, label or names[0], ([label] if label else []) + names, classes, countries))
    return out


def score(local: LocalResource, item: CandidateItem, model: Model) -> Suggestion | None:
    """Score one pair; None if the names do not match at all."""
    reasons = []
    local_norm = {normalize(n) for n in local.names} - {""}
    item_norm = {normalize(n) for n in item.names} - {""}
    if normalize(local.label) and normalize(local.label) == normalize(item.label):
        total = 0.6
        reasons.append(f"same English label {item.label!r}")
    elif local_norm & item_norm:
        total = 0.5
        shared = sorted(local_norm & item_norm)[0]
        reasons.append(f"a label of one is a name of the other ({shared!r})")
    else:
        best = 0.0
        for a in local_norm:
            for b in item_norm:
                wa, wb = set(a.split()), set(b.split())
                if wa and wb:
                    best = max(best, len(wa & wb) / len(wa | wb))
        if best < 0.5:
            return None
        total = round(0.4 * best, 2)
        reasons.append(f"similar names ({best:.0%} of words shared)")
    clash = model.clash(local.classes, item.classes)
    if clash:
        return Suggestion(
            local.iri,
            local.label,
            item.iri,
            item.label,
            0.0,
            tuple(reasons),
            rejected=f"type clash: the local resource is an {qname(clash[0])}, the item (by its P31) an "
            f"{qname(clash[1])}, and these are disjoint",
        )
    common = sorted(c for c in item.classes if c in local.classes)
    if common:
        total += 0.25
        reasons.append(f"both {', '.join(qname(c) for c in common)}")
    if local.countries and item.countries:
        if local.countries & item.countries:
            total += 0.15
            reasons.append(f"same country ({', '.join(qname(c) for c in sorted(local.countries & item.countries))})")
        else:
            total -= 0.2
            reasons.append(
                f"different country (local {', '.join(qname(c) for c in sorted(local.countries))}, "
                f"item {', '.join(qname(c) for c in sorted(item.countries))})"
            )
    return Suggestion(local.iri, local.label, item.iri, item.label, round(min(1.0, max(0.0, total)), 2), tuple(reasons))


def suggest(settings: Settings, path: Path) -> list[Suggestion]:
    """Every candidate (best first) and every rejected pair (last) for the unlinked local resources."""
    sources = load_sources(settings)
    model = Model.from_ontology(sources.ontology)
    graph, _ = read_file(path)
    return suggestions(sources, model, read_wikidata(graph))


def suggestions(sources: Sources, model: Model, data: WikidataGraph) -> list[Suggestion]:
    """Score every unlinked local resource against every item of ``data``."""
    items = candidate_items(data, model)
    out = []
    for local in local_resources(sources, model):
        for item in items:
            found = score(local, item, model)
            if found is not None:
                out.append(found)
    return sorted(out, key=lambda s: (bool(s.rejected), -s.score, str(s.local), int(s.qid[1:]) if qid(s.item) else 0))


def format_suggestions(rows: Sequence[Suggestion], fmt: str) -> str:
    """Suggestions as a table, TSV or JSON."""
    if fmt == "json":
        return json.dumps([s.row() for s in rows], indent=2, ensure_ascii=False) + "\n"
    header = ["score", "local", "label", "item", "item label", "reasons"]
    table = [
        [
            "rejected" if s.rejected else f"{s.score:.2f}",
            qname(s.local),
            s.local_label,
            s.qid,
            s.item_label,
            "; ".join([*s.reasons, *([s.rejected] if s.rejected else [])]),
        ]
        for s in rows
    ]
    if fmt == "tsv":
        return "\n".join("\t".join(_tsv(c) for c in line) for line in [header, *table]) + "\n"
    if not table:
        return "no candidates: every local resource is linked, or no name matches\n"
    return (
        render_table(header, table)
        + f"\n({len([s for s in rows if not s.rejected])} candidate(s), "
        + (f"{len([s for s in rows if s.rejected])} rejected)\n")
    )


def _tsv(cell: str) -> str:
    return cell.replace("\t", " ").replace("\n", " ")


def render_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain text table with aligned columns."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def parse_pair(text: str) -> tuple[str, str]:
    """``LOCAL=QID`` → (local, QID); LOCAL may be ``ipkg:name``, ``name`` or an IRI, QID ``Q1`` or ``wd:Q1``."""
    local, sep, item = text.partition("=")
    if not sep or not local.strip() or not item.strip():
        raise IpkgError(f"--accept {text!r}: write LOCAL=QID, e.g. ipkg:belarus=Q184")
    item = item.strip()
    if item.startswith("wd:"):
        item = item[3:]
    elif qid(URIRef(item)):
        item = qid(URIRef(item)) or item
    if not re.fullmatch(r"Q[1-9][0-9]*", item):
        raise IpkgError(f"--accept {text!r}: {item!r} is not a QID (Q followed by digits)")
    return local.strip(), item


def local_iri(text: str) -> URIRef:
    """``ipkg:belarus``, ``belarus`` or the full IRI → the IRI."""
    if text.startswith("ipkg:"):
        return IPKG[text[5:]]
    if text.startswith(("http://", "https://")):
        return URIRef(text)
    return IPKG[text]


def choose(
    rows: Sequence[Suggestion], pairs: Sequence[str] = (), above: float | None = None
) -> tuple[list[Suggestion], list[str]]:
    """The suggestions to accept (explicit pairs, then the clear best above a score) and notes on the rest.

    Raises:
        IpkgError: an explicit pair is not a candidate (not proposed, or rejected).
    """
    chosen: dict[URIRef, Suggestion] = {}
    notes = []
    for text in pairs:
        local_text, item_qid = parse_pair(text)
        local = local_iri(local_text)
        match = [s for s in rows if s.local == local and s.qid == item_qid]
        if not match:
            raise IpkgError(
                f"--accept {text}: {qname(local)} = {item_qid} is not a candidate (see 'ipkg link suggest')"
            )
        if match[0].rejected:
            raise IpkgError(f"--accept {text}: rejected, {match[0].rejected}")
        chosen[local] = match[0]
    if above is not None:
        by_local: dict[URIRef, list[Suggestion]] = defaultdict(list)
        for s in rows:
            if not s.rejected:
                by_local[s.local].append(s)
        for local, options in sorted(by_local.items()):
            if local in chosen:
                continue
            options.sort(key=lambda s: -s.score)
            best = options[0]
            if best.score < above:
                continue
            if len(options) > 1 and options[1].score == best.score:
                notes.append(f"{qname(local)}: not accepted, {best.qid} and {options[1].qid} score the same")
                continue
            chosen[local] = best
    by_item: dict[str, list[Suggestion]] = defaultdict(list)
    for s in chosen.values():
        by_item[s.qid].append(s)
    for item_qid, locals_ in by_item.items():
        if len(locals_) > 1:
            names = ", ".join(qname(s.local) for s in locals_)
            raise IpkgError(f"{item_qid} would be linked to several local resources ({names}); accept one")
    return sorted(chosen.values(), key=lambda s: str(s.local)), notes


def accept(settings: Settings, path: Path, chosen: Sequence[Suggestion]) -> Path:
    """Append the chosen links to ``data/links/suggested.ttl``, after the project builds with them.

    Raises:
        ValidationFailed / InconsistentData: the links would break the project (nothing is written).
    """
    from ipkg.build import assemble
    from ipkg.export import format_turtle, serialize_graph
    from ipkg.load import parse_text

    target = settings.data_dir / SUGGESTED_FILE
    existing = target.read_text(encoding="utf-8") if target.exists() else ""
    links = parse_text(existing, "turtle", source=target) if existing else Graph()
    sources = load_sources(settings)
    source = file_source(path, path.read_bytes())
    taken = {s for g in (sources.facts, sources.links) for s in g.subjects()}
    for triple in source.triples():
        links.add(triple)
    for s in chosen:
        name = str(s.local)[len(str(IPKG)) :].replace("/", "-") if str(s.local).startswith(str(IPKG)) else s.qid
        claim = IPKG[f"link-{name}-wikidata"]
        if claim in taken:
            claim = IPKG[f"link-{name}-wikidata-suggested"]
        links.add((s.local, OWL.sameAs, s.item))
        links.add((claim, RDF.type, IPKGO.Claim))
        links.add((claim, RDFS.label, Literal(f"{s.local_label} is Wikidata item {s.qid}", lang="en")))
        links.add(
            (
                claim,
                RDFS.comment,
                Literal(f"Accepted from 'ipkg link suggest', score {s.score:.2f}: {'; '.join(s.reasons)}.", lang="en"),
            )
        )
        links.add((claim, PROV.wasDerivedFrom, source.iri))
        links.add((claim, IPKGO.claimProperty, OWL.sameAs))
        links.add((claim, IPKGO.claimSubject, s.local))
        links.add((claim, IPKGO.claimValue, Literal(str(s.item), datatype=XSD.anyURI)))
        links.add((claim, IPKGO.confidence, Literal("M" if s.score >= 0.8 else "L")))
    asserted = dict(sources.asserted_graphs())
    merged = Graph()
    for triple in (*sources.links, *links):
        merged.add(triple)
    asserted[GRAPH_LINKS] = merged
    assemble(sources.ontology, sources.shapes, asserted, progress=lambda _: None)
    header = ""
    for line in existing.splitlines():  # keep the file's leading comment block
        if not line.startswith("#"):
            break
        header += line + "\n"
    body = serialize_graph(bind_prefixes(links), "turtle").decode("utf-8")
    text = format_turtle((header or SUGGESTED_HEADER) + body, source=target)
    from ipkg.wikidata import write_atomic

    write_atomic(target, text.encode("utf-8"))
    return target


# ----------------------------------------------------------------------------------------------
# conflicts
# ----------------------------------------------------------------------------------------------


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
        return "\n".join("\t".join(_tsv(cell) for cell in line) for line in [header, *table]) + "\n"
    if not table:
        return "no conflicts between local facts and imported graphs\n"
    count = len([c for c in rows if c.is_conflict])
    return render_table(header, table) + f"\n({count} conflict(s))\n"
