"""What a query says about itself, read from its tokens without parsing it: form, dataset, SERVICE, IRIs.

rdflib's parser takes milliseconds for a query Oxigraph parses in microseconds, and it
holds a process-wide lock (``prepare.PARSER_LOCK``). A backend that evaluates queries
itself needs only what the endpoint decides before evaluation: the query form (content
negotiation answers 406 before any work), the FROM / FROM NAMED graphs (the protocol's
dataset replaces them), the SERVICE endpoints (the allow-list refuses before any
connection) and the IRIs the query names (``hints``). A small tokenizer that knows
strings, comments and IRIs finds them; ``scan_query`` gives up (None) on anything it
is not sure of, and ``prepare`` then asks rdflib, whose answer is authoritative.

A SERVICE clause needs the word SERVICE in the text: a text holding it anywhere — in
a string or a comment too — is never scanned, so a SERVICE the tokenizer could miss
never reaches an engine unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

from rdflib import URIRef
from rdflib.namespace import RDF

_LOCAL_CHAR = r"(?:[\w:%\-]|\\[_~.\-!$&'()*+,;=/?#@%])"
_LOCAL = rf"(?:{_LOCAL_CHAR}(?:(?:{_LOCAL_CHAR}|\.)*{_LOCAL_CHAR})?)?"
"""The local part of a prefixed name (SPARQL 1.1 PN_LOCAL): no path operators, no final dot."""

_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<comment>#[^\r\n]*)"
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\r\n]|\\.)*"'
    r"|'(?:[^'\\\r\n]|\\.)*')"
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r"|(?P<word>[?$@]?[^\W\d](?:[\w.\-]*[\w\-])?(?::" + _LOCAL + ")?|:" + _LOCAL + ")"
    r"|(?P<other>.)",
    re.DOTALL,
)
_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_LOCAL_ESCAPE = re.compile(r"\\([_~.\-!$&'()*+,;=/?#@%])")


@dataclass(frozen=True)
class Token:
    """A significant token: its kind (string, iri, word, other), text and place in the query."""

    kind: str
    text: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """The significant tokens of a query or update (no spaces, no comments)."""
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            found.append(Token(kind, match.group(), match.start(), match.end()))
    return found


def declared_prefixes(text: str) -> set[str]:
    """The prefixes a query declares itself (``PREFIX ex: <…>`` gives ``ex``)."""
    found = tokens(text)
    return {
        following.text[:-1]
        for token, following in zip(found, found[1:], strict=False)
        if _is(token, "PREFIX") and following.text.endswith(":")
    }


def without_dataset_clause(text: str) -> str:
    """The query without its FROM / FROM NAMED clauses (blanked out: line and column numbers stay)."""
    spans = [(start, end) for start, end, _, _ in _dataset_clauses(tokens(text))]
    if not spans:
        return text
    parts, position = [], 0
    for start, end in spans:
        parts += [text[position:start], re.sub(r"[^\r\n]", " ", text[start:end])]
        position = end
    parts.append(text[position:])
    return "".join(parts)


@dataclass(frozen=True)
class Scan:
    """What ``scan_query`` found."""

    form: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    iris: tuple[URIRef, ...]
    """Every IRI the query names (written out or prefixed), each once, in order of first mention."""


def scan_query(text: str, base: str | None, predeclared: Mapping[str, str]) -> Scan | None:
    """The form, dataset clause and IRIs of a query, or None when the tokens do not settle them.

    None for a text naming SERVICE anywhere, a prologue that is not BASE / PREFIX lines, no
    query form after it, a FROM not followed by an IRI, or an unknown prefix: rdflib decides those.
    """
    if "service" in text.lower():
        return None
    found = tokens(text)
    prefixes = dict(predeclared)
    index = 0
    while index < len(found) and (_is(found[index], "BASE") or _is(found[index], "PREFIX")):
        if _is(found[index], "BASE") and index + 1 < len(found) and found[index + 1].kind == "iri":
            base = _resolve(found[index + 1].text[1:-1], base)
            index += 2
        elif index + 2 < len(found) and found[index + 1].text.endswith(":") and found[index + 2].kind == "iri":
            prefixes[found[index + 1].text[:-1]] = _resolve(found[index + 2].text[1:-1], base)
            index += 3
        else:
            return None
    if index >= len(found) or found[index].kind != "word" or found[index].text.upper() not in _FORMS:
        return None
    form = found[index].text.upper()
    iris: dict[URIRef, None] = {}
    default: list[str] = []
    named: list[str] = []
    try:
        for token in found[index:]:
            if token.kind == "word" and token.text == "a":
                iris.setdefault(RDF.type, None)
            iri = _token_iri(token, base, prefixes)
            if iri is not None:
                iris.setdefault(URIRef(iri), None)
        for _, _, is_named, graph in _dataset_clauses(found[index:]):
            iri = _token_iri(graph, base, prefixes)
            if iri is None:
                return None
            (named if is_named else default).append(iri)
    except _UnknownPrefix:
        return None
    if sum(_is(token, "FROM") for token in found) != len(default) + len(named):
        return None  # a FROM the clause reader did not take: let the parser say what it is
    return Scan(form, tuple(default), tuple(named), tuple(iris))


def _is(token: Token, keyword: str) -> bool:
    return token.kind == "word" and token.text.upper() == keyword


def _dataset_clauses(found: list[Token]) -> list[tuple[int, int, bool, Token]]:
    """(start, end, named?, graph token) of each ``FROM [NAMED] <iri>|prefixed:name``."""
    clauses = []
    index = 0
    while index < len(found):
        if _is(found[index], "FROM"):
            after = index + 1
            is_named = after < len(found) and _is(found[after], "NAMED")
            after += is_named
            if after < len(found) and (found[after].kind == "iri" or ":" in found[after].text):
                clauses.append((found[index].start, found[after].end, is_named, found[after]))
                index = after + 1
                continue
        index += 1
    return clauses


class _UnknownPrefix(Exception):
    """A prefixed name whose prefix the query does not declare: the parser reports it."""


def _token_iri(token: Token, base: str | None, prefixes: Mapping[str, str]) -> str | None:
    """The IRI a token names, or None for other tokens.

    Raises:
        _UnknownPrefix: the prefix of a prefixed name is not declared.
    """
    if token.kind == "iri":
        return _resolve(token.text[1:-1], base)
    if token.kind != "word" or ":" not in token.text or token.text[0] in "?$@":
        return None
    prefix, _, local = token.text.partition(":")
    if prefix == "_":
        return None  # a blank node label
    if prefix not in prefixes:
        raise _UnknownPrefix(prefix)
    return prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)


def _resolve(iri: str, base: str | None) -> str:
    if base is None or _SCHEME.match(iri):
        return iri
    return urljoin(base, iri)


__all__ = ["Scan", "Token", "declared_prefixes", "scan_query", "tokens", "without_dataset_clause"]
