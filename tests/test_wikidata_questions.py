"""Wikidata-style questions, asked verbatim through the endpoint, answer from the shipped facts.

Each answer comes once, under its Wikidata name where it has one (the reasoner keeps one name
per vocabulary of the owl:sameAs copies); a membership that has ended is not a current wdt:P463;
the truthy value of a contested property is the preferred one.
"""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from ipkg.serve import create_app
from ipkg.store.memory import MemoryStore

WD = "http://www.wikidata.org/entity/"
IPKG = "https://w3id.org/ipkg/id/"


@pytest.fixture(scope="module")
def client(kg, settings) -> FlaskClient:  # type: ignore[no-untyped-def]
    return create_app(settings, MemoryStore(kg)).test_client()


def ask(client: FlaskClient, query: str) -> list[dict[str, str]]:
    response = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.data
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(response.data)["results"]["bindings"]]


def test_member_of(client: FlaskClient) -> None:
    """WIPO once, as wd:Q177773; the Coordination Committee term (2020-2021) has ended."""
    orgs = [row["org"] for row in ask(client, "SELECT ?org WHERE { wd:Q184 wdt:P463 ?org }")]
    assert orgs == [WD + "Q177773"]


def test_membership_start_time(client: FlaskClient) -> None:
    """ipkgo terms take the local names: from a QID, go through its owl:sameAs link."""
    rows = ask(
        client,
        "SELECT ?start WHERE { ?m ipkgo:member/owl:sameAs wd:Q184 ; "
        "ipkgo:organization/owl:sameAs wd:Q177773 ; wdt:P580 ?start }",
    )
    assert [row["start"] for row in rows] == ["1970-04-26"]


def test_founding_date_is_the_preferred_value(client: FlaskClient) -> None:
    rows = ask(client, "SELECT ?date WHERE { wd:Q177773 wdt:P571 ?date }")
    assert [row["date"] for row in rows] == ["1967-07-14"]


def test_headquarters_once(client: FlaskClient) -> None:
    rows = ask(client, "SELECT ?hq WHERE { wd:Q177773 wdt:P159 ?hq }")
    assert [row["hq"] for row in rows] == [WD + "Q71"]


def test_meetings_of_a_visit_are_located_the_wikidata_way(client: FlaskClient) -> None:
    rows = ask(
        client,
        "SELECT ?e WHERE { ?e wdt:P276 wd:Q184 ; wdt:P361 ipkg:2019-06-03-gurry-official-visit-to-belarus }",
    )
    assert IPKG + "2019-06-gurry-meeting-with-lukashenko" in {row["e"] for row in rows}
    assert len(rows) == len({row["e"] for row in rows}) == 9


def test_treaty_actions_with_effective_dates(client: FlaskClient) -> None:
    rows = ask(
        client,
        "SELECT ?treaty ?date WHERE { ?act wdt:P710 wd:Q184 ; wdt:P7588 ?date ; ipkgo:treaty ?treaty }",
    )
    effective = {(row["treaty"], row["date"]) for row in rows}
    assert (IPKG + "marrakesh-treaty", "2020-10-22") in effective
    assert (IPKG + "berne-convention", "1997-12-12") in effective


def test_participants_of_an_event_on_a_day(client: FlaskClient) -> None:
    rows = ask(client, 'SELECT ?who WHERE { ?event wdt:P585 "2019-12-10"^^xsd:date ; wdt:P710 ?who }')
    assert {row["who"] for row in rows} >= {IPKG + "oleg-kravchenko", IPKG + "francis-gurry"}


def test_instances_of_sovereign_state(client: FlaskClient) -> None:
    rows = ask(client, "SELECT ?state WHERE { ?state wdt:P31 wd:Q3624078 }")
    assert {WD + "Q184", IPKG + "belarus"} <= {row["state"] for row in rows}
