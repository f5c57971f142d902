"""Hostile requests for property-based testing: random and mutated SPARQL, headers, forms, JSON, paths.

``requests()`` is a Hypothesis strategy of ``Probe`` values, each one HTTP request
over every route and parameter: queries built from SPARQL 1.1 functions applied to
invalid lexical forms of XSD types, deep nesting, huge literals, NUL and invalid
UTF-8; updates that may only write a scratch graph (``FUZZ_GRAPH``) or carry no
valid token; Graph Store bodies that must be refused whole; reconciliation JSON;
entity slugs; dump names. ``send_in_process`` and ``send_over_http`` run one.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from tests.reliability.harness import AUTH, call

FUZZ_GRAPH = "urn:x:fuzz"
"""The only graph a hostile update with a valid token may write."""
TRAP = "http://127.0.0.1:9/"
"""An address nothing may ever be fetched from (discard port); SERVICE / LOAD / @context aim here."""

XSD_TYPES = [
    "integer",
    "decimal",
    "double",
    "float",
    "boolean",
    "dateTime",
    "date",
    "time",
    "string",
    "gYear",
    "duration",
    "nonNegativeInteger",
    "byte",
    "unsignedLong",
    "anyURI",
    "dayTimeDuration",
    "hexBinary",
]
LEXICAL = [
    "",
    "x",
    "NaN",
    "INF",
    "-INF",
    "-0",
    "1e999",
    "9" * 400,
    "0x1F",
    "2024-13-45",
    "2024-02-30T25:61:61Z",
    "T",
    "--",
    "+",
    "1.",
    ".1",
    " 1 ",
    "١٢٣",
    "true ",
    "P1Y-2M",
    "\u0000",
    "\ud7ff",
    "😀",
    "1" * 5000,
]
FUNCTIONS_1 = [
    "YEAR",
    "MONTH",
    "DAY",
    "HOURS",
    "MINUTES",
    "SECONDS",
    "TIMEZONE",
    "TZ",
    "ABS",
    "CEIL",
    "FLOOR",
    "ROUND",
    "STRLEN",
    "UCASE",
    "LCASE",
    "ENCODE_FOR_URI",
    "STR",
    "LANG",
    "DATATYPE",
    "IRI",
    "BNODE",
    "MD5",
    "SHA1",
    "SHA256",
    "SHA512",
    "isNumeric",
    "isIRI",
    "isBlank",
    "isLiteral",
    "xsd:integer",
    "xsd:decimal",
    "xsd:double",
    "xsd:float",
    "xsd:boolean",
    "xsd:dateTime",
    "xsd:string",
    "BOUND",
    "!",
    "-",
    "STRUUID",
    "UUID",
]
FUNCTIONS_2 = [
    "CONCAT",
    "STRBEFORE",
    "STRAFTER",
    "STRSTARTS",
    "STRENDS",
    "CONTAINS",
    "LANGMATCHES",
    "sameTerm",
    "STRDT",
    "STRLANG",
    "REGEX",
    "SUBSTR",
    "COALESCE",
]
OPERATORS = ["+", "-", "*", "/", "=", "!=", "<", ">", "<=", ">=", "&&", "||"]
ACCEPTS = [
    "*/*",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/ld+json",
    "application/rdf+xml",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "text/html",
    "application/json",
    "text/*;q=0.1, application/*;q=0",
    "foo/bar",
    ";;;",
    "text/turtle;q=abc",
    "",
]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/sparql-query",
    "application/sparql-update",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/json",
    "multipart/form-data; boundary=x",
    "text/plain; charset=latin-1",
    "",
    "x",
]


@dataclass(frozen=True)
class Probe:
    """One request: method, path (with its query string), headers and body."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def describe(self) -> str:
        return f"{self.method} {self.path[:200]} {dict(self.headers)} {self.body[:200]!r}"


def _literal() -> st.SearchStrategy[str]:
    typed = st.builds(lambda lex, t: f'"{_escape(lex)}"^^xsd:{t}', st.sampled_from(LEXICAL), st.sampled_from(XSD_TYPES))
    plain = st.text(max_size=30).map(lambda text: f'"{_escape(text)}"')
    numbers = st.one_of(st.integers(), st.floats(allow_nan=False)).map(str)
    return st.one_of(typed, plain, numbers, st.sampled_from(["?x", "?y", "<urn:x:a>", "ipkg:belarus", "true"]))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def _expression() -> st.SearchStrategy[str]:
    return st.recursive(
        _literal(),
        lambda inner: st.one_of(
            st.builds(lambda f, a: f"{f}({a})", st.sampled_from(FUNCTIONS_1), inner),
            st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(FUNCTIONS_2), inner, inner),
            st.builds(lambda a, o, b: f"({a} {o} {b})", inner, st.sampled_from(OPERATORS), inner),
            st.builds(lambda a, b, c: f"IF({a}, {b}, {c})", inner, inner, inner),
            st.builds(
                lambda a, b: f'REPLACE({a}, "{b}", {a})', inner, st.sampled_from(["", ".", "(a*)*", "$1", "\\\\"])
            ),
        ),
        max_leaves=12,
    )


