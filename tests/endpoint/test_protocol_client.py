"""The /sparql, /graph-store, /void and /health endpoints through Flask's test client.

One request, one expected status and body per test, over the scratch project
(see conftest.py). What the issue promises is checked here: the SPARQL 1.1
Protocol's operations and errors, content negotiation, the protocol dataset,
transactional updates under a token, the Graph Store protocol, limits, the
one error table, CORS and logging.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH, XSD
from rdflib.query import Result
from rdflib.term import Variable
from werkzeug.test import TestResponse

from ipkg.build.load import parse_text
from tests.support import AUTH, SCRATCH_TOKEN, VALID_STATE, AppFactory

pytestmark = pytest.mark.filterwarnings(
    # rdflib 7.6 evaluates queries over a Dataset through its own deprecated Dataset.default_context.
    "ignore:Dataset.default_context is deprecated:DeprecationWarning"
)

IPKG = "https://w3id.org/ipkg/id/"
IPKGO = "https://w3id.org/ipkg/ontology#"
GRAPH = "https://w3id.org/ipkg/graph/"
PREFIXES = f"PREFIX ipkg: <{IPKG}>\nPREFIX ipkgo: <{IPKGO}>\n"

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
ONTOLOGY = GRAPH + "ontology"
FACTS = GRAPH + "facts"
INFERRED = GRAPH + "inferred"
UPDATE = {"Content-Type": "application/sparql-update"}
FORM = "application/x-www-form-urlencoded"

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ALL_QUADS = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
FACTS_CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{FACTS}> {{ ?s ?p ?o }} }}"


def query(client: FlaskClient, text: str, *, accept: str | None = None, **params: Any) -> TestResponse:
    """GET /sparql?query=… with extra protocol parameters (lists repeat the parameter)."""
    headers = {"Accept": accept} if accept else {}
    return client.get("/sparql", query_string={"query": text, **params}, headers=headers)


def health(client: FlaskClient) -> dict[str, Any]:
    """The /health document."""
    response = client.get("/health")
    assert response.status_code == 200
    body: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return body


def json_body(response: TestResponse) -> Any:
    """The response body as JSON."""
    return json.loads(response.get_data(as_text=True))


def count(client: FlaskClient, text: str = COUNT_ALL, **params: Any) -> int:
    """The ?n of a one-row COUNT query."""
    response = query(client, text, **params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(json_body(response)["results"]["bindings"][0]["n"]["value"])


def ask(client: FlaskClient, text: str, **params: Any) -> bool:
    """The boolean of an ASK query."""
    response = query(client, PREFIXES + text, **params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return bool(json_body(response)["boolean"])


def update(client: FlaskClient, text: str, *, headers: dict[str, str] | None = None) -> TestResponse:
    """POST application/sparql-update with the bearer token (unless ``headers`` replaces it)."""
    sent = {**UPDATE, **(AUTH if headers is None else headers)}
    return client.post("/sparql", data=text.encode("utf-8"), headers=sent)


def store_contents(client: FlaskClient) -> set[tuple[str, ...]]:
    """Every quad of the store, as N-Triples-like strings (blank nodes by label: they are the store's own)."""
    response = query(client, ALL_QUADS, accept="application/sparql-results+json")
    assert response.status_code == 200
    rows = json_body(response)["results"]["bindings"]
    return {tuple(json.dumps(row[v], sort_keys=True) for v in ("g", "s", "p", "o")) for row in rows}


# --------------------------------------------------------------------------- query operation (§2.1)


def test_get_query_returns_json_by_default(client: FlaskClient) -> None:
    response = query(client, PREFIXES + "SELECT ?label WHERE { ipkg:belarus rdfs:label ?label }")
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert response.headers["Vary"] == "Accept"
    bindings = json_body(response)["results"]["bindings"]
    assert bindings == [{"label": {"type": "literal", "value": "Belarus", "xml:lang": "en"}}]


def test_post_form_query(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"}, content_type=FORM)
    assert response.status_code == 200
    assert json_body(response)["boolean"] is True


def test_post_direct_query(client: FlaskClient) -> None:
    response = client.post("/sparql", data=b"ASK {}", content_type="application/sparql-query")
    assert response.status_code == 200
    assert json_body(response) == {"head": {}, "boolean": True}


def test_predeclared_prefixes(client: FlaskClient) -> None:
    assert query(client, "ASK { ipkg:belarus a ipkgo:State }").status_code == 200


def test_query_twice_in_url_is_400(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string=[("query", "ASK {}"), ("query", "SELECT * {}")])
    assert response.status_code == 400
    assert "'query' given 2 times" in response.get_data(as_text=True)


def test_query_twice_in_url_and_body_is_400(client: FlaskClient) -> None:
    response = client.post("/sparql?query=ASK%20%7B%7D", data={"query": "ASK {}"}, content_type=FORM)
    assert response.status_code == 400
    assert "'query' given 2 times" in response.get_data(as_text=True)


def test_direct_query_body_and_url_query_is_400(client: FlaskClient) -> None:
    response = client.post("/sparql?query=ASK%20%7B%7D", data=b"ASK {}", content_type="application/sparql-query")
    assert response.status_code == 400


def test_update_twice_is_400(client: FlaskClient) -> None:
    response = client.post(
        "/sparql", data="update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", content_type=FORM, headers=AUTH
    )
    assert response.status_code == 400
    assert "'update' given 2 times" in response.get_data(as_text=True)


def test_query_and_update_together_is_400(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"}, content_type=FORM, headers=AUTH)
    assert response.status_code == 400


def test_format_tsv_twice_like_sparqlwrapper_is_ok(client: FlaskClient) -> None:
    # SPARQLWrapper sends format, output and results, and for TSV each one twice.
    params = [("query", "SELECT ?s WHERE { ?s a ipkgo:State }")]
    for name in ("format", "output", "results"):
        params += [(name, "tsv"), (name, "text/tab-separated-values")]
    response = client.get("/sparql", query_string=params, headers={"Accept": "text/tab-separated-values"})
    assert response.status_code == 200
    assert response.mimetype == "text/tab-separated-values"
    assert response.get_data(as_text=True) == f"?s\n<{IPKG}belarus>\n"


def test_format_overrides_accept(client: FlaskClient) -> None:
    response = query(client, "ASK {}", accept="application/sparql-results+json", format="xml")
    assert response.mimetype == "application/sparql-results+xml"


def test_unknown_format_value_is_400(client: FlaskClient) -> None:
    response = query(client, "ASK {}", format="pdf")
    assert response.status_code == 400
    assert "format" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv, application/sparql-results+xml;q=0.5", "text/csv"),
        ("*/*;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
        ("text/*", "text/csv"),
        ("*/*", "application/sparql-results+json"),
        ("application/json", "application/json"),
        ("image/png;q=1, application/sparql-results+xml;q=0.2", "application/sparql-results+xml"),
    ],
)
def test_accept_q_values_and_wildcards(client: FlaskClient, accept: str, expected: str) -> None:
    response = query(client, "SELECT ?s WHERE { ?s a ipkgo:State }", accept=accept)
    assert response.status_code == 200
    assert response.mimetype == expected


def test_get_query_accept_unknown_is_406(client: FlaskClient) -> None:
    response = query(client, "SELECT * WHERE { ?s ?p ?o }", accept="image/png")
    assert response.status_code == 406
    text = response.get_data(as_text=True)
    for offered in (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ):
        assert offered in text


def test_406_lists_offers_in_json(client: FlaskClient) -> None:
    response = query(client, "CONSTRUCT WHERE { ?s ?p ?o }", accept="image/png, application/json;q=0")
    assert response.status_code == 406
    # application/json;q=0 refuses JSON-LD *and* a JSON error body: the error is plain text.
    assert response.mimetype == "text/plain"
    assert "text/turtle" in response.get_data(as_text=True)


def test_ask_as_csv_and_tsv(client: FlaskClient) -> None:
    assert query(client, "ASK {}", accept="text/csv").get_data(as_text=True) == "true\r\n"
    assert query(client, "ASK {}", accept="text/tab-separated-values").get_data(as_text=True) == "?_askResult\ntrue\n"


SELECT_TWO = f"""{PREFIXES}PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?agent ?label ?start WHERE {{
  ?agent rdfs:label ?label .
  FILTER (?agent IN (ipkg:belarus, ipkg:wipo))
  OPTIONAL {{ ?m ipkgo:member ?agent ; ipkgo:startDate ?start }}
}}"""


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "xml"),
        ("text/csv", "csv"),
        ("text/tab-separated-values", "tsv"),
    ],
)
def test_select_each_result_format_parses(client: FlaskClient, accept: str, rdflib_format: str) -> None:
    response = query(client, SELECT_TWO, accept=accept)
    assert response.status_code == 200
    assert response.mimetype == accept
    assert response.mimetype_params == {"charset": "utf-8"}
    result = Result.parse(io.BytesIO(response.get_data()), format=rdflib_format)
    assert [str(v) for v in result.vars or []] == ["agent", "label", "start"]
    agent, label, start_var = (Variable(name) for name in ("agent", "label", "start"))
    rows = {(str(row[agent]), str(row[label]), row.get(start_var)) for row in result.bindings}
    start = Literal("1991-12-25") if rdflib_format == "csv" else Literal("1991-12-25", datatype=XSD.date)
    assert rows == {
        (IPKG + "belarus", "Belarus", start),
        (IPKG + "wipo", "World Intellectual Property Organization", None),
    }
    if rdflib_format != "csv":  # CSV drops language tags by design (SPARQL 1.1 CSV §2)
        labels = {row[label] for row in result.bindings}
        assert Literal("Belarus", lang="en") in labels


