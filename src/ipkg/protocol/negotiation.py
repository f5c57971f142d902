"""Content negotiation (RFC 9110 §12.5.1) for SPARQL results and RDF graphs. No Flask here.

A ``format=`` parameter (also ``output=`` and ``results=``, which SPARQLWrapper
sends alongside) overrides ``Accept``, for browsers and scripts. Its value is a
short name (``json``, ``turtle`` …) or a media type. Several values are
tolerated (SPARQLWrapper sends ``format=tsv&format=text/tab-separated-values``):
the first one that fits the result wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ipkg.errors import BadFormatParameter, NotAcceptable


@dataclass(frozen=True)
class Choice:
    """The representation to send: its media type and ipkg's serializer name."""

    media_type: str
    serializer: str

    @property
    def content_type(self) -> str:
        """Media type with a charset where the type is textual."""
        return f"{self.media_type}; charset=utf-8"


RESULT_TYPES: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
"""SELECT/ASK media types, preferred first (the first is the default)."""

GRAPH_TYPES: dict[str, str] = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "xml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
    "application/x-turtle": "turtle",
    "text/n3": "turtle",
    "text/plain": "ntriples",
    "application/json": "jsonld",
    "application/xml": "xml",
    "text/xml": "xml",
}
"""CONSTRUCT/DESCRIBE and graph media types, preferred first (the first is the default)."""

ALIASES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "srx": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "n3": "text/n3",
    "ntriples": "application/n-triples",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
    "trig": "application/trig",
    "nquads": "application/n-quads",
    "nq": "application/n-quads",
}
"""Short names accepted by ``format=``."""

GRAPH_ALIASES = {"json": "application/ld+json", "xml": "application/rdf+xml"}
"""Where a short name means something else for graphs (``format=json`` on CONSTRUCT is JSON-LD)."""


def negotiate(offered: dict[str, str], accept: str | None, formats: Sequence[str] = ()) -> Choice:
    """Pick the representation for a response.

    ``offered`` is RESULT_TYPES or GRAPH_TYPES; ``formats`` the values of the
    format-like parameters, in order. Without Accept or with ``*/*`` the first
    offered type is chosen.

    Raises:
        BadFormatParameter: no ``format`` value is a known name or media type.
        NotAcceptable: nothing offered matches.
    """
    canonical = list(dict.fromkeys(offered))
    if formats:
        graph = offered is GRAPH_TYPES
        known = []
        for value in formats:
            name = value.strip().lower()
            media = (GRAPH_ALIASES.get(name) if graph else None) or ALIASES.get(name) or name
            if "/" in media:
                known.append(media)
                if media in offered:
                    return Choice(media, offered[media])
        if not known:
            raise BadFormatParameter(
                f"parameter 'format': unknown value {formats[0]!r}; use one of {', '.join(sorted(ALIASES))}"
            )
        raise _not_acceptable(", ".join(formats), _primary(canonical, offered))
    header: MIMEAccept = parse_accept_header(_without_parameters(accept or "*/*"), MIMEAccept)
    if not header:
        return Choice(canonical[0], offered[canonical[0]])
    best = header.best_match(canonical)
    if best is None:
        raise _not_acceptable(accept or "", _primary(canonical, offered))
    return Choice(best, offered[best])


def _not_acceptable(asked: str, offered: list[str]) -> NotAcceptable:
    hint = "send one of these in Accept, or use format=" + "|".join(
        dict.fromkeys(name for name in ALIASES if ALIASES[name] in offered)
    )
    return NotAcceptable(asked, tuple(offered), hint=hint)


def _without_parameters(accept: str) -> str:
    """An Accept header with media-type parameters other than ``q`` removed.

    ``text/csv; charset=utf-8`` must match the offered ``text/csv``; werkzeug
    would require the parameters to match too.
    """
    ranges = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = [p for p in params if p.replace(" ", "").lower().startswith("q=")]
        ranges.append(";".join([media, *quality]))
    return ",".join(ranges)


def _primary(canonical: list[str], offered: dict[str, str]) -> list[str]:
    """The offered types without aliases, for error messages."""
    seen: set[str] = set()
    out = []
    for media in canonical:
        if offered[media] not in seen:
            seen.add(offered[media])
            out.append(media)
    return out


def prefers_html(accept: str | None) -> bool:
    """Whether a browser is asking: text/html named outright, with a quality no lower than any RDF type.

    Browsers send ``text/html,application/xhtml+xml,application/xml;q=0.9,…,*/*;q=0.8``
    (Chromium adds ``application/signed-exchange;v=b3;q=0.7``, which werkzeug does not
    rank by quality). Only types named outright count, so ``*/*`` alone never gets HTML.
    """
    header: MIMEAccept = parse_accept_header(accept or "", MIMEAccept)
    named = [(value.split(";")[0].strip().lower(), quality) for value, quality in header]
    html = max((q for media, q in named if media in ("text/html", "application/xhtml+xml")), default=0)
    others = max((q for media, q in named if media in GRAPH_TYPES or media in RESULT_TYPES), default=0)
    return html > 0 and html >= others


def prefers_json(accept: str | None) -> bool:
    """Whether an error body should be JSON rather than plain text."""
    header: MIMEAccept = parse_accept_header(accept or "", MIMEAccept)
    return header.best_match(["text/plain", "application/json"]) == "application/json" and bool(
        header.quality("application/json") > header.quality("text/plain")
    )
