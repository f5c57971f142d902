"""Accepting suggested links: pick them (``--accept``, ``--accept-above``) and append them, checked.

Nothing is written unless links are accepted (``--accept LOCAL=QID`` or
``--accept-above SCORE``); they are then appended to
``data/links/suggested.ttl`` with a claim node citing the file, after the
project validates and reasons with them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, XSD

from ipkg.build.load import Sources, load_sources
from ipkg.config import Settings
from ipkg.errors import IpkgError
from ipkg.link.suggest import Suggestion
from ipkg.namespaces import GRAPH_LINKS, IPKG, IPKGO, bind_prefixes
from ipkg.wikidata import file_source, qid, qname

SUGGESTED_FILE = Path("links") / "suggested.ttl"
"""Where accepted links go, relative to the data folder."""

SUGGESTED_HEADER = """\
# ipkg links accepted from 'ipkg link suggest': each owl:sameAs below was proposed by comparing
# labels, types and countries with a Wikidata-style file, and accepted by a person. The claim node
# of each link cites that file and gives the score and its reasons.
"""


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


def accepted_links(
    settings: Settings, path: Path, chosen: Sequence[Suggestion], sources: Sources | None = None
) -> Graph:
    """What accepting ``chosen`` adds to the links graph: each ``owl:sameAs``, a claim citing the file, the file.

    ``ipkg link suggest --server`` sends exactly these triples to a running server (Graph Store POST).
    """
    sources = sources or load_sources(settings)
    source = file_source(path, path.read_bytes())
    taken = {s for g in (sources.facts, sources.links) for s in g.subjects()}
    links = Graph()
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
    return links


def accept(settings: Settings, path: Path, chosen: Sequence[Suggestion]) -> Path:
    """Append the chosen links to ``data/links/suggested.ttl``, after the project builds with them.

    Raises:
        ValidationFailed / InconsistentData: the links would break the project (nothing is written).
    """
    from ipkg.build import build_with
    from ipkg.build.load import parse_text
    from ipkg.export import format_turtle, serialize_graph

    target = settings.data_dir / SUGGESTED_FILE
    existing = target.read_text(encoding="utf-8") if target.exists() else ""
    links = parse_text(existing, "turtle", source=target) if existing else Graph()
    sources = load_sources(settings)
    for triple in accepted_links(settings, path, chosen, sources):
        links.add(triple)
    merged = Graph()
    for triple in (*sources.links, *links):
        merged.add(triple)
    build_with(settings, {GRAPH_LINKS: merged})
    header = ""
    for line in existing.splitlines():  # keep the file's leading comment block
        if not line.startswith("#"):
            break
        header += line + "\n"
    body = serialize_graph(bind_prefixes(links), "turtle").decode("utf-8")
    text = format_turtle((header or SUGGESTED_HEADER) + body, source=target)
    from ipkg.files import write_atomic

    write_atomic(target, text.encode("utf-8"))
    return target