def test_solutions_that_bind_nothing_are_kept_in_every_format(client: FlaskClient) -> None:
    # Regression: iterating an rdflib Result drops solutions binding no variable; an ungrouped MAX over
    # no match still has exactly one (empty) solution, and so do OPTIONAL rows with nothing found.
    text = PREFIXES + "SELECT (MAX(?x) AS ?max) WHERE { ?s <http://example.org/none> ?x }"
    assert json_body(query(client, text))["results"]["bindings"] == [{}]
    assert query(client, text, accept="text/csv").get_data(as_text=True) == 'max\r\n""\r\n'  # one empty field
    assert query(client, text, accept="text/tab-separated-values").get_data(as_text=True) == "?max\n\n"
    xml = query(client, text, accept="application/sparql-results+xml").get_data()
    assert len(Result.parse(io.BytesIO(xml), format="xml").bindings) == 1
    optional = PREFIXES + "SELECT ?x WHERE { ipkg:belarus a ?t OPTIONAL { ipkg:belarus <http://example.org/no> ?x } }"
    rows = json_body(query(client, optional, infer="false"))["results"]["bindings"]
    assert rows == [{}]


def test_store_results_still_iterate_after_the_row_limit_check(app: Flask) -> None:
    # The row-limit check reads the solutions; a caller iterating the result afterwards must still see them.
    result = app.extensions["ipkg"].store.query("SELECT ?s WHERE { ?s a ?t }", max_rows=10_000)
    assert len(list(result)) == len(result.bindings) > 0


