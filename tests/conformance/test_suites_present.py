"""Guard: the third-party conformance material is in the repository, so a plain clone runs every test.

The W3C SPARQL 1.1 and SHACL core suites and the Entity Reconciliation API's
schemas are unmodified copies under ``suites/`` (see ``suites/NOTICE.md``).
The tests that use them are never skipped for want of them; these checks fail,
naming what is missing, when a folder is gone, empty or cut short.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF

from tests.support import RECONCILIATION_SPECS, REPO, SHACL_CORE_SUITE, SPARQL11_SUITE, SUITES

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")

SPARQL11_MANIFESTS = {
    "aggregates": 47,
    "bind": 10,
    "bindings": 11,
    "construct": 7,
    "csv-tsv-res": 6,
    "exists": 6,
    "functions": 75,
    "grouping": 6,
    "json-res": 4,
    "negation": 12,
    "project-expression": 7,
    "property-path": 33,
    "subquery": 14,
    "protocol": 34,
    "service-description": 3,
}
"""Each sparql11 directory the conformance tests read → its number of manifest entries (``suites/README.md`` §2)."""

RECONCILIATION_VERSIONS = ("0.2", "1.0-draft")

RECONCILIATION_SCHEMAS = (
    "manifest.json",
    "openapi.json",
    "reconciliation-query-batch.json",
    "reconciliation-result-batch.json",
    "suggest-entities-response.json",
    "suggest-properties-response.json",
    "suggest-types-response.json",
    "data-extension-query.json",
    "data-extension-response.json",
    "data-extension-property-proposal.json",
)
"""The schema files the reconciliation tests validate against (in both versions)."""

NOTICES = (
    "NOTICE.md",
    "README.md",
    "PROTOCOL.md",
    "sparql11/LICENSE.md",
    "sparql11/LICENSE-W3C-dual-testsuite-BSD.txt",
    "sparql11/README-upstream-sparql.md",
    "shacl/README-upstream.md",
    "reconciliation/README.md",
)
"""Provenance and licence texts that must travel with the data."""


def test_suites_live_inside_the_repository() -> None:
    assert SUITES.is_dir(), f"the conformance suites are missing: expected the folder {SUITES}"
    assert SUITES.is_relative_to(REPO / "tests")


@pytest.mark.parametrize("name", NOTICES)
def test_provenance_and_licence_files_are_present(name: str) -> None:
    path = SUITES / name
    assert path.is_file(), f"missing {path}"
    assert path.stat().st_size > 0, f"{path} is empty"


@pytest.mark.parametrize(("directory", "entries"), SPARQL11_MANIFESTS.items())
def test_sparql11_manifest_is_present_and_complete(directory: str, entries: int) -> None:
    manifest = SPARQL11_SUITE / directory / "manifest.ttl"
    assert manifest.is_file(), f"the W3C SPARQL 1.1 '{directory}' tests are missing: expected {manifest}"
    graph = Graph().parse(manifest, format="turtle")
    (node,) = graph.subjects(RDF.type, MF.Manifest)
    assert len(list(Collection(graph, graph.value(node, MF.entries)))) == entries


def test_shacl_core_manifest_is_present_and_its_parts_too() -> None:
    manifest = SHACL_CORE_SUITE / "manifest.ttl"
    assert manifest.is_file(), f"the W3C SHACL core tests are missing: expected {manifest}"
    graph = Graph().parse(manifest, format="turtle")
    parts = [Path(unquote(urlparse(str(iri)).path)) for iri in graph.objects(None, MF.include)]
    assert len(parts) == 7, parts
    for part in parts:
        assert part.is_file(), f"missing {part}"
        assert any(part.parent.glob("*.ttl")), f"no tests in {part.parent}"


@pytest.mark.parametrize("version", RECONCILIATION_VERSIONS)
def test_reconciliation_schemas_and_examples_are_present(version: str) -> None:
    folder = RECONCILIATION_SPECS / version
    assert (folder / "schemas").is_dir(), f"the reconciliation API {version} schemas are missing: expected {folder}"
    for name in RECONCILIATION_SCHEMAS:
        schema = json.loads((folder / "schemas" / name).read_text(encoding="utf-8"))
        assert isinstance(schema, dict) and schema.get("$id"), f"{version}/schemas/{name} is not a schema"
    verdicts = {path.parent.name for path in (folder / "examples").glob("*/*/*.json")}
    assert verdicts == {"valid", "invalid"}, f"the {version} examples are missing or incomplete: {verdicts}"
