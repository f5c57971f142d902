"""``ipkg link suggest`` and ``ipkg link conflicts`` on a scratch project (see test_wikidata.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import OWL, PROV, RDF, XSD

from ipkg.build.load import load_sources, parse_files, rdf_files
from ipkg.cli import EXIT_BAD_INPUT, EXIT_OK, main
from ipkg.config import Settings
from ipkg.errors import IpkgError
from ipkg.export import format_turtle
from ipkg.link import (
    CandidateItem,
    LocalResource,
    accept,
    choose,
    compare_values,
    conflict_report,
    format_conflicts,
    normalize,
    score,
    suggest,
)
from ipkg.namespaces import IPKG, IPKGO, WD
from ipkg.wikidata import Model, import_wikidata
from tests.support import REPO, WIKIDATA_FIXTURES, WIKIDATA_PROJECT_DATA, run_cli, scratch_project

FIXTURE = WIKIDATA_FIXTURES / "belarus-wipo.ttl"


@pytest.fixture
def scratch(tmp_path: Path) -> Settings:
    root = scratch_project(tmp_path / "project", data_from=WIKIDATA_PROJECT_DATA)
    return Settings(root=root, state_dir=tmp_path / "state")


@pytest.fixture(scope="module")
def model() -> Model:
    return Model.from_ontology(parse_files(rdf_files(REPO / "ontology")))


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("The World Intellectual Property Organization", "world intellectual property organization"),
        ("Genève", "geneve"),
        ("  Belarus, Republic of ", "belarus republic of"),
        ("W.I.P.O.", "w i p o"),
    ],
)
def test_normalize(name: str, expected: str) -> None:
    assert normalize(name) == expected


# --- suggest --------------------------------------------------------------------------------------


def test_suggest_ranks_the_right_item_first_and_rejects_incompatible_types(scratch: Settings) -> None:
    rows = suggest(scratch, FIXTURE)
    best = rows[0]
    assert (best.local, best.item, best.score) == (IPKG.singapore, WD.Q334, 0.85)
    assert "same English label 'Singapore'" in best.reasons and "both ipkgo:State" in best.reasons
    treaty = [s for s in rows if s.local == IPKG["singapore-treaty"]]
    assert treaty and all(s.rejected and "disjoint" in s.rejected for s in treaty)
    linked = {IPKG.belarus, IPKG.wipo, IPKG.geneva, IPKG.minsk, IPKG.switzerland}
    assert not linked & {s.local for s in rows}, "linked resources are not proposed again"


def test_exact_label_with_a_disjoint_type_is_rejected(scratch: Settings) -> None:
    # Synthetic: a person who happens to be called "Singapore".
    (scratch.data_dir / "zz-person.ttl").write_text(
        "PREFIX ipkg: <https://w3id.org/ipkg/id/>\nPREFIX ipkgo: <https://w3id.org/ipkg/ontology#>\n"
        "PREFIX prov: <http://www.w3.org/ns/prov#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX src: <https://w3id.org/ipkg/id/source/>\n"
        'ipkg:test-person a ipkgo:Person ; rdfs:label "Singapore"@en ; prov:wasDerivedFrom src:wikipedia-wipo .\n',
        encoding="utf-8",
    )
    rows = suggest(scratch, FIXTURE)
    person = [s for s in rows if s.local == IPKG["test-person"]]
    assert len(person) == 1 and person[0].rejected and "ipkgo:Person" in person[0].rejected
    assert rows[0].local == IPKG.singapore


def test_country_agreement_adds_to_the_score(scratch: Settings) -> None:
    links = scratch.data_dir / "links" / "wikidata.ttl"
    links.write_text(
        links.read_text(encoding="utf-8").replace("ipkg:geneva owl:sameAs wd:Q71 .\n", ""), encoding="utf-8"
    )
    geneva = [s for s in suggest(scratch, FIXTURE) if s.local == IPKG.geneva]
    assert geneva[0].item == WD.Q71 and geneva[0].score == 0.75
    assert any("same country (wd:Q39)" in r for r in geneva[0].reasons)


def test_country_disagreement_lowers_the_score(model: Model) -> None:
    local = LocalResource(IPKG.x, "Minsk", ["Minsk"], frozenset(), {WD.Q39})
    item = CandidateItem(WD.Q2280, "Minsk", ["Minsk"], set(), {WD.Q184})
    found = score(local, item, model)
    assert found is not None and found.score == 0.4 and any("different country" in r for r in found.reasons)


def test_alias_match(model: Model) -> None:
    local = LocalResource(IPKG.x, "WIPO", ["WIPO"], frozenset(), set())
    item = CandidateItem(
        WD.Q177773,
        "World Intellectual Property Organization",
        ["World Intellectual Property Organization", "WIPO"],
        set(),
        set(),
    )
    found = score(local, item, model)
    assert found is not None and found.score == 0.5


def test_nothing_is_written_without_accept(capsys: pytest.CaptureFixture[str], scratch: Settings) -> None:
    code, out, _ = run_cli(capsys, scratch.root, "link", "suggest", str(FIXTURE), "--format", "tsv")
    assert code == EXIT_OK
    lines = out.splitlines()
    assert lines[0].split("\t") == ["score", "local", "label", "item", "item label", "reasons"]
    assert lines[1].startswith("0.85\tipkg:singapore\tSingapore\tQ334\t")
    assert not (scratch.data_dir / "links" / "suggested.ttl").exists()
    code, out, _ = run_cli(capsys, scratch.root, "link", "suggest", str(FIXTURE), "--format", "json")
    assert json.loads(out)[0]["item"] == "Q334"


def test_accept_appends_a_link_with_its_claim(capsys: pytest.CaptureFixture[str], scratch: Settings) -> None:
    code, _, err = run_cli(capsys, scratch.root, "link", "suggest", str(FIXTURE), "--accept", "ipkg:singapore=Q334")
    assert code == EXIT_OK, err
    target = scratch.data_dir / "links" / "suggested.ttl"
    text = target.read_text(encoding="utf-8")
    assert format_turtle(text) == text, "written in canonical form"
    graph = parse_files([target])
    assert (IPKG.singapore, OWL.sameAs, WD.Q334) in graph
    claim = IPKG["link-singapore-wikidata"]
    assert (claim, RDF.type, IPKGO.Claim) in graph
    assert graph.value(claim, IPKGO.claimValue) == Literal(str(WD.Q334), datatype=XSD.anyURI)
    source = graph.value(claim, PROV.wasDerivedFrom)
    assert (source, RDF.type, IPKGO.Source) in graph
    # The project still validates, and Singapore is no longer proposed.
    code, out, _ = run_cli(capsys, scratch.root, "validate")
    assert code == EXIT_OK, out
    assert all(s.local != IPKG.singapore for s in suggest(scratch, FIXTURE))


def test_accept_above_takes_the_clear_best(scratch: Settings) -> None:
    rows = suggest(scratch, FIXTURE)
    chosen, _ = choose(rows, above=0.8)
    assert [(s.local, s.item) for s in chosen] == [(IPKG.singapore, WD.Q334)]
    assert choose(rows, above=0.9)[0] == []


def test_accepting_a_rejected_or_unknown_pair_fails(capsys: pytest.CaptureFixture[str], scratch: Settings) -> None:
    rows = suggest(scratch, FIXTURE)
    with pytest.raises(IpkgError, match="rejected"):
        choose(rows, ["singapore-treaty=Q334"])
    with pytest.raises(IpkgError, match="not a candidate"):
        choose(rows, ["ipkg:singapore=Q39"])
    with pytest.raises(IpkgError, match="LOCAL=QID"):
        choose(rows, ["singapore"])
    code, _, err = run_cli(capsys, scratch.root, "link", "suggest", str(FIXTURE), "--accept", "singapore=Q184")
    assert code == EXIT_BAD_INPUT and "not a candidate" in err
    assert not (scratch.data_dir / "links" / "suggested.ttl").exists()


def test_accept_writes_nothing_if_the_project_would_break(scratch: Settings) -> None:
    rows = suggest(scratch, FIXTURE)
    chosen, _ = choose(rows, ["ipkg:singapore=Q334"])
    # Deliberately wrong: local data that makes wd:Q334 a person, so that the link would be inconsistent.
    (scratch.data_dir / "zz-clash.ttl").write_text(
        "PREFIX ipkgo: <https://w3id.org/ipkg/ontology#>\nPREFIX wd: <http://www.wikidata.org/entity/>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nPREFIX prov: <http://www.w3.org/ns/prov#>\n"
        "PREFIX src: <https://w3id.org/ipkg/id/source/>\n"
        'wd:Q334 a ipkgo:Person ; rdfs:label "Singapore"@en ; prov:wasDerivedFrom src:wikipedia-wipo .\n',
        encoding="utf-8",
    )
    from ipkg.errors import InconsistentData

    with pytest.raises(InconsistentData):
        accept(scratch, FIXTURE, chosen)
    assert not (scratch.data_dir / "links" / "suggested.ttl").exists()


# --- conflicts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "imported", "expected"),
    [
        (
            Literal("2019-10", datatype=XSD.gYearMonth),
            Literal("2019-10-05", datatype=XSD.date),
            "agree at month precision",
        ),
        (Literal("2019", datatype=XSD.gYear), Literal("2019-10-05", datatype=XSD.date), "agree at year precision"),
        (Literal("1893", datatype=XSD.gYear), Literal("1967-07-14", datatype=XSD.date), "conflict"),
        (Literal("1967-07-14", datatype=XSD.date), Literal("1967-07-14", datatype=XSD.date), "same"),
        (Literal("2019-09", datatype=XSD.gYearMonth), Literal("2019-10-05", datatype=XSD.date), "conflict"),
        (Literal(193), Literal("193", datatype=XSD.decimal), "same"),
        (Literal(193), Literal(194), "conflict"),
    ],
)
def test_compare_values(local: Literal, imported: Literal, expected: str) -> None:
    assert compare_values(local, imported) == expected


def test_conflicts_find_the_founding_date_disagreement(scratch: Settings) -> None:
    import_wikidata(scratch, FIXTURE)
    rows = conflict_report(scratch)
    founding = [c for c in rows if c.property == "ipkgo:foundingDate"]
    assert len(founding) == 1
    row = founding[0]
    assert (row.entity, row.local_value, row.imported_value, row.status) == (
        "ipkg:wipo",
        "1893",
        "1967-07-14",
        "conflict",
    )
    assert row.wikidata_property == "P571" and row.graph == "belarus-wipo"
    assert [s.iri for s in row.local_sources] == ["src:mfa-belarus-wipo-p01-s02"]
    assert row.local_sources[0].url == "https://geneva.mfa.gov.by/en/interorg/BLR_WIPO/"
    assert [s.url for s in row.imported_sources] == [
        "https://github.com/statengeneraal/laws-markdown/blob/HEAD/verdrag/convention/establishing/the/world/"
        "intellectual/property/organization/etc/BWBV0004328/README.md"
    ]
    assert all(c.is_conflict for c in rows)
    everything = conflict_report(scratch, include_agreements=True)
    statuses = {(c.property, c.status) for c in everything}
    assert ("ipkgo:foundingDate", "same") in statuses  # 1967-07-14 on both sides
    assert ("ipkgo:memberOf ipkg:wipo › ipkgo:startDate", "same") in statuses  # the membership nodes
    assert ("ipkgo:headquarters", "same") in statuses  # ipkg:geneva = wd:Q71 through owl:sameAs


def test_dates_agreeing_at_a_coarser_precision_are_not_conflicts(tmp_path: Path, scratch: Settings) -> None:
    path = tmp_path / "month.ttl"
    path.write_text(
        "PREFIX wd: <http://www.wikidata.org/entity/>\nPREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nPREFIX p: <http://www.wikidata.org/prop/>\n"
        "PREFIX ps: <http://www.wikidata.org/prop/statement/>\nPREFIX psv: <http://www.wikidata.org/prop/statement/value/>\n"
        "PREFIX wds: <http://www.wikidata.org/entity/statement/>\nPREFIX wdv: <http://www.wikidata.org/value/>\n"
        "PREFIX wikibase: <http://wikiba.se/ontology#>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        'wd:Q177773 rdfs:label "World Intellectual Property Organization"@en ; p:P571 wds:Q177773-TEST-1 .\n'
        'wds:Q177773-TEST-1 ps:P571 "1967-07-01T00:00:00Z"^^xsd:dateTime ; psv:P571 wdv:test-196707 .\n'
        'wdv:test-196707 wikibase:timeValue "1967-07-01T00:00:00Z"^^xsd:dateTime ; wikibase:timePrecision 10 .\n',
        encoding="utf-8",
    )
    import_wikidata(scratch, path, "month")
    rows = conflict_report(scratch, include_agreements=True)
    statuses = {(c.local_value, c.imported_value): c.status for c in rows if c.property == "ipkgo:foundingDate"}
    assert statuses == {("1967-07-14", "1967-07"): "agree at month precision", ("1893", "1967-07"): "conflict"}


def test_cli_conflicts_formats_and_exit_codes(capsys: pytest.CaptureFixture[str], scratch: Settings) -> None:
    code, out, _ = run_cli(capsys, scratch.root, "link", "conflicts")
    assert code == EXIT_OK and out.startswith("no conflicts")
    assert run_cli(capsys, scratch.root, "import", "wikidata", str(FIXTURE))[0] == EXIT_OK
    code, out, _ = run_cli(capsys, scratch.root, "link", "conflicts")
    assert code == EXIT_OK and "1893" in out and "1967-07-14" in out and "(1 conflict(s))" in out
    code, out, _ = run_cli(capsys, scratch.root, "link", "conflicts", "--format", "json")
    (row,) = json.loads(out)
    assert (row["localValue"], row["importedValue"], row["status"]) == ("1893", "1967-07-14", "conflict")
    code, out, _ = run_cli(capsys, scratch.root, "link", "conflicts", "--format", "tsv")
    assert out.splitlines()[1].split("\t")[:3] == ["ipkg:wipo", "ipkgo:foundingDate (P571)", "1893"]
    with pytest.raises(SystemExit) as bad:
        main(["--root", str(scratch.root), "link", "conflicts", "--format", "xml"])
    assert bad.value.code == EXIT_BAD_INPUT
    assert format_conflicts([], "table").startswith("no conflicts")


def test_local_resources_skip_provenance_and_linked_nodes(scratch: Settings, model: Model) -> None:
    from ipkg.link import local_resources

    found = {r.iri for r in local_resources(load_sources(scratch), model)}
    assert found == {IPKG.singapore, IPKG["singapore-treaty"]}