GRAPH_FORMATS = [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
    ("application/trig", "trig"),
    ("application/n-quads", "nquads"),
]


def parse_rdf(data: str, rdflib_format: str) -> Graph:
    """A response body as a graph (quads merged); JSON-LD through ipkg's loader, which inlines ipkg's context.

    The endpoint's JSON-LD refers to ipkg's published context by its w3id.org
    IRI; a plain rdflib parse would fetch it over the network.
    """
    if rdflib_format == "json-ld":
        return parse_text(data, "json-ld")
    if rdflib_format in ("trig", "nquads"):
        dataset = Dataset()
        dataset.parse(data=data, format=rdflib_format)
        merged = Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            merged.add((s, p, o))
        return merged
    return Graph().parse(data=data, format=rdflib_format)


@pytest.mark.parametrize(("accept", "rdflib_format"), GRAPH_FORMATS)
@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
def test_construct_each_rdf_format_parses(client: FlaskClient, accept: str, rdflib_format: str, form: str) -> None:
    text = FACTS_CONSTRUCT if form == "CONSTRUCT" else f"DESCRIBE <{IPKG}belarus-membership-wipo>"
    reference = Graph().parse(data=query(client, text, accept="text/turtle").get_data(as_text=True), format="turtle")
    assert len(reference) > 3
    response = query(client, text, accept=accept)
    assert response.status_code == 200
    assert response.mimetype == accept
    assert isomorphic(parse_rdf(response.get_data(as_text=True), rdflib_format), reference)


def test_construct_format_json_means_json_ld(client: FlaskClient) -> None:
    response = query(client, FACTS_CONSTRUCT, format="json")
    assert response.mimetype == "application/ld+json"


def test_construct_with_result_accept_is_406(client: FlaskClient) -> None:
    response = query(client, FACTS_CONSTRUCT, accept="application/sparql-results+json")
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- the dataset (§2.1.4)


def test_default_graph_is_union_of_named_graphs(client: FlaskClient) -> None:
    sizes = health(client)["graphs"]
    assert set(sizes) == {ONTOLOGY, FACTS, INFERRED}
    assert count(client) == sum(sizes.values())


def test_default_graph_uri_ontology_sees_only_ontology(client: FlaskClient) -> None:
    sizes = health(client)["graphs"]
    assert count(client, **{"default-graph-uri": ONTOLOGY}) == sizes[ONTOLOGY]
    assert not ask(client, "ASK { ipkg:belarus ?p ?o }", **{"default-graph-uri": ONTOLOGY})
    assert ask(client, "ASK { ipkgo:State a owl:Class }", **{"default-graph-uri": ONTOLOGY})
    # Only named-graph-uri graphs are named graphs: none given, none visible.
    assert not ask(client, "ASK { GRAPH ?g { ?s ?p ?o } }", **{"default-graph-uri": ONTOLOGY})


def test_two_default_graph_uris_are_merged(client: FlaskClient) -> None:
    sizes = health(client)["graphs"]
    both = {"default-graph-uri": [ONTOLOGY, FACTS]}
    assert count(client, **both) == sizes[ONTOLOGY] + sizes[FACTS]


