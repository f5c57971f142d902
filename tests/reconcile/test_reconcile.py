"""The W3C Entity Reconciliation API (0.2) at /reconcile: schemas first, then behaviour.

Every JSON answer is checked against the JSON schema of the version the
manifest declares (0.2; answers to 1.0-draft batches against the 1.0-draft
schemas). The spec's own valid/invalid example files are run through the same
schemas first, so a schema set-up that accepts everything fails loudly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support import RECONCILIATION_SPECS

Validate = Callable[[str, Any], list[str]]
SPECS = RECONCILIATION_SPECS

KIND_SCHEMAS = {
    "manifest": "manifest.json",
    "reconciliation-query-batch": "reconciliation-query-batch.json",
    "reconciliation-result-batch": "reconciliation-result-batch.json",
    "suggest-entities-response": "suggest-entities-response.json",
    "suggest-properties-response": "suggest-properties-response.json",
    "suggest-types-response": "suggest-types-response.json",
    "data-extension-query": "data-extension-query.json",
    "data-extension-response": "data-extension-response.json",
    "data-extension-property-proposal": "data-extension-property-proposal.json",
    "reconciliation-candidate": "reconciliation-result-batch.json#/patternProperties/^.*$/properties/result/items",
    "preview-metadata": "manifest.json#/properties/preview",
    "suggest-metadata": "manifest.json#/properties/suggest/definitions/service_definition",
    "data-extension-metadata": "manifest.json#/properties/extend",
}
"""Example folder → the schema (or sub-schema) its files are written against (0.2).

