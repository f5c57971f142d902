"""Writing synthetic data: terms in Turtle or N-Triples, one subject at a time, and words that encode numbers."""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from ipkg.namespaces import PREFIXES

FORMATS = {".ttl": "turtle", ".nt": "ntriples"}
"""Output format by file suffix (``--format`` overrides)."""

_USED_PREFIXES = ("ipkg", "ipkgo", "src", "prov", "rdf", "rdfs", "schema", "skos", "xsd")
_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"

Term = str
"""A term already written in the output's syntax."""


def word(number: int, digits: int = 2) -> str:
    """A pronounceable word encoding ``number``, a syllable per base-70 digit: distinct numbers, distinct words."""
    base = len(_CONSONANTS) * len(_VOWELS)
    syllables: list[str] = []
    while number or len(syllables) < digits:
        number, digit = divmod(number, base)
        syllables.append(_CONSONANTS[digit // len(_VOWELS)] + _VOWELS[digit % len(_VOWELS)])
    return "".join(syllables).capitalize()


class Writer:
    """Writes subjects with their predicate-object pairs as Turtle or N-Triples, counting triples."""

    def __init__(self, out: TextIO, fmt: str) -> None:
        if fmt not in FORMATS.values():
            raise ValueError(f"unknown format {fmt!r}")
        self.out = out
        self.turtle = fmt == "turtle"
        self.triples = 0
        if self.turtle:
            out.write("".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in _USED_PREFIXES) + "\n")

    def iri(self, prefix: str, local: str) -> Term:
        """A term for ``prefix:local`` (a prefix of ipkg's table; ``local`` is a slug)."""
        return f"{prefix}:{local}" if self.turtle else f"<{PREFIXES[prefix]}{local}>"

    def text(self, value: str, lang: str | None = None) -> Term:
        """A string literal, with a language tag when ``lang`` is given."""
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'

    def typed(self, value: str, datatype: str) -> Term:
        """A literal of an XSD datatype (``date``, ``gYear``, ``integer``, ``anyURI`` …)."""
        if self.turtle and datatype == "integer":
            return value
        return f'"{value}"^^{self.iri("xsd", datatype)}'

    def date(self, day: dt.date, precision: str = "date") -> Term:
        """``day`` as xsd:date, xsd:gYearMonth or xsd:gYear."""
        shown = {"date": day.isoformat(), "gYearMonth": day.isoformat()[:7], "gYear": day.isoformat()[:4]}
        return self.typed(shown[precision], precision)

    def subject(self, subject: Term, cls: Term, pairs: list[tuple[str, Term]]) -> None:
        """``subject a cls`` and its ``(predicate as prefix:local, object)`` pairs."""
        self.triples += 1 + len(pairs)
        if self.turtle:
            lines = [f"{subject}\n    a {cls}"] + [f"    {p} {o}" for p, o in pairs]
            self.out.write(" ;\n".join(lines) + " .\n\n")
            return
        rdf_type = f"<{PREFIXES['rdf']}type>"
        rows = [f"{subject} {rdf_type} {cls} .\n"]
        for p, o in pairs:
            prefix, local = p.split(":", 1)
            rows.append(f"{subject} <{PREFIXES[prefix]}{local}> {o} .\n")
        self.out.write("".join(rows))