def test_named_graph_uri_restricts_graph_patterns(client: FlaskClient) -> None:
    response = query(client, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": FACTS})
    graphs = [row["g"]["value"] for row in json_body(response)["results"]["bindings"]]
    assert graphs == [FACTS]
    # The default graph is then empty (SPARQL 1.1 Protocol §2.1.4: only the named graphs were given).
    assert count(client, **{"named-graph-uri": FACTS}) == 0


def test_unknown_default_graph_is_empty(client: FlaskClient) -> None:
    assert count(client, **{"default-graph-uri": "http://example.org/not-in-the-store"}) == 0
    assert ask(client, "ASK {}", **{"default-graph-uri": "http://example.org/not-in-the-store"})


def test_protocol_dataset_overrides_from(client: FlaskClient) -> None:
    text = f"SELECT (COUNT(*) AS ?n) FROM <{FACTS}> WHERE {{ ?s ?p ?o }}"
    sizes = health(client)["graphs"]
    assert count(client, text) == sizes[FACTS]
    assert count(client, text, **{"default-graph-uri": ONTOLOGY}) == sizes[ONTOLOGY]


def test_infer_false_hides_inferred_triples(client: FlaskClient) -> None:
    # Belarus is asserted a State; that it is an Agent and a Place is inferred (rdfs:subClassOf).
    assert ask(client, "ASK { ipkg:belarus a ipkgo:Agent }")
    assert not ask(client, "ASK { ipkg:belarus a ipkgo:Agent }", infer="false")
    assert ask(client, "ASK { ipkg:belarus a ipkgo:State }", infer="false")
    sizes = health(client)["graphs"]
    assert count(client, infer="false") == sizes[ONTOLOGY] + sizes[FACTS]
    response = query(client, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", infer="false")
    graphs = {row["g"]["value"] for row in json_body(response)["results"]["bindings"]}
    assert graphs == {ONTOLOGY, FACTS}


def test_infer_bad_value_is_400(client: FlaskClient) -> None:
    assert query(client, "ASK {}", infer="maybe").status_code == 400


# --------------------------------------------------------------------------- request errors


def test_put_on_sparql_is_405_with_allow(client: FlaskClient) -> None:
    response = client.put("/sparql?query=ASK%20%7B%7D", data=b"", content_type=FORM)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert "PUT" not in allowed
    assert "not allowed" in response.get_data(as_text=True)


def test_delete_on_sparql_is_405(client: FlaskClient) -> None:
    assert client.delete("/sparql").status_code == 405


def test_unsupported_content_type_is_415(client: FlaskClient) -> None:
    response = client.post("/sparql", data=b"ASK {}", content_type="text/plain")
    assert response.status_code == 415
    assert "application/sparql-query" in response.get_data(as_text=True)


def test_post_without_content_type_is_415(client: FlaskClient) -> None:
    # Protocol tests bad_query_missing_form_type / bad_query_missing_direct_type: a body ipkg cannot interpret.
    response = client.post("/sparql", data=b"query=ASK%20%7B%7D")
    assert response.status_code == 415
    assert "needs a Content-Type" in response.get_data(as_text=True)


def test_non_utf8_charset_is_415(client: FlaskClient) -> None:
    response = client.post(
        "/sparql", data="ASK {}".encode("utf-16"), content_type="application/sparql-query; charset=UTF-16"
    )
    assert response.status_code == 415
    assert "UTF-8" in response.get_data(as_text=True)


def test_invalid_utf8_body_is_400(client: FlaskClient) -> None:
    response = client.post("/sparql", data=b"ASK { \xff }", content_type="application/sparql-query")
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)


def test_post_without_query_is_400(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"format": "json"}, content_type=FORM)
    assert response.status_code == 400
    assert "missing parameter" in response.get_data(as_text=True)


def test_update_with_get_is_400(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"update": "CLEAR ALL"}, headers=AUTH)
    assert response.status_code == 400
    assert "POST" in response.get_data(as_text=True)


def test_syntax_error_400_names_line_and_column(client: FlaskClient) -> None:
    text = "PREFIX ex: <http://example.org/>\nSELECT ?s\nWHERE { ?s ex:p ?o . FILTER ( }"
    response = query(client, text)
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert "line 3, column" in body
    payload = json_body(query(client, text, accept="application/json"))
    assert payload["error"] == "syntax-error"
    assert payload["line"] == 3
    assert isinstance(payload["column"], int)
    assert payload["column"] >= 1


def test_update_syntax_error_is_400_with_line(client: FlaskClient) -> None:
    response = update(client, "CLEAR ALL ;\nINSERT DATA { <a> <b> }")
    assert response.status_code == 400
    assert "line 2" in response.get_data(as_text=True)


def test_timeout_parameter_above_server_limit_is_400(client: FlaskClient) -> None:
    response = query(client, "ASK {}", timeout="3600")
    assert response.status_code == 400
    assert "timeout" in response.get_data(as_text=True)


def test_error_json_when_accept_json(client: FlaskClient) -> None:
    response = client.post("/sparql", data=b"ASK {}", content_type="text/plain", headers={"Accept": "application/json"})
    assert response.status_code == 415
    assert response.mimetype == "application/json"
    payload = json_body(response)
    assert payload["status"] == 415
    assert payload["error"] == "unsupported-media-type"
    assert payload["requestId"] == response.headers["X-Request-Id"]
    assert "message" in payload


def test_error_plain_text_by_default(client: FlaskClient) -> None:
    response = query(client, "SELEKT")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("SPARQL syntax error")


