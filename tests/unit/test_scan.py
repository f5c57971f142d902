"""The token scan of a query agrees with rdflib's parse wherever it answers, and gives up where it must.

``sparql.scan`` lets the Oxigraph and remote stores skip rdflib's parser; what it reports
(form, FROM / FROM NAMED, IRIs) must be what rdflib's algebra says, for every query of the
W3C suite and of the repository (the IRIs: every one rdflib finds, and exactly its ipkg terms).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF

from ipkg.errors import QuerySyntaxError
from ipkg.namespaces import IPKG, IPKGO
from ipkg.sparql import engine
from ipkg.sparql.prepare import _FORMS, _INIT_NS, _translate, prepare_query
from ipkg.sparql.scan import scan_query

REPOSITORY = Path(__file__).resolve().parents[2]
QUERY_FILES = sorted(
    path.relative_to(REPOSITORY)
    for folder in ("tests/conformance/suites/sparql11", "queries")
    for path in (REPOSITORY / folder).rglob("*.rq")
)
COLLECTION_TERMS = {RDF.first, RDF.rest, RDF.nil}
"""rdflib's algebra writes ``( … )`` and empty argument lists with these; no query names them."""


def test_there_are_queries_to_compare() -> None:
    assert len(QUERY_FILES) > 300


@pytest.mark.parametrize("relative", QUERY_FILES, ids=str)
def test_the_scan_agrees_with_rdflib(relative: Path) -> None:
    engine.install()
    path = REPOSITORY / relative
    text, base = path.read_text(encoding="utf-8"), path.as_uri()
    scan = scan_query(text, base, _INIT_NS)
    try:
        query, walk, clause = _translate(text, base)
    except QuerySyntaxError:
        return  # a negative syntax test: whatever the scan says, the engine refuses the text
    assert scan is not None, "the scan gave up on a query without SERVICE"
    assert scan.form == _FORMS[query.algebra.name]
    assert scan.default_graphs == tuple(str(c.default) for c in clause if c.default is not None)
    assert scan.named_graphs == tuple(str(c.named) for c in clause if c.named is not None)
    assert walk.iris - COLLECTION_TERMS <= set(scan.iris)  # the scan also names literals' datatypes
    assert ipkg_terms(scan.iris) == ipkg_terms(walk.iris)  # what the query hints judge


def ipkg_terms(iris: Iterable[URIRef]) -> set[URIRef]:
    return {iri for iri in iris if iri.startswith((str(IPKG), str(IPKGO)))}


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * { service silent ?endpoint { ?s ?p ?o } }",
        'SELECT * { ?s ?p "a service" }',  # the word anywhere, even in a string: the parser decides
        "SELECT * { ?s nope:p ?o }",  # an undeclared prefix: the parser reports it with a guess
        "PREFIX ex <http://example.org/> SELECT * {}",  # a broken prologue
        "INSERT DATA { <a> <b> <c> }",  # not a query
        "SELECT * FROM ?g { }",  # a FROM the clause reader does not take
    ],
)
def test_the_scan_gives_up_where_the_parser_must_decide(text: str) -> None:
    assert scan_query(text, None, _INIT_NS) is None


def test_a_service_is_always_seen_and_checked() -> None:
    prepared = prepare_query("SELECT * { ?s ?p ?o SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert prepared.remote_targets == (("SERVICE", "http://example.org/sparql"),)


def test_relative_iris_resolve_against_base_and_prologue() -> None:
    text = "BASE <http://example.org/a/> PREFIX ex: <b/> SELECT * FROM <g> FROM NAMED ex:h { ?s ex:p <../q> }"
    scan = scan_query(text, "http://ignored.example/", _INIT_NS)
    assert scan is not None
    assert scan.default_graphs == ("http://example.org/a/g",)
    assert scan.named_graphs == ("http://example.org/a/b/h",)
    assert URIRef("http://example.org/q") in scan.iris


def test_a_query_rdflib_cannot_parse_is_refused_when_it_is_translated() -> None:
    prepared = prepare_query("SELECT ?x WHERE { ?x ?p ?o } GROUP BY ?x HAVING")
    with pytest.raises(QuerySyntaxError):
        prepared.query  # noqa: B018 - the translation is made on first use