def _mutated(text: str, data: st.DataObject) -> str:
    """``text`` with a few characters inserted, deleted or swapped (NUL and odd code points among them)."""
    for _ in range(data.draw(st.integers(0, 3))):
        if not text:
            break
        at = data.draw(st.integers(0, len(text) - 1))
        kind = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = data.draw(st.sampled_from(["\x00", "{", "}", "(", ")", '"', "<", ">", "?", "\\", "\ufffd", "é", " "]))
        text = text[:at] + (piece if kind != "delete" else "") + text[at + (kind != "insert") :]
    return text


QUERY_SHAPES = [
    "SELECT ?v WHERE {{ BIND({e} AS ?v) }}",
    'SELECT * WHERE {{ VALUES ?x {{ 1 "a" <urn:x:a> }} BIND({e} AS ?y) FILTER({e}) }}',
    "SELECT (SUM({e}) AS ?s) (GROUP_CONCAT({e}) AS ?g) WHERE {{ ?x ?p ?y }} GROUP BY ?p ORDER BY {e} LIMIT 3",
    "ASK {{ ?s ?p ?o FILTER({e}) }}",
    "CONSTRUCT {{ ?s <urn:x:v> ?v }} WHERE {{ ?s ?p ?o BIND({e} AS ?v) }} LIMIT 5",
    "SELECT ?o WHERE {{ ipkg:belarus (rdfs:label|^rdfs:label|!rdf:type)* ?o FILTER(!isBlank({e})) }} LIMIT 5",
    "SELECT * WHERE {{ SERVICE <" + TRAP + "> {{ ?s ?p ?o }} }}",
    "SELECT * FROM <" + TRAP + "> WHERE {{ ?s ?p {e} }}",
    "DESCRIBE ?s WHERE {{ ?s ?p ?o FILTER({e}) }} LIMIT 2",
]


@st.composite
def queries(draw: st.DrawFn) -> str:
    data = draw(st.data())
    shape = draw(st.sampled_from(QUERY_SHAPES))
    text = shape.format(e=draw(_expression()))
    if draw(st.booleans()):
        text = "(" * draw(st.integers(0, 2000)) + text
    if draw(st.integers(0, 9)) == 0:
        text = text.replace('"a"', '"' + "a" * draw(st.integers(1, 200_000)) + '"')
    return _mutated(text, data)


@st.composite
def updates(draw: st.DrawFn) -> tuple[str, bool]:
    """(update text, whether it carries the valid token): with the token it may only write FUZZ_GRAPH."""
    expression = draw(_expression())
    safe = [
        f"INSERT {{ GRAPH <{FUZZ_GRAPH}> {{ <urn:x:s> <urn:x:p> ?v }} }} WHERE {{ BIND({expression} AS ?v) }}",
        f"DELETE {{ GRAPH <{FUZZ_GRAPH}> {{ ?s ?p ?o }} }} "
        f"WHERE {{ GRAPH <{FUZZ_GRAPH}> {{ ?s ?p ?o FILTER({expression}) }} }}",
        f"CREATE SILENT GRAPH <{FUZZ_GRAPH}>",
        f"LOAD SILENT <{TRAP}> INTO GRAPH <{FUZZ_GRAPH}>",
        f"LOAD <{TRAP}>",
    ]
    dangerous = [
        "DROP ALL",
        "CLEAR DEFAULT",
        f"INSERT DATA {{ ipkg:belarus rdfs:comment {draw(_literal())} }}",
        "DELETE WHERE { ?s ?p ?o }",
        "CREATE GRAPH <https://w3id.org/ipkg/graph/facts>",
    ]
    if draw(st.booleans()):
        return draw(st.sampled_from(safe)), True
    return _mutated(draw(st.sampled_from(safe + dangerous)), draw(st.data())), False


BODIES = [
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "' + TRAP.encode() + b'">]><r>&e;</r>',
    b'<urn:x:s> <urn:x:p> <urn:x:o> .\n<urn:x:s> <urn:x:p> "unclosed .\n',
    b'{"@context": "' + TRAP.encode() + b'", "@id": "urn:x:s", "name": "x"}',
    b'{"@context": {"@import": "' + TRAP.encode() + b'"}, "@id": "urn:x:s"}',
    b"@prefix ex: <urn:x:> .\nex:s ex:p ex:o .\nex:s ex:p",
    b"\xff\xfe\x00\x00",
    b'<urn:x:s> <urn:x:p> "\x00" .\n',
    b"[" * 3000 + b"]" * 3000,
]


