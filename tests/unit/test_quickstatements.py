"""``ipkg export quickstatements``: V1 commands with qualifiers and a source, in a stable order."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import XSD

from ipkg.build import build
from ipkg.cli import EXIT_OK, main
from ipkg.config import Settings
from ipkg.link.quickstatements import Command, quickstatements, skipped_summary, time_value
from ipkg.namespaces import GRAPH_FACTS, GRAPH_LINKS
from ipkg.wikidata import Model
from tests.support import WIKIDATA_PROJECT_DATA, scratch_project

BELARUS_WIPO = (
    "Q184\tP463\tQ177773\tP580\t+1970-04-26T00:00:00Z/11\tS854\t"
    '"http://www.wipo.int/wipolex/en/wipo_treaties/remarks.jsp?cnty_id=15C"'
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One scratch project for the module (the tests only read it; its build is cached)."""
    return Settings(root=scratch_project(tmp_path_factory.mktemp("qs") / "project", data_from=WIKIDATA_PROJECT_DATA))


def export(settings: Settings):  # type: ignore[no-untyped-def]
    kg = build(settings, progress=lambda _: None)
    return quickstatements(
        kg.dataset.graph(GRAPH_FACTS), kg.dataset.graph(GRAPH_LINKS), Model.from_ontology(kg.ontology)
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Literal("1970-04-26", datatype=XSD.date), "+1970-04-26T00:00:00Z/11"),
        (Literal("2019-10", datatype=XSD.gYearMonth), "+2019-10-00T00:00:00Z/10"),
        (Literal("1893", datatype=XSD.gYear), "+1893-00-00T00:00:00Z/9"),
        (Literal("-0199", datatype=XSD.gYear), "-0199-00-00T00:00:00Z/9"),
    ],
)
def test_time_value_precision_from_the_datatype(value: Literal, expected: str) -> None:
    assert time_value(value) == expected


def test_command_line_format() -> None:
    command = Command("Q184", "P463", "Q177773", (("P580", "+1970-04-26T00:00:00Z/11"),), 'http://x/"q"')
    assert command.line() == 'Q184\tP463\tQ177773\tP580\t+1970-04-26T00:00:00Z/11\tS854\t"http://x/\\"q\\""'


def test_belarus_membership_with_start_date_and_source(scratch: Settings) -> None:
    lines = export(scratch).text().splitlines()
    assert BELARUS_WIPO in lines
    # The membership node cites two sources: one command each.
    assert (
        'Q184\tP463\tQ177773\tP580\t+1970-04-26T00:00:00Z/11\tS854\t"https://geneva.mfa.gov.by/en/interorg/BLR_WIPO/"'
    ) in lines
    # WIPO's founding year is contested (1893 against 1967/1970): not proposed to Wikidata.
    assert not any(line.startswith("Q177773\tP571\t") for line in lines)
    assert all(line.count("\tS854\t") == 1 for line in lines)


def test_order_is_stable_and_sorted(scratch: Settings) -> None:
    first, second = export(scratch), export(scratch)
    assert first.text() == second.text()
    keys = [c.sort_key() for c in first.commands]
    assert keys == sorted(keys)


def test_what_cannot_be_expressed_is_counted(scratch: Settings) -> None:
    result = export(scratch)
    # ipkg:wipo's headquarters: two sources, neither sentence names Geneva, so no source can be chosen.
    assert result.skipped["several sources, none of whose sentences mentions the value"] == 1
    assert not any(line.startswith("Q177773\tP159\t") for line in result.text().splitlines())
    assert result.skipped["contested: a claim for this value conflicts with another source"] == 2
    assert skipped_summary(result.skipped).startswith("skipped 3 fact(s)")
    # The unlinked Singapore gives nothing.
    assert "Q334" not in result.text()


def test_cli_export_quickstatements(capsys: pytest.CaptureFixture[str], scratch: Settings, tmp_path: Path) -> None:
    code = main(["--root", str(scratch.root), "-q", "export", "quickstatements"])
    out, err = capsys.readouterr()
    assert code == EXIT_OK and BELARUS_WIPO in out.splitlines()
    assert "skipped 3 fact(s)" in err and "contested" in err
    target = tmp_path / "commands.tsv"
    code = main(["--root", str(scratch.root), "-q", "export", "quickstatements", "--output", str(target)])
    assert code == EXIT_OK and target.read_text(encoding="utf-8") == out
    # The plain export still works beside the sub-command.
    code = main(["--root", str(scratch.root), "-q", "export", "--format", "ntriples", "--graph", "links"])
    assert code == EXIT_OK and "owl#sameAs" in capsys.readouterr().out
