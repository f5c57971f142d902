"""Fixtures of the reconciliation tests: a small project with namesakes, its app, and the spec's JSON schemas.

The project is the repository's ontology and shapes with a dozen resources
chosen for the cases to test: Belarus with an alias and a Russian name, a
state and a city both called Luxembourg, two government bodies both called
"National Patent Office" in different countries, and a membership whose label
mentions Belarus; Belarus is linked to Wikidata (``owl:sameAs``). The JSON
schemas come from the W3C Entity Reconciliation Community Group's repository,
copied unmodified into ``tests/conformance/suites/reconciliation``; they are
resolved from those local files only, never fetched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

from ipkg.build import KnowledgeGraph
from ipkg.config import Settings
from ipkg.serve import create_app
from ipkg.store.memory import MemoryStore
from tests.support import RECONCILIATION_SPECS, built_scratch_project, example_data, wikidata_links

SPECS = RECONCILIATION_SPECS
TOKEN = "reconcile-token"

# Reconciliation test data: namesakes, aliases, a Russian name, and types from different branches.
DATA = example_data(
    """\
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

ipkg:belarus a ipkgo:State ;
    rdfs:label "Belarus"@en , "Беларусь"@ru ;
    skos:altLabel "Republic of Belarus"@en ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:singapore a ipkgo:State ;
    rdfs:label "Singapore"@en ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:luxembourg a ipkgo:State ;
    rdfs:label "Luxembourg"@en ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:luxembourg-city a ipkgo:City ;
    rdfs:label "Luxembourg"@en ;
    ipkgo:country ipkg:luxembourg ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:minsk a ipkgo:City ;
    rdfs:label "Minsk"@en ;
    ipkgo:country ipkg:belarus ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:wipo a ipkgo:SpecializedAgency ;
    rdfs:label "World Intellectual Property Organization"@en ;
    skos:altLabel "WIPO"@en ;
    rdfs:comment "The United Nations agency for intellectual property, in Geneva."@en ;
    ipkgo:foundingDate "1967"^^xsd:gYear ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:patent-office-belarus a ipkgo:GovernmentBody ;
    rdfs:label "National Patent Office"@en ;
    ipkgo:country ipkg:belarus ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:patent-office-singapore a ipkgo:GovernmentBody ;
    rdfs:label "National Patent Office"@en ;
    ipkgo:country ipkg:singapore ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:ministry-of-justice a ipkgo:GovernmentBody ;
    rdfs:label "Ministry of Justice & <Law>"@en ;
    ipkgo:country ipkg:belarus ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:daren-tang a ipkgo:Person ;
    rdfs:label "Daren Tang"@en ;
    prov:wasDerivedFrom src:example-page-p1-s1 .

ipkg:membership-belarus-wipo a ipkgo:Membership ;
    rdfs:label "Membership of Belarus in WIPO"@en ;
    ipkgo:member ipkg:belarus ;
    ipkgo:organization ipkg:wipo ;
    ipkgo:startDate "1970-04-26"^^xsd:date ;
    prov:wasDerivedFrom src:example-page-p1-s1 .
""",
    quote="The Republic of Belarus has been a member of WIPO since 1970.",
    title="Example page on WIPO and its member states",
    url="https://example.org/wipo-members",
)

LINKS = wikidata_links({"belarus": "Q184"})
"""Reconciliation test links: Belarus is Wikidata's Q184."""


@pytest.fixture(scope="session")
def reconcile_kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    """The small project, built once (load → validate → reason)."""
    root = tmp_path_factory.mktemp("reconcile") / "project"
    return built_scratch_project(root, {"members.ttl": DATA, "links/wikidata.ttl": LINKS})


@pytest.fixture
def app(reconcile_kg: KnowledgeGraph, tmp_path: Path) -> Flask:
    """An app over a fresh store of the small project (updates allowed with ``TOKEN``)."""
    settings = Settings(root=tmp_path, state_dir=tmp_path / "var", update_token=TOKEN)
    return create_app(settings, MemoryStore(reconcile_kg))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --------------------------------------------------------------------------- the spec's schemas


def spec_folder(version: str) -> Path:
    """The spec material of ``version``; a missing schema folder fails the test (never a skip)."""
    folder = SPECS / version
    assert (folder / "schemas").is_dir(), (
        f"the reconciliation API schemas are missing: expected the folder {folder / 'schemas'} "
        "(copied from reconciliation-api/specs)"
    )
    return folder


def schema_registry(version: str) -> tuple[Registry, dict[str, dict[str, Any]]]:
    """(registry of every schema of ``version`` under its ``$id``, schemas by file name). Nothing is fetched.

    The schemas declare ``"$schema": "http://json-schema.org/schema#"`` (no draft); they use
    ``contains`` and ``$ref`` siblings the way draft-07 reads them, so draft-07 is used.
    ``openapi.json`` is registered under its ``$id`` (``http://swagger.io/v2/schema.json``),
    which the manifest's ``authentication`` refers to.
    """
    folder = spec_folder(version) / "schemas"
    schemas: dict[str, dict[str, Any]] = {}
    resources = []
    for path in sorted(folder.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        schemas[path.name] = contents
        resources.append((str(contents["$id"]).rstrip("#"), DRAFT7.create_resource(contents)))
    return Registry().with_resources(resources), schemas


Validate = Callable[[str, Any], list[str]]


def make_validate(version: str) -> Validate:
    """``validate(schema, instance)`` → error messages; ``schema`` is a file name, or a file name + ``#pointer``."""
    registry, schemas = schema_registry(version)

    def validate(schema: str, instance: Any) -> list[str]:
        name, _, pointer = schema.partition("#")
        target: dict[str, Any] = schemas[name]
        if pointer:
            target = {"$ref": str(schemas[name]["$id"]).rstrip("#") + "#" + pointer}
        validator = Draft7Validator(target, registry=registry)
        errors = validator.iter_errors(instance)
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]

    return validate


@pytest.fixture(scope="session")
def schemas() -> Callable[[str], Validate]:
    """``schemas(version)`` → the ``validate`` function of that version's schemas (built once per version)."""
    made: dict[str, Validate] = {}

    def get(version: str) -> Validate:
        if version not in made:
            made[version] = make_validate(version)
        return made[version]

    return get


@pytest.fixture(scope="session")
def update_token() -> str:
    """The bearer token that enables updates in ``app``."""
    return TOKEN


@pytest.fixture(scope="session")
def validate_02() -> Validate:
    """Validation against the 0.2 schemas (the version the manifest declares)."""
    return make_validate("0.2")


@pytest.fixture(scope="session")
def validate_draft() -> Validate:
    """Validation against the 1.0-draft schemas (for answers to 1.0-draft batches)."""
    return make_validate("1.0-draft")