@st.composite
def requests(draw: st.DrawFn) -> Probe:
    """One hostile request over any route of the server."""
    accept = ("Accept", draw(st.sampled_from(ACCEPTS)))
    kind = draw(
        st.sampled_from(
            ["get-query", "post-query", "form", "update", "graph-store", "reconcile", "entity", "dump", "odd-bytes"]
        )
    )
    if kind == "get-query":
        params = {"query": draw(queries())}
        for name in draw(
            st.lists(
                st.sampled_from(
                    ["timeout", "infer", "format", "default-graph-uri", "named-graph-uri", "context", "output"]
                ),
                max_size=3,
            )
        ):
            params[name] = draw(st.sampled_from(["0", "-1", "1e9", "true", "x", "json", "remote", TRAP, "\x00", ""]))
        return Probe("GET", "/sparql?" + urllib.parse.urlencode(params), (accept,))
    if kind == "post-query":
        body = draw(queries()).encode("utf-8", "surrogatepass")
        return Probe("POST", "/sparql", (accept, ("Content-Type", draw(st.sampled_from(CONTENT_TYPES)))), body)
    if kind == "form":
        pairs = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["query", "update", "using-graph-uri", "timeout", "x"]), st.text(max_size=40)
                ),
                max_size=4,
            )
        )
        body = urllib.parse.urlencode(pairs).encode() + draw(st.sampled_from([b"", b"&%FF%FE", b"&query=%", b"&&="]))
        return Probe("POST", "/sparql", (accept, ("Content-Type", "application/x-www-form-urlencoded")), body)
    if kind == "update":
        text, authorised = draw(updates())
        token = AUTH["Authorization"] if authorised else draw(st.sampled_from(["Bearer wrong", "Basic eDp5", ""]))
        headers = (("Content-Type", "application/sparql-update"), ("Authorization", token), accept)
        return Probe("POST", "/sparql", headers, text.encode("utf-8", "surrogatepass"))
    if kind == "graph-store":
        graph = draw(
            st.sampled_from(
                [
                    FUZZ_GRAPH,
                    "urn:x:fuzz?x",
                    "relative",
                    "",
                    "https://w3id.org/ipkg/graph/inferred",
                    "http://a b",
                    "urn:x:" + "g" * 5000,
                ]
            )
        )
        method = draw(st.sampled_from(["PUT", "POST", "GET", "HEAD", "DELETE"]))
        body = draw(st.sampled_from(BODIES))
        headers = (("Content-Type", draw(st.sampled_from(CONTENT_TYPES))), ("Authorization", AUTH["Authorization"]))
        if method in ("PUT", "POST", "DELETE") and graph != FUZZ_GRAPH:
            headers = headers[:1] + (("Authorization", "Bearer wrong"),)
        return Probe(method, "/graph-store?" + urllib.parse.urlencode({"graph": graph}), headers, body)
    if kind == "reconcile":
        value = draw(
            st.recursive(
                st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
                lambda inner: st.one_of(
                    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
                ),
                max_leaves=20,
            )
        )
        field = draw(st.sampled_from(["queries", "query", "extend", "callback"]))
        import json

        return Probe(
            "POST",
            "/reconcile",
            (("Content-Type", "application/x-www-form-urlencoded"),),
            urllib.parse.urlencode({field: json.dumps(value)}).encode(),
        )
    if kind == "entity":
        slug = draw(st.text(max_size=60))
        return Probe(
            "GET",
            "/id/" + urllib.parse.quote(slug, safe="/") + draw(st.sampled_from(["", "?frame=true", "?format=x"])),
            (accept,),
        )
    if kind == "dump":
        name = draw(st.sampled_from(["ttl", "nt", "nq", "trig", "rdf", "jsonld", "exe", "", "ttl/../x"]))
        graph = draw(st.sampled_from(["all", "facts", "x", TRAP, "urn:x:fuzz", "\x00"]))
        return Probe("GET", f"/dataset.{name}?" + urllib.parse.urlencode({"graph": graph, "context": "remote"}))
    raw = draw(st.binary(max_size=200))
    return Probe(
        "POST",
        "/sparql?query=%FF%FE" + urllib.parse.quote_from_bytes(raw),
        (("Content-Type", "application/sparql-query"),),
        raw,
    )


def send_in_process(client: Any, probe: Probe) -> int:
    """Send ``probe`` through Flask's test client; the status."""
    path, _, query = probe.path.partition("?")
    response = client.open(
        path,
        method=probe.method,
        query_string=query,
        headers=list(probe.headers),
        data=probe.body,
    )
    return int(response.status_code)


def send_over_http(base: str, probe: Probe, source: str) -> int:
    """Send ``probe`` to a live server; the status (0: the connection failed)."""
    return call(
        base, probe.method, probe.path, body=probe.body or None, headers=dict(probe.headers), source=source, timeout=120
    ).status