def test_werkzeug_errors_use_the_same_bodies(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert json_body(response)["error"] == "not-found"


def test_internal_error_is_500_with_request_id(
    client: FlaskClient, app: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = app.extensions["ipkg"].store

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "query", broken)
    monkeypatch.setattr(store, "answer", broken)
    with caplog.at_level(logging.ERROR, logger="ipkg.serve"):
        response = query(client, "ASK {}")
    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    body = response.get_data(as_text=True)
    assert request_id in body
    assert "disk on fire" not in body  # the cause is logged, not shown
    logged = [r for r in caplog.records if r.levelno == logging.ERROR and request_id in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None
    assert "disk on fire" in str(logged[0].exc_info[1])


def test_client_request_id_is_echoed(client: FlaskClient) -> None:
    response = client.get("/health", headers={"X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"


# --------------------------------------------------------------------------- limits


def test_body_too_large_is_413(make_app: AppFactory) -> None:
    client = make_app(max_body_bytes=1000).test_client()
    text = "ASK { " + " ".join(f"<http://example.org/{i}> ?p ?o ." for i in range(60)) + " }"
    assert len(text) > 1000
    response = client.post("/sparql", data=text.encode(), content_type="application/sparql-query")
    assert response.status_code == 413
    assert "1000" in response.get_data(as_text=True)
    form = client.post("/sparql", data={"query": text}, content_type=FORM)
    assert form.status_code == 413


def test_result_rows_over_limit_is_422(make_app: AppFactory) -> None:
    client = make_app(max_result_rows=5).test_client()
    response = query(client, "SELECT * WHERE { ?s ?p ?o }")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "more than 5 rows" in text
    assert "max_result_rows" in text
    assert "LIMIT" in text
    assert query(client, "SELECT * WHERE { ?s ?p ?o } LIMIT 5").status_code == 200
    assert query(client, "CONSTRUCT WHERE { ?s ?p ?o }").status_code == 422
    payload = json_body(query(client, "SELECT * WHERE { ?s ?p ?o }", accept="application/json"))
    assert payload["error"] == "result-too-large"


def test_query_timeout_is_503(make_app: AppFactory) -> None:
    client = make_app(query_timeout=0.2).test_client()
    response = query(client, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    assert response.status_code == 503
    assert "stopped after 0.2 s" in response.get_data(as_text=True)
    assert query(client, "ASK {}").status_code == 200


# --------------------------------------------------------------------------- update operation (§2.2)


def test_update_disabled_without_configured_token_is_403(make_app: AppFactory) -> None:
    client = make_app(update_token=None).test_client()
    response = update(client, VALID_STATE)
    assert response.status_code == 403
    assert "disabled" in response.get_data(as_text=True)
    gsp = client.put("/graph-store?default", data=b"", content_type="text/turtle", headers=AUTH)
    assert gsp.status_code == 403


def test_post_update_without_token_is_401(client: FlaskClient) -> None:
    response = update(client, VALID_STATE, headers={})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in response.get_data(as_text=True)


@pytest.mark.parametrize("header", ["Bearer wrong", f"Basic {SCRATCH_TOKEN}", f"Bearer {SCRATCH_TOKEN}x", "Bearer  "])
def test_post_update_wrong_token(client: FlaskClient, header: str) -> None:
    response = update(client, VALID_STATE, headers={"Authorization": header})
    assert response.status_code in (401, 403)
    if header.startswith("Bearer") and header.strip() != "Bearer":
        assert response.status_code == 403


def test_update_commits_and_is_visible(client: FlaskClient) -> None:
    assert not ask(client, "ASK { ipkg:switzerland a ipkgo:Agent }")
    generation = health(client)["generation"]
    response = update(client, VALID_STATE)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data(as_text=True).startswith("committed: 3 triple(s) added")
    assert health(client)["generation"] == generation + 1
    assert ask(client, "ASK { ipkg:switzerland a ipkgo:Agent }")  # re-reasoned


def test_update_json_summary(client: FlaskClient) -> None:
    response = update(client, VALID_STATE, headers={**AUTH, "Accept": "application/json"})
    assert response.status_code == 200
    assert json_body(response)["status"] == "committed"
    assert json_body(response)["added"] == 3


def test_update_via_form(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"update": VALID_STATE}, content_type=FORM, headers=AUTH)
    assert response.status_code == 200


def test_update_response_has_no_cors(client: FlaskClient) -> None:
    response = update(client, VALID_STATE)
    assert "Access-Control-Allow-Origin" not in response.headers


INVALID_UPDATE = PREFIXES + "INSERT DATA { ipkg:atlantis a ipkgo:State }"
"""A state without label or provenance: two shapes are violated."""


def test_update_violating_shapes_is_422_and_changes_nothing(client: FlaskClient, app: Any) -> None:
    before = store_contents(client)
    generation = health(client)["generation"]
    response = update(client, INVALID_UPDATE)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "nothing changed" in text
    assert "ipkg:atlantis" in text
    assert "Fact-provenance-required" in text
    assert store_contents(client) == before
    assert health(client)["generation"] == generation
    journal = app.extensions["ipkg"].settings.var_dir / "store" / "journal.jsonl"
    assert not journal.exists()


def test_shacl_report_as_json(client: FlaskClient) -> None:
    response = update(client, INVALID_UPDATE, headers={**AUTH, "Accept": "application/json"})
    assert response.status_code == 422
    payload = json_body(response)
    assert payload["conforms"] is False
    assert payload["error"] == "shacl-violation"
    focus = {r["focusNode"] for r in payload["results"]}
    assert focus == {IPKG + "atlantis"}
    paths = {r["resultPath"] for r in payload["results"]}
    assert "http://www.w3.org/2000/01/rdf-schema#label" in paths


def test_shacl_report_as_turtle(client: FlaskClient) -> None:
    response = update(client, INVALID_UPDATE, headers={**AUTH, "Accept": "text/turtle"})
    assert response.status_code == 422
    assert response.mimetype == "text/turtle"
    report = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms) == Literal(False)
    assert set(report.objects(None, SH.focusNode)) == {URIRef(IPKG + "atlantis")}


def test_inconsistent_update_is_422(client: FlaskClient) -> None:
    before = store_contents(client)
    # Belarus is a State; State and Person are disjoint (owl:AllDisjointClasses).
    response = update(client, PREFIXES + "INSERT DATA { ipkg:belarus a ipkgo:Person }")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "inconsistent" in text
    assert f"{IPKG}belarus" in text
    assert store_contents(client) == before


def test_update_into_inferred_graph_is_403(client: FlaskClient) -> None:
    response = update(client, f"INSERT DATA {{ GRAPH <{INFERRED}> {{ <urn:a> <urn:b> <urn:c> }} }}")
    assert response.status_code == 403


def test_failing_operation_aborts_the_whole_request(client: FlaskClient) -> None:
    before = store_contents(client)
    text = VALID_STATE + " ;\n" + INVALID_UPDATE.replace(PREFIXES, "")
    response = update(client, PREFIXES + text.replace(PREFIXES, ""))
    assert response.status_code == 422
    assert store_contents(client) == before


def test_committed_update_survives_restart(client: FlaskClient, app: Any, scratch_settings: Any) -> None:
    from ipkg.serve import create_app

    assert update(client, VALID_STATE).status_code == 200
    app.extensions["ipkg"].store.close()  # the process ends: its store lets go of the state directory
    restarted = create_app(scratch_settings).test_client()  # a new store: build, then replay the journal
    assert ask(restarted, "ASK { ipkg:switzerland a ipkgo:State }")
    assert ask(restarted, "ASK { ipkg:switzerland a ipkgo:Place }")  # and reasoned again
    assert health(restarted)["generation"] == 1


def test_using_graph_uri_with_with_clause_is_400(client: FlaskClient) -> None:
    response = client.post(
        "/sparql?using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople",
        data=b"WITH <http://example/addresses> DELETE { ?p <urn:n> 'Bill' } WHERE { ?p <urn:n> 'Bill' }",
        headers={**UPDATE, **AUTH},
    )
    assert response.status_code == 400


def test_using_graph_uri_sets_the_where_dataset(client: FlaskClient) -> None:
    # Regression: a Modify without WITH used to be refused as "combined with USING or WITH".
    text = b"INSERT { GRAPH <http://example.org/seen> { ?c a <http://example.org/Class> } } WHERE { ?c a owl:Class }"
    for source, expected_more in ((FACTS, False), (ONTOLOGY, True)):
        before = count(client, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/seen> { ?s ?p ?o } }")
        response = client.post(f"/sparql?using-graph-uri={source}", data=text, headers={**UPDATE, **AUTH})
        assert response.status_code == 200, response.get_data(as_text=True)
        after = count(client, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/seen> { ?s ?p ?o } }")
        assert (after > before) is expected_more


def test_from_named_only_leaves_the_default_graph_empty(client: FlaskClient) -> None:
    assert count(client, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{FACTS}> WHERE {{ ?s ?p ?o }}") == 0
    text = f"SELECT DISTINCT ?g FROM <{ONTOLOGY}> FROM NAMED <{FACTS}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    graphs = query(client, text)
    assert [row["g"]["value"] for row in json_body(graphs)["results"]["bindings"]] == [FACTS]


def test_update_with_bind_in_where(client: FlaskClient) -> None:
    # Regression: rdflib's evaluation needs initBindings; BIND in an update's WHERE was a 500.
    text = (
        PREFIXES + "INSERT { GRAPH <http://example.org/names> { ?s <http://example.org/name> ?name } }\n"
        "WHERE { ?s a ipkgo:State ; rdfs:label ?label BIND (STR(?label) AS ?name) }"
    )
    response = update(client, text)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert ask(client, 'ASK { GRAPH <http://example.org/names> { ipkg:belarus <http://example.org/name> "Belarus" } }')


def test_update_prefix_aliasing_a_predeclared_one_holds_across_operations(client: FlaskClient) -> None:
    # Regression (W3C update_dataset_default_graph): the user's dc: is the IRI of ipkg's predeclared dcterms:.
    text = (
        "PREFIX dc: <http://purl.org/dc/terms/>\nCLEAR GRAPH <http://example.org/dc> ;\n"
        "INSERT DATA { GRAPH <http://example.org/dc> { <http://example.org/doc> dc:title 'x' } } ;\n"
        "INSERT { GRAPH <http://example.org/dc> { ?s a dc:BibliographicResource } }\n"
        "WHERE { GRAPH ?g { ?s dc:title ?t } }"
    )
    response = update(client, text)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert ask(client, "ASK { <http://example.org/doc> a <http://purl.org/dc/terms/BibliographicResource> }")


def test_using_named_graph_uri_limits_graph_patterns(client: FlaskClient) -> None:
    # SPARQL 1.1 Update §3.1.3: with USING NAMED, GRAPH ?g in WHERE sees only the listed graphs.
    text = b"INSERT { GRAPH <http://example.org/seen> { ?g a <http://example.org/Seen> } } WHERE { GRAPH ?g { } }"
    response = client.post(f"/sparql?using-named-graph-uri={ONTOLOGY}", data=text, headers={**UPDATE, **AUTH})
    assert response.status_code == 200, response.get_data(as_text=True)
    seen = query(client, "SELECT ?g WHERE { GRAPH <http://example.org/seen> { ?g ?p ?o } }")
    assert [row["g"]["value"] for row in json_body(seen)["results"]["bindings"]] == [ONTOLOGY]


def test_default_graph_uri_on_update_is_400(client: FlaskClient) -> None:
    response = client.post(f"/sparql?default-graph-uri={FACTS}", data=VALID_STATE.encode(), headers={**UPDATE, **AUTH})
    assert response.status_code == 400


# --------------------------------------------------------------------------- Graph Store protocol


TURTLE = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c , ex:d .\n"
OTHER = "http://example.org/graph/scratch"


def test_gsp_put_get_delete(client: FlaskClient) -> None:
    target = f"/graph-store?graph={OTHER}"
    assert client.get(target).status_code == 404
    created = client.put(target, data=TURTLE, content_type="text/turtle", headers=AUTH)
    assert created.status_code == 201
    got = client.get(target, headers={"Accept": "text/turtle"})
    assert got.status_code == 200
    assert isomorphic(Graph().parse(data=got.get_data(as_text=True)), Graph().parse(data=TURTLE))
    head = client.head(target, headers={"Accept": "text/turtle"})
    assert head.status_code == 200
    assert head.get_data() == b""
    assert head.headers["Content-Length"] == got.headers["Content-Length"]
    one = '<http://example.org/x> <http://example.org/y> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'
    replaced = client.put(target, data=one, content_type="application/n-triples", headers=AUTH)
    assert replaced.status_code == 204
    merged = client.post(target, data=TURTLE, content_type="text/turtle", headers=AUTH)
    assert merged.status_code == 204
    assert len(Graph().parse(data=client.get(target).get_data(as_text=True))) == 3
    assert count(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{OTHER}> {{ ?s ?p ?o }} }}") == 3
    assert client.delete(target, headers=AUTH).status_code == 204
    assert client.get(target).status_code == 404
    assert client.delete(target, headers=AUTH).status_code == 404


@pytest.mark.parametrize("iri", ["urn:x-test:graph", "tag:example.org,2026:graph"])
def test_gsp_graph_with_any_iri_is_kept(client: FlaskClient, iri: str) -> None:
    # Regression: graphs whose IRI did not start with "http" were answered 201 and then dropped at commit.
    target = f"/graph-store?graph={iri}"
    assert client.put(target, data=TURTLE, content_type="text/turtle", headers=AUTH).status_code == 201
    assert client.get(target).status_code == 200
    assert health(client)["graphs"][iri] == 2


def test_client_graphs_are_described(client: FlaskClient) -> None:
    assert (
        client.put(f"/graph-store?graph={OTHER}", data=TURTLE, content_type="text/turtle", headers=AUTH).status_code
        == 201
    )
    sd = Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).get_data(as_text=True))
    assert OTHER in {str(sd.value(node, SD.name)) for node in sd.subjects(RDF.type, SD.NamedGraph)}
    void = Graph().parse(data=client.get("/.well-known/void").get_data(as_text=True))
    assert int(void.value(URIRef(OTHER), VOID.triples)) == 2


def test_gsp_write_needs_token(client: FlaskClient) -> None:
    target = f"/graph-store?graph={OTHER}"
    assert client.put(target, data=TURTLE, content_type="text/turtle").status_code == 401
    assert (
        client.put(
            target, data=TURTLE, content_type="text/turtle", headers={"Authorization": "Bearer nope"}
        ).status_code
        == 403
    )


def test_gsp_put_bad_turtle_is_400_with_line(client: FlaskClient) -> None:
    bad = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e .\n"
    response = client.put(
        f"/graph-store?graph={OTHER}",
        data=bad,
        content_type="text/turtle",
        headers={**AUTH, "Accept": "application/json"},
    )
    assert response.status_code == 400
    payload = json_body(response)
    assert payload["error"] == "bad-rdf"
    assert payload["line"] == 3
    assert client.get(f"/graph-store?graph={OTHER}").status_code == 404


def test_gsp_put_unsupported_type_is_415(client: FlaskClient) -> None:
    response = client.put(f"/graph-store?graph={OTHER}", data=b"x", content_type="application/pdf", headers=AUTH)
    assert response.status_code == 415


def test_gsp_put_violating_shapes_is_422(client: FlaskClient) -> None:
    before = store_contents(client)
    body = f"<{IPKG}atlantis> <{RDF.type}> <{IPKGO}State> ."
    response = client.put("/graph-store?default", data=body, content_type="application/n-triples", headers=AUTH)
    assert response.status_code == 422
    assert store_contents(client) == before


def test_gsp_default_graph_get_is_the_union(client: FlaskClient) -> None:
    response = client.get("/graph-store?default", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert len(Graph().parse(data=response.get_data(as_text=True), format="nt")) == count(client)


def test_gsp_needs_graph_or_default(client: FlaskClient) -> None:
    assert client.get("/graph-store").status_code == 400
    assert client.get(f"/graph-store?default&graph={OTHER}").status_code == 400


def test_gsp_inferred_graph_is_read_only(client: FlaskClient) -> None:
    assert client.get(f"/graph-store?graph={INFERRED}").status_code == 200
    response = client.delete(f"/graph-store?graph={INFERRED}", headers=AUTH)
    assert response.status_code == 403


def test_named_graph_by_own_iri(client: FlaskClient) -> None:
    response = client.get("/graph/facts", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert len(Graph().parse(data=response.get_data(as_text=True))) == health(client)["graphs"][FACTS]


# --------------------------------------------------------------------------- description, VoID, health


def test_service_description_lists_graphs(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    sd = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    endpoint = URIRef("http://localhost/sparql")
    assert (endpoint, SD.endpoint, endpoint) in sd
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in sd
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Update) in sd  # a token is configured
    names = {str(sd.value(node, SD.name)) for node in sd.subjects(RDF.type, SD.NamedGraph)}
    sizes = health(client)["graphs"]
    assert names == set(sizes)
    for node in sd.subjects(RDF.type, SD.NamedGraph):
        inner = sd.value(node, SD.graph)
        assert int(sd.value(inner, VOID.triples)) == sizes[str(sd.value(node, SD.name))]


def test_service_description_without_update_token(make_app: AppFactory) -> None:
    client = make_app(update_token=None).test_client()
    sd = Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).get_data(as_text=True))
    assert (None, SD.supportedLanguage, SD.SPARQL11Update) not in sd


@pytest.mark.parametrize(("accept", "fmt"), GRAPH_FORMATS[:4])
def test_service_description_by_negotiation(client: FlaskClient, accept: str, fmt: str) -> None:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.mimetype == accept
    sd = parse_rdf(response.get_data(as_text=True), fmt)
    assert (None, SD.endpoint, None) in sd


def test_service_description_html_for_a_browser(client: FlaskClient) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == "text/html"


def test_service_description_default_is_turtle(client: FlaskClient) -> None:
    response = client.get("/sparql")
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"


@pytest.mark.parametrize("path", ["/.well-known/void", "/void"])
def test_void_statistics(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    void = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    dataset = URIRef("https://w3id.org/ipkg/dataset")
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert (dataset, VOID.sparqlEndpoint, URIRef("http://localhost/sparql")) in void
    assert int(void.value(dataset, VOID.triples)) == count(client)
    sizes = health(client)["graphs"]
    subsets = {str(s): int(void.value(s, VOID.triples)) for s in void.objects(dataset, VOID.subset)}
    assert subsets == sizes
    entities = int(void.value(URIRef(FACTS), VOID.entities))
    assert entities == count(
        client,
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{FACTS}> {{ ?s ?p ?o }} "
        f"FILTER STRSTARTS(STR(?s), '{IPKG}') }}",
    )
    assert int(void.value(URIRef(FACTS), VOID.classes)) >= 4


def test_void_follows_updates(client: FlaskClient) -> None:
    def facts_triples() -> int:
        void = Graph().parse(data=client.get("/.well-known/void").get_data(as_text=True), format="turtle")
        return int(void.value(URIRef(FACTS), VOID.triples))

    before = facts_triples()
    assert update(client, VALID_STATE).status_code == 200
    assert facts_triples() == before + 3


def test_void_by_negotiation_and_406(client: FlaskClient) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert len(parse_rdf(response.get_data(as_text=True), "json-ld")) > 10
    assert client.get("/.well-known/void", headers={"Accept": "image/png"}).status_code == 406


def test_health(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = json_body(response)
    assert body["status"] == "ok"
    assert body["generation"] == 0
    assert set(body["graphs"]) == {ONTOLOGY, FACTS, INFERRED}
    assert all(isinstance(n, int) and n > 0 for n in body["graphs"].values())


# --------------------------------------------------------------------------- HTTP details


def test_head_query_has_headers_and_no_body(client: FlaskClient) -> None:
    get = query(client, "ASK {}")
    head = client.head("/sparql", query_string={"query": "ASK {}"})
    assert head.status_code == 200
    assert head.get_data() == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_head_without_query_is_the_service_description(client: FlaskClient) -> None:
    head = client.head("/sparql", headers={"Accept": "text/turtle"})
    assert head.status_code == 200
    assert head.mimetype == "text/turtle"
    assert head.get_data() == b""


def test_cors_header_on_read(client: FlaskClient) -> None:
    response = query(client, "ASK {}", accept="application/sparql-results+json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Request-Id" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    assert client.get("/health").headers["Access-Control-Allow-Origin"] == "*"


def test_cors_can_be_switched_off(make_app: AppFactory) -> None:
    client = make_app(cors_origins="").test_client()
    assert "Access-Control-Allow-Origin" not in query(client, "ASK {}").headers


def test_every_query_is_logged_with_duration_and_status(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ipkg.serve"):
        ok = query(client, "ASK { ?s ?p ?o }")
        bad = query(client, "ASK {")
    lines = [r.getMessage() for r in caplog.records if r.name == "ipkg.serve"]
    for response, status in ((ok, 200), (bad, 400)):
        rid = response.headers["X-Request-Id"]
        (line,) = [m for m in lines if m.startswith(rid)]
        assert f" GET /sparql {status} " in line
        assert "ms" in line
        assert "query='ASK {" in line


def test_preflight_of_an_unknown_path_is_404_and_never_offers_authorization(client) -> None:  # type: ignore[no-untyped-def]
    assert client.options("/no-such-route").status_code == 404
    preflight = client.options("/sparql", headers={"Origin": "https://example.org"})
    assert "Authorization" not in preflight.headers.get("Access-Control-Allow-Headers", "")
