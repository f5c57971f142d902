"""``ipkg link suggest``: score Wikidata items of a file as links for unlinked local resources.

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

Accepting the chosen suggestions is ``ipkg.link.accept``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from ipkg.build.load import Sources, load_sources
from ipkg.config import Settings
from ipkg.link.table import render_table, tsv_cell
from ipkg.namespaces import IPKG, IPKGO, SRC
from ipkg.reconcile import normalize as plain_name
from ipkg.wikidata import Model, WikidataGraph, qid, qname, read_file, read_wikidata

NOT_LINKABLE = (IPKGO.Claim, IPKGO.Source, IPKGO.Sentence, IPKGO.Membership, IPKGO.Tenure, IPKGO.RankingObservation)
"""Classes whose instances are never proposed for a link (provenance and n-ary nodes)."""


def normalize(name: str) -> str:
    """Compare-ready form of a name (reconciliation's normal form), without "the"."""
    return " ".join(w for w in plain_name(name).split() if w != "the")


def _english(graphs: Iterable[Graph], term: Node, prop: URIRef) -> list[str]:
    """The English (or untagged) values of ``prop`` for ``term``, sorted."""
    return sorted(
        {str(v) for g in graphs for v in g.objects(term, prop) if isinstance(v, Literal) and v.language in (None, "en")}
    )


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
        return "\n".join("\t".join(tsv_cell(c) for c in line) for line in [header, *table]) + "\n"
    if not table:
        return "no candidates: every local resource is linked, or no name matches\n"
    return (
        render_table(header, table)
        + f"\n({len([s for s in rows if not s.rejected])} candidate(s), "
        + (f"{len([s for s in rows if s.rejected])} rejected)\n")
    )
