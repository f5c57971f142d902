"""Hostile or odd queries found by review: each gets a clear 4xx (or an unbound value), never a 500."""

from __future__ import annotations

import pytest

QUERIES_400 = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999999",
    "SELECT * WHERE { ?s ?p ?o } OFFSET 99999999999999999999999",
]


@pytest.mark.parametrize("query", QUERIES_400)
def test_evaluation_errors_are_400(client, query: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400, response.data
    assert "evaluated" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "expression",
    ['REGEX("a", "(")', 'REPLACE("abc", "(", "x")', 'REPLACE("abc", "a", "$9")', 'REPLACE("abc", "(a)", "\\\\2")'],
)
def test_bad_regular_expressions_leave_the_value_unbound(client, expression: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/sparql",
        query_string={"query": f"SELECT ?x WHERE {{ BIND({expression} AS ?x) }}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.data
    assert response.get_json()["results"]["bindings"] == [{}]


def test_query_over_max_query_bytes_is_413(client) -> None:  # type: ignore[no-untyped-def]
    query = "ASK {}" + " " * (64 * 1024)
    response = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert response.status_code == 413
    assert "max_query_bytes" in response.get_data(as_text=True)


def test_accept_with_parameters_is_honoured(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/sparql", query_string={"query": "SELECT * WHERE {}"}, headers={"Accept": "text/csv; charset=utf-8"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"


def test_negated_inverse_path_is_400_not_500(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s !^rdfs:label ?o }"})
    assert response.status_code == 400
    assert "!^p" in response.get_data(as_text=True)
