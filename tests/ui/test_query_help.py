"""What the endpoint tells a query's author: warnings for unknown or inferred-only IRIs, where a syntax error
is, and which prefixes are predeclared (in the service description)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal
from rdflib.namespace import SH, XSD

from ipkg.namespaces import PREFIXES


def warnings(client: FlaskClient, query: str, **params: str) -> list[str]:
    response = client.post("/sparql", data={"query": query, **params}, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    header = response.headers.get("Ipkg-Warning", "")
    import re

    return [m.replace('\\"', '"') for m in re.findall(r'"((?:[^"\\]|\\.)*)"', header)]


def test_a_misspelt_ontology_term_is_named_with_a_guess(client: FlaskClient) -> None:
    found = warnings(client, "SELECT ?s { ?s a ipkgo:Stat }")
    assert found == ["ipkgo:Stat is not a term of ipkg's ontology, so it matches nothing; did you mean ipkgo:State?"]
    assert warnings(client, "SELECT ?s { ?s a ipkgo:State }") == []
    found = warnings(client, "SELECT ?p { ipkg:belaruss ?p ?o }")
    assert found == ["ipkg:belaruss names no resource of the dataset; did you mean ipkg:belarus?"]


def test_an_inferred_only_property_without_inference_is_named(client: FlaskClient) -> None:
    query = "SELECT ?e { ipkg:john-sandage ipkgo:participatedIn ?e }"
    found = warnings(client, query, infer="false")
    assert len(found) == 1 and found[0].startswith("ipkgo:participatedIn is only in the inferred graph")
    assert warnings(client, query) == []  # infer=true: nothing to say
    # graphs named explicitly are the author's choice
    assert warnings(client, query, infer="false", **{"default-graph-uri": "https://w3id.org/ipkg/graph/facts"}) == []


def test_warnings_on_graph_results_too(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": "CONSTRUCT WHERE { ?s a ipkgo:Stat }"})
    assert response.status_code == 200 and "ipkgo:Stat" in response.headers["Ipkg-Warning"]


@pytest.mark.parametrize(
    ("query", "line", "column", "message"),
    [
        ("SELECT ?t WHERE {\n  ?t a ipkgo:State .\n", 1, 17, "'{' opened here is never closed: a '}' is missing"),
        ("SELECT ?t WHERE {\n  ?t ?p ?o FILTER(?o = 1\n}", 3, 1, "'}' cannot close the '(' opened at line 2"),
        ("SELECT ?t WHERE {\n  ?t a ipkgoo:State }", 2, 8, "unknown prefix 'ipkgoo:'; did you mean 'ipkgo:'?"),
    ],
)
def test_syntax_errors_point_at_the_problem(
    client: FlaskClient, query: str, line: int, column: int, message: str
) -> None:
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.get_json()
    assert (body["line"], body["column"]) == (line, column)
    assert message in body["message"]


def test_service_description_lists_the_predeclared_prefixes(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    declared = {
        (str(graph.value(d, SH.prefix)), str(graph.value(d, SH.namespace)))
        for d in graph.objects(None, SH.declare)
        if (d, None, SH.PrefixDeclaration) in graph
    }
    assert declared == {(p, str(ns)) for p, ns in PREFIXES.items()}
    assert graph.value(next(iter(graph.objects(None, SH.declare))), SH.namespace).datatype == XSD.anyURI
    assert Literal("ipkgo") in set(graph.objects(None, SH.prefix))