``security-scheme`` has no schema: its examples are OpenAPI 3 schemes (``"type": "http"``) while
the manifest refers to Swagger 2.0's, so they are left out, as the spec's repository does.
"""

DRAFT_KIND_SCHEMAS = {
    **{kind: schema for kind, schema in KIND_SCHEMAS.items() if "#" not in schema},
    "reconciliation-candidate": (
        "reconciliation-result-batch.json#/properties/results/items/properties/candidates/items"
    ),
    "preview-metadata": "manifest.json#/properties/preview",
    "data-extension-metadata": "manifest.json#/properties/extend",
}


def examples(version: str, kinds: dict[str, str]) -> list[Any]:
    folder = SPECS / version / "examples"
    assert folder.is_dir(), f"the reconciliation API examples are missing: expected {folder}"
    found = []
    for path in sorted(folder.glob("*/*/*.json")):
        kind, verdict = path.parts[-3], path.parts[-2]
        if kind in kinds:
            found.append(
                pytest.param(
                    version, kinds[kind], path, verdict == "valid", id=f"{version}/{kind}/{verdict}/{path.stem}"
                )
            )
    return found


EXAMPLES = examples("0.2", KIND_SCHEMAS) + examples("1.0-draft", DRAFT_KIND_SCHEMAS)


def queries(client: FlaskClient, batch: dict[str, Any], **extra: str) -> Any:
    response = client.get("/reconcile", query_string={"queries": json.dumps(batch), **extra})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def one(client: FlaskClient, query: dict[str, Any]) -> list[dict[str, Any]]:
    """The candidates of a one-query batch."""
    return queries(client, {"q0": query})["q0"]["result"]  # type: ignore[no-any-return]


def ids(candidates: list[dict[str, Any]]) -> list[str]:
    return [c["id"] for c in candidates]


def error(client: FlaskClient, **params: str) -> str:
    response = client.get("/reconcile", query_string=params, headers={"Accept": "application/json"})
    assert response.status_code == 400, response.get_data(as_text=True)
    return str(response.get_json()["message"])


# --------------------------------------------------------------------------- the schemas themselves


def test_spec_examples_are_there() -> None:
    """Guard: the example families exist and hold both verdicts (else the next test proves nothing)."""
    verdicts = {(p.values[1], p.values[3]) for p in EXAMPLES if p.values[0] == "0.2"}
    assert ("manifest.json", True) in verdicts and ("manifest.json", False) in verdicts
    assert ("reconciliation-result-batch.json", False) in verdicts
    assert len(EXAMPLES) >= 60


@pytest.mark.parametrize(("version", "schema", "path", "valid"), EXAMPLES)
def test_spec_example_validates_as_labelled(
    schemas: Callable[[str], Validate], version: str, schema: str, path: Path, valid: bool
) -> None:
    problems = schemas(version)(schema, json.loads(path.read_text(encoding="utf-8")))
    if valid:
        assert problems == []
    else:
        assert problems, f"{path.name} should be rejected by {schema}"


# --------------------------------------------------------------------------- answers against the schemas


def test_manifest_is_a_valid_0_2_manifest(client: FlaskClient, validate_02: Validate) -> None:
    response = client.get("/reconcile")
    assert response.status_code == 200
    manifest = response.get_json()
    assert validate_02("manifest.json", manifest) == []
    assert manifest["versions"] == ["0.2"]
    assert manifest["name"] == "ipkg"
    assert manifest["identifierSpace"] == "https://w3id.org/ipkg/id/"
    assert manifest["schemaSpace"] == "https://w3id.org/ipkg/ontology#"
    assert manifest["view"]["url"] == "http://localhost/id/{{id}}"
    assert validate_02("manifest.json#/properties/preview", manifest["preview"]) == []
    assert {"id": "State", "name": "State"} in manifest["defaultTypes"]
    assert {t["id"] for t in manifest["defaultTypes"]} >= {"State", "Organization", "Person", "Event"}


def test_manifest_urls_answer(client: FlaskClient) -> None:
    manifest = client.get("/reconcile").get_json()
    for kind in ("entity", "type", "property"):
        service = manifest["suggest"][kind]
        url = service["service_url"] + service["service_path"] + "?prefix=a"
        assert client.get(url).status_code == 200, url
    preview = manifest["preview"]["url"].replace("{{id}}", "belarus")
    assert client.get(preview).status_code == 200
    assert client.get(manifest["view"]["url"].replace("{{id}}", "belarus")).status_code == 200


def test_batch_response_is_valid(client: FlaskClient, validate_02: Validate) -> None:
    batch = {
        "q0": {"query": "Belarus", "type": "State", "limit": 3},
        "q1": {
            "query": "National Patent Office",
            "properties": [{"pid": "country", "v": {"id": "belarus"}}],
            "type_strict": "should",
        },
        "q2": {"query": "Atlantis"},
    }
    assert validate_02("reconciliation-query-batch.json", batch) == []
    answer = queries(client, batch)
    assert validate_02("reconciliation-result-batch.json", answer) == []
    assert set(answer) == {"q0", "q1", "q2"}


def test_suggest_responses_are_valid(client: FlaskClient, validate_02: Validate) -> None:
    for kind, schema in (
        ("entity", "suggest-entities-response.json"),
        ("type", "suggest-types-response.json"),
        ("property", "suggest-properties-response.json"),
    ):
        answer = client.get(f"/reconcile/suggest/{kind}", query_string={"prefix": ""}).get_json()
        assert answer["result"], kind
        assert validate_02(schema, answer) == [], kind


def test_data_extension_responses_are_valid(client: FlaskClient, validate_02: Validate) -> None:
    query = {
        "ids": ["minsk", "belarus", "membership-belarus-wipo"],
        "properties": [{"id": "country"}, {"id": "startDate"}, {"id": "member", "settings": {"limit": 1}}],
    }
    assert validate_02("data-extension-query.json", query) == []
    answer = client.get("/reconcile", query_string={"extend": json.dumps(query)}).get_json()
    assert validate_02("data-extension-response.json", answer) == []
    assert answer["rows"]["minsk"]["country"] == [{"id": "belarus", "name": "Belarus"}]  # not wd:Q184 too
    assert answer["rows"]["membership-belarus-wipo"]["startDate"] == [{"date": "1970-04-26T00:00:00Z"}]
    assert answer["rows"]["belarus"]["country"] == []
    proposal = client.get("/reconcile/propose_properties", query_string={"type": "City"}).get_json()
    assert validate_02("data-extension-property-proposal.json", proposal) == []
    assert "country" in [p["id"] for p in proposal["properties"]]


def test_draft_batch_is_answered_in_the_draft_shape(client: FlaskClient, validate_draft: Validate) -> None:
    batch = {
        "queries": [
            {"conditions": [{"matchType": "name", "propertyValue": "Belarus"}]},
            {
                "type": "GovernmentBody",
                "limit": 5,
                "conditions": [
                    {"matchType": "name", "propertyValue": "National Patent Office"},
                    {
                        "matchType": "property",
                        "propertyId": "country",
                        "propertyValue": {"id": "singapore"},
                        "required": True,
                    },
                ],
            },
        ]
    }
    assert validate_draft("reconciliation-query-batch.json", batch) == []
    for route in ("/reconcile", "/reconcile/match"):
        response = client.post(route, json=batch)
        assert response.status_code == 200, response.get_data(as_text=True)
        answer = response.get_json()
        assert validate_draft("reconciliation-result-batch.json", answer) == []
        first, second = (r["candidates"] for r in answer["results"])
        assert first[0]["id"] == "belarus" and first[0]["match"] is True
        assert ids(second) == ["patent-office-singapore"] and second[0]["match"] is True


# --------------------------------------------------------------------------- matching


def test_exact_name_is_first_and_a_match(client: FlaskClient) -> None:
    found = one(client, {"query": "Belarus"})
    assert found[0]["id"] == "belarus"
    assert found[0]["match"] is True and found[0]["score"] == 100
    assert found[0]["type"] == [{"id": "State", "name": "State"}]
    assert all(c["match"] is False for c in found[1:])
    features = {f["id"]: f["value"] for f in found[0]["features"]}
    assert features["name_exact"] is True and features["name_score"] == 100


@pytest.mark.parametrize("text", ["Republic of Belarus", "republic of belarus", "Беларусь", "  BELARUS. "])
def test_aliases_other_languages_and_case_match(client: FlaskClient, text: str) -> None:
    found = one(client, {"query": text})
    assert found[0]["id"] == "belarus" and found[0]["match"] is True


@pytest.mark.parametrize("text", ["belarus", "ipkg:belarus", "https://w3id.org/ipkg/id/belarus"])
def test_an_id_as_query_finds_its_entity(client: FlaskClient, text: str) -> None:
    assert one(client, {"query": text})[0]["id"] == "belarus"


def test_partial_names_score_below_exact_and_never_match(client: FlaskClient) -> None:
    found = one(client, {"query": "World Intellectual Property"})
    assert found[0]["id"] == "wipo"
    assert 0 < found[0]["score"] < 100 and found[0]["match"] is False


def test_namesakes_are_never_matched(client: FlaskClient) -> None:
    found = one(client, {"query": "Luxembourg"})
    assert set(ids(found)) == {"luxembourg", "luxembourg-city"}
    assert all(c["match"] is False for c in found)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("State", ["luxembourg"]),
        ("ipkgo:City", ["luxembourg-city"]),
        ("https://w3id.org/ipkg/ontology#City", ["luxembourg-city"]),
        ("Agent", ["luxembourg"]),
        (["Person", "City"], ["luxembourg-city"]),
    ],
)
def test_type_constraint_filters(client: FlaskClient, given: Any, expected: list[str]) -> None:
    found = one(client, {"query": "Luxembourg", "type": given})
    assert ids(found) == expected
    assert found[0]["match"] is True
    assert {"id": "type_match", "name": "has the requested type", "value": True} in found[0]["features"]


def test_type_constraint_follows_subclasses(client: FlaskClient) -> None:
    """State and City are both subclasses of Place (State ⊑ Place, City ⊑ Place)."""
    assert set(ids(one(client, {"query": "Luxembourg", "type": "Place"}))) == {"luxembourg", "luxembourg-city"}
    assert ids(one(client, {"query": "Patent Office", "type": "Organization"}))[:2] == [
        "patent-office-belarus",
        "patent-office-singapore",
    ]


def test_type_strict_all_and_should(client: FlaskClient) -> None:
    assert ids(one(client, {"query": "Luxembourg", "type": ["State", "Agent"], "type_strict": "all"})) == ["luxembourg"]
    assert one(client, {"query": "Luxembourg", "type": ["State", "Place"], "type_strict": "all"})[0]["match"]
    found = one(client, {"query": "Luxembourg", "type": "City", "type_strict": "should"})
    assert ids(found) == ["luxembourg-city", "luxembourg"]
    assert found[0]["match"] is True and found[1]["score"] < found[0]["score"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"id": "belarus"}, "patent-office-belarus"),
        ({"id": "singapore", "name": "Singapore"}, "patent-office-singapore"),
        ("Singapore", "patent-office-singapore"),
        ("singapore", "patent-office-singapore"),
        ("https://w3id.org/ipkg/id/belarus", "patent-office-belarus"),
        (["Atlantis", {"id": "belarus"}], "patent-office-belarus"),
    ],
)
def test_property_value_raises_the_right_candidate(client: FlaskClient, value: Any, expected: str) -> None:
    found = one(client, {"query": "National Patent Office", "properties": [{"pid": "country", "v": value}]})
    assert found[0]["id"] == expected
    assert found[0]["match"] is True
    assert found[0]["score"] > found[1]["score"]


@pytest.mark.parametrize("pid", ["country", "ipkgo:country", "https://w3id.org/ipkg/ontology#country"])
def test_property_ids_in_every_form(client: FlaskClient, pid: str) -> None:
    found = one(client, {"query": "National Patent Office", "properties": [{"pid": pid, "v": "Belarus"}]})
    assert found[0]["id"] == "patent-office-belarus"
    assert {"id": f"property:{pid}", "name": f"agreement of property {pid}", "value": 1.0} in found[0]["features"]


@pytest.mark.parametrize("value", ["Q184", "wd:Q184", "http://www.wikidata.org/entity/Q184", {"id": "wd:Q184"}])
def test_wikidata_link_reconciles(client: FlaskClient, value: Any) -> None:
    found = one(client, {"properties": [{"pid": "owl:sameAs", "v": value}]})
    assert ids(found) == ["belarus"] and found[0]["match"] is True


def test_property_disagreement_prevents_a_match(client: FlaskClient) -> None:
    found = one(client, {"query": "Minsk", "properties": [{"pid": "country", "v": {"id": "singapore"}}]})
    assert found[0]["id"] == "minsk" and found[0]["match"] is False


def test_properties_alone_reconcile(client: FlaskClient, validate_02: Validate) -> None:
    batch = {"q0": {"properties": [{"pid": "country", "v": {"id": "luxembourg"}}], "type": "City"}}
    assert validate_02("reconciliation-query-batch.json", batch) == []
    found = queries(client, batch)["q0"]["result"]
    assert ids(found) == ["luxembourg-city"] and found[0]["match"] is True


def test_unknown_name_has_no_candidates(client: FlaskClient) -> None:
    assert one(client, {"query": "Atlantis"}) == []


def test_limit_is_respected(client: FlaskClient) -> None:
    assert len(one(client, {"query": "National Patent Office", "limit": 1})) == 1


def test_single_query_parameter(client: FlaskClient) -> None:
    plain = client.get("/reconcile", query_string={"query": "Minsk"}).get_json()
    assert ids(plain["result"])[0] == "minsk"
    as_json = client.get("/reconcile", query_string={"query": json.dumps({"query": "Minsk", "type": "City"})})
    assert ids(as_json.get_json()["result"]) == ["minsk"]


def test_queries_as_form_field_and_json_body(client: FlaskClient) -> None:
    batch = {"q0": {"query": "Daren Tang"}}
    form = client.post("/reconcile", data={"queries": json.dumps(batch)})
    assert form.status_code == 200 and ids(form.get_json()["q0"]["result"]) == ["daren-tang"]
    body = client.post("/reconcile", json=batch)
    assert body.status_code == 200 and ids(body.get_json()["q0"]["result"]) == ["daren-tang"]
    wrapped = client.post("/reconcile", json={"queries": json.dumps(batch)})
    assert wrapped.status_code == 200 and ids(wrapped.get_json()["q0"]["result"]) == ["daren-tang"]


def test_index_follows_committed_updates(client: FlaskClient, update_token: str) -> None:
    assert one(client, {"query": "Geneva"}) == []
    update = """
        PREFIX ipkg: <https://w3id.org/ipkg/id/>
        PREFIX ipkgo: <https://w3id.org/ipkg/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX src: <https://w3id.org/ipkg/id/source/>
        INSERT DATA { ipkg:geneva a ipkgo:City ; rdfs:label "Geneva"@en ;
                      prov:wasDerivedFrom src:example-page-p1-s1 . }"""
    response = client.post("/sparql", data={"update": update}, headers={"Authorization": f"Bearer {update_token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert one(client, {"query": "Geneva"})[0]["id"] == "geneva"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("queries_text", "expected"),
    [
        ("{not json", "parameter 'queries' is not valid JSON"),
        ('["Belarus"]', "must be a JSON object of queries"),
        ("{}", "must be a JSON object of queries"),
    ],
)
def test_malformed_batches_are_400(client: FlaskClient, queries_text: str, expected: str) -> None:
    assert expected in error(client, queries=queries_text)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (5, "query 'q1' must be a JSON object"),
        ({"query": "Belarus", "props": []}, "unknown field 'props'"),
        ({"limit": 3}, "has neither a 'query' string nor 'properties'"),
        ({"query": "   "}, "has neither a 'query' string nor 'properties'"),
        ({"query": "Belarus", "limit": 0}, "'limit' must be a positive integer"),
        ({"query": "Belarus", "limit": "two"}, "'limit' must be a positive integer"),
        ({"query": "Belarus", "type": "Dragon"}, "unknown type 'Dragon'"),
        ({"query": "Belarus", "type": "Q6256"}, "no ipkg class is aligned to that Wikidata item"),
        ({"query": "Belarus", "type_strict": "maybe"}, "'type_strict' must be"),
        ({"query": "x", "properties": [{"pid": "colour", "v": "red"}]}, "unknown property 'colour'"),
        ({"query": "x", "properties": [{"pid": "P999999", "v": "red"}]}, "unknown property 'P999999'"),
        ({"query": "x", "properties": [{"p": "country", "v": "x"}]}, "properties[0] must be"),
    ],
)
def test_a_malformed_query_fails_alone(client: FlaskClient, validate_02: Validate, query: Any, expected: str) -> None:
    """The batch is answered: the bad query gets an empty result and an error note, the others their candidates."""
    answer = queries(client, {"q0": {"query": "Belarus"}, "q1": query, "q2": {"query": "Minsk"}})
    assert validate_02("reconciliation-result-batch.json", answer) == []
    assert answer["q1"]["result"] == [] and expected in answer["q1"]["error"]
    assert ids(answer["q0"]["result"])[:1] == ["belarus"] and "error" not in answer["q0"]
    assert ids(answer["q2"]["result"])[:1] == ["minsk"]


def test_one_bad_query_in_a_batch_of_fifty(client: FlaskClient, validate_02: Validate) -> None:
    """As OpenRefine sends them: 50 queries, four of them bad in different ways."""
    batch: dict[str, Any] = {f"q{n}": {"query": "Belarus", "type": "State", "limit": 2} for n in range(50)}
    batch["q7"] = {"query": ""}
    batch["q13"] = {"query": "Belarus", "type": "Q6256"}
    batch["q21"] = {"query": "Minsk", "properties": [{"pid": "P999", "v": "x"}]}
    batch["q34"] = {"query": "Belarus", "limit": "2"}  # a number as a string: taken
    answer = queries(client, batch)
    assert validate_02("reconciliation-result-batch.json", answer) == []
    assert sorted(key for key, value in answer.items() if "error" in value) == ["q13", "q21", "q7"]
    assert ids(answer["q34"]["result"]) == ["belarus", "membership-belarus-wipo"]  # limit 2 honoured
    assert all(ids(answer[f"q{n}"]["result"]) == ["belarus"] for n in range(50) if n not in (7, 13, 21, 34))


def test_wikidata_ids_are_types_and_properties(client: FlaskClient) -> None:
    """The ontology is aligned to Wikidata: Q3624078 (sovereign state) is State, Q5 is Person, P17 is country."""
    for given in ("Q3624078", "wd:Q3624078", "http://www.wikidata.org/entity/Q3624078"):
        assert ids(one(client, {"query": "Luxembourg", "type": given})) == ["luxembourg"], given
    assert ids(one(client, {"query": "Daren Tang", "type": "Q5"})) == ["daren-tang"]
    for pid in ("P17", "wdt:P17", "http://www.wikidata.org/prop/direct/P17"):
        found = one(client, {"query": "Luxembourg", "properties": [{"pid": pid, "v": {"id": "luxembourg"}}]})
        assert found[0]["id"] == "luxembourg-city", pid
    answer = client.get(
        "/reconcile", query_string={"extend": json.dumps({"ids": ["minsk"], "properties": [{"id": "P17"}]})}
    ).get_json()
    assert answer["rows"]["minsk"]["P17"] == [{"id": "belarus", "name": "Belarus"}]


def test_draft_batch_answers_per_query(client: FlaskClient, validate_draft: Validate) -> None:
    batch = {
        "queries": [
            {"conditions": [{"matchType": "name", "propertyValue": "Belarus"}]},
            {"type": "Q6256", "conditions": [{"matchType": "name", "propertyValue": "Belarus"}]},
        ]
    }
    response = client.post("/reconcile/match", json=batch)
    assert response.status_code == 200
    answer = response.get_json()
    assert validate_draft("reconciliation-result-batch.json", answer) == []
    assert ids(answer["results"][0]["candidates"])[:1] == ["belarus"]
    assert answer["results"][1]["candidates"] == [] and "Q6256" in answer["results"][1]["error"]


def test_extended_dates_are_dates_at_every_precision(client: FlaskClient, validate_02: Validate) -> None:
    """A year comes back as a date like any other (as Wikidata writes precision 9), never as a string."""
    query = {"ids": ["wipo", "membership-belarus-wipo"], "properties": [{"id": "foundingDate"}, {"id": "startDate"}]}
    answer = client.get("/reconcile", query_string={"extend": json.dumps(query)}).get_json()
    assert validate_02("data-extension-response.json", answer) == []
    assert answer["rows"]["wipo"]["foundingDate"] == [{"date": "1967-01-01T00:00:00Z"}]
    assert answer["rows"]["membership-belarus-wipo"]["startDate"] == [{"date": "1970-04-26T00:00:00Z"}]
    from rdflib import Literal
    from rdflib.namespace import XSD

    from ipkg.reconcile import extension_cell

    idx = index_of(client)
    assert extension_cell(idx, Literal("2020-10", datatype=XSD.gYearMonth)) == {"date": "2020-10-01T00:00:00Z"}
    assert extension_cell(idx, Literal("1893Z", datatype=XSD.gYear)) == {"date": "1893-01-01T00:00:00Z"}
    assert extension_cell(idx, Literal("2019-06-05", datatype=XSD.date)) == {"date": "2019-06-05T00:00:00Z"}


def index_of(client: FlaskClient) -> Any:
    from ipkg.serve.reconcile import index

    with client.application.app_context():
        return index()


def test_two_kinds_of_request_at_once_are_400(client: FlaskClient) -> None:
    assert "give one of" in error(client, queries='{"q0": {"query": "x"}}', query="x")


def test_malformed_draft_batch_is_400(client: FlaskClient) -> None:
    response = client.post("/reconcile/match", json={"queries": []}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "with at least one query" in response.get_json()["message"]
    response = client.post("/reconcile/match", json={"queries": [{"conditions": []}]})
    assert response.status_code == 200  # one malformed query: answered with an error note
    assert "'conditions' must be a non-empty list" in response.get_json()["results"][0]["error"]


# --------------------------------------------------------------------------- preview, suggest, flyout, JSONP


def test_preview_is_a_small_html_card(client: FlaskClient) -> None:
    response = client.get("/reconcile/preview", query_string={"id": "wipo"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "World Intellectual Property Organization" in html
    assert "United Nations specialized agency" in html
    assert "The United Nations agency for intellectual property" in html
    assert 'href="http://localhost/id/wipo"' in html
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_preview_escapes_labels(client: FlaskClient) -> None:
    html = client.get("/reconcile/preview", query_string={"id": "ministry-of-justice"}).get_data(as_text=True)
    assert "Ministry of Justice &amp; &lt;Law&gt;" in html and "<Law>" not in html


def test_preview_of_unknown_or_missing_id(client: FlaskClient) -> None:
    assert client.get("/reconcile/preview", query_string={"id": "atlantis"}).status_code == 404
    assert client.get("/reconcile/preview").status_code == 400


def test_suggest_entity_completes_prefixes(client: FlaskClient) -> None:
    found = client.get("/reconcile/suggest/entity", query_string={"prefix": "bel"}).get_json()["result"]
    assert found[0]["id"] == "belarus"
    assert found[0]["notable"] == [{"id": "State", "name": "State"}]
    words = client.get("/reconcile/suggest/entity", query_string={"prefix": "patent of"}).get_json()["result"]
    assert set(ids(words)) == {"patent-office-belarus", "patent-office-singapore"}
    typed = client.get("/reconcile/suggest/entity", query_string={"prefix": "lux", "type": "City"}).get_json()
    assert ids(typed["result"]) == ["luxembourg-city"]


def test_suggest_pages_with_cursor_and_limit(client: FlaskClient) -> None:
    everything = ids(client.get("/reconcile/suggest/entity", query_string={"prefix": ""}).get_json()["result"])
    page = client.get("/reconcile/suggest/entity", query_string={"prefix": "", "cursor": 2, "limit": 3}).get_json()
    assert ids(page["result"]) == everything[2:5]


def test_suggest_type_and_property(client: FlaskClient) -> None:
    types = client.get("/reconcile/suggest/type", query_string={"prefix": "sta"}).get_json()["result"]
    assert types[0]["id"] == "State"
    assert {"id": "Agent", "name": "Agent"} in types[0]["broader"]
    props = client.get("/reconcile/suggest/property", query_string={"prefix": "coun"}).get_json()["result"]
    assert props[0] == {
        "id": "country",
        "name": "Country",
        "description": "The state a city, organization or body belongs to.",
    }
    assert client.get("/reconcile/suggest/type").status_code == 400


def test_flyouts(client: FlaskClient) -> None:
    entity = client.get("/reconcile/flyout/entity", query_string={"id": "belarus"}).get_json()
    assert entity["id"] == "belarus" and "<strong>Belarus</strong>" in entity["html"]
    kind = client.get("/reconcile/flyout/type", query_string={"id": "City"}).get_json()
    assert kind["id"] == "City" and "A city or town." in kind["html"]
    assert client.get("/reconcile/flyout/property", query_string={"id": "nope"}).status_code == 404


def test_jsonp_wraps_a_safe_callback(client: FlaskClient) -> None:
    response = client.get("/reconcile", query_string={"callback": "jQuery_123.cb$"})
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_data(as_text=True)
    assert body.startswith("/**/jQuery_123.cb$({") and body.rstrip().endswith("});")


@pytest.mark.parametrize("callback", ["alert(1)//", "1abc", "a b", "x" * 200, "cb;evil"])
def test_jsonp_refuses_other_callbacks(client: FlaskClient, callback: str) -> None:
    assert "is not a JavaScript identifier" in error(client, callback=callback)


def test_cors_is_on(client: FlaskClient) -> None:
    assert client.get("/reconcile").headers["Access-Control-Allow-Origin"] == "*"
    assert (
        client.post("/reconcile", data={"queries": '{"q0": {"query": "x"}}'}).headers["Access-Control-Allow-Origin"]
        == "*"
    )
