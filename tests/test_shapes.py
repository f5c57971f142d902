"""Tests of the SHACL shapes in ``shapes/``.

* Every fixture under ``tests/fixtures/shapes/valid`` conforms; every fixture
  under ``tests/fixtures/shapes/invalid`` breaks exactly the shape its file
  name starts with, at the focus node its ``# focus:`` line names.
* Every node shape has at least one valid and one invalid fixture, and every
  constraint carries an ``sh:name`` and an English ``sh:message``.
* pyshacl itself passes the W3C SHACL core test suite at partial compliance
  (``sh:conforms`` as expected), so that a wrong verdict here is our shapes'
  fault, not the validator's.

Validation runs as the project runs it: the data graph joined with the
ontology, inference ``none`` (``sh:class`` and ``sh:targetClass`` see the
ontology's ``rdfs:subClassOf``).
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pyshacl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ipkg.namespaces import IPKGSH  # type: ignore[import-untyped,unused-ignore]
from tests.support import REPO, SHACL_CORE_SUITE

SHAPES_DIR = REPO / "shapes"
ONTOLOGY_DIR = REPO / "ontology"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
VALID_FIXTURES = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID_FIXTURES = sorted((FIXTURES / "invalid").glob("*.ttl"))

W3C_CORE = SHACL_CORE_SUITE
W3C_CORE_TEST_COUNT = 98

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

# Node-level constraint parameters: a node shape that uses one of these reports
# results with itself as sh:sourceShape, so it needs its own sh:message.
NODE_LEVEL_PARAMETERS = (
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH["in"],
    SH.hasValue,
    SH["or"],
    SH["and"],
    SH["not"],
    SH.xone,
    SH.node,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH.minLength,
    SH.maxLength,
    SH.pattern,
    SH.languageIn,
    SH.closed,
)


# --------------------------------------------------------------------------- helpers


def _load(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@cache
def _shapes() -> Graph:
    return _load(sorted(SHAPES_DIR.glob("*.ttl")))


@cache
def _ontology() -> Graph:
    return _load(sorted(ONTOLOGY_DIR.glob("*.ttl")))


def _validate(data_graph: Graph) -> Graph:
    """Validate ``data_graph`` joined with the ontology against every shape; return the report."""
    data = Graph()
    data += data_graph
    data += _ontology()
    _conforms, report, _text = pyshacl.validate(data, shacl_graph=_shapes(), inference="none", allow_warnings=False)
    assert isinstance(report, Graph)
    return report


def _conforms(report: Graph) -> bool:
    values = set(report.objects(None, SH.conforms))
    assert len(values) == 1, f"a report has exactly one sh:conforms, got {values}"
    value = next(iter(values))
    assert isinstance(value, Literal)
    return bool(value.toPython())


def _results(report: Graph) -> list[dict[str, Node | None]]:
    return [
        {
            "shape": report.value(r, SH.sourceShape),
            "focus": report.value(r, SH.focusNode),
            "path": report.value(r, SH.resultPath),
            "value": report.value(r, SH.value),
            "message": report.value(r, SH.resultMessage),
        }
        for r in report.objects(None, SH.result)
    ]


def _describe(report: Graph) -> str:
    lines = [
        f"  {r['shape']} @ {r['focus']} (path {r['path']}, value {r['value']}): {r['message']}"
        for r in _results(report)
    ]
    return "\n".join(lines) or "  (no results)"


@cache
def _node_shapes() -> dict[str, URIRef]:
    """Local name -> IRI of every named node shape in shapes/."""
    return {
        str(s)[len(str(IPKGSH)) :]: s
        for s in _shapes().subjects(RDF.type, SH.NodeShape)
        if isinstance(s, URIRef) and str(s).startswith(str(IPKGSH))
    }


def _shape_named_by(stem: str) -> URIRef | None:
    """The node shape a fixture file is about: the longest shape name its stem starts with."""
    names = [n for n in _node_shapes() if stem.startswith(n + "-")]
    return _node_shapes()[max(names, key=len)] if names else None


def _shape_family(node_shape: URIRef) -> set[Node]:
    """The node shape and its property shapes: what sh:sourceShape may name for its rule."""
    return {node_shape, *_shapes().objects(node_shape, SH.property)}


def _focus_of(path: Path) -> URIRef:
    match = re.search(r"^# focus: <?([^\s<>]+)>?\s*$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{path.name} has no '# focus: <IRI>' line"
    return URIRef(match.group(1))


def _parse_fixture(path: Path, caplog: pytest.LogCaptureFixture) -> Graph:
    with caplog.at_level(logging.WARNING):
        graph = Graph().parse(path, format="turtle")
    complaints = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not complaints, f"{path.name} did not parse cleanly: {complaints}"
    return graph


# --------------------------------------------------------------------------- fixtures


def test_fixture_folders_are_not_empty() -> None:
    assert VALID_FIXTURES, f"no valid fixtures in {FIXTURES / 'valid'}"
    assert INVALID_FIXTURES, f"no invalid fixtures in {FIXTURES / 'invalid'}"


def test_every_node_shape_has_valid_and_invalid_fixtures() -> None:
    assert _node_shapes(), "no named node shapes found in shapes/"
    covered = {
        kind: {_shape_named_by(p.stem) for p in paths}
        for kind, paths in (("valid", VALID_FIXTURES), ("invalid", INVALID_FIXTURES))
    }
    missing = [
        f"{name}: no {kind} fixture"
        for name, shape in sorted(_node_shapes().items())
        for kind in ("valid", "invalid")
        if shape not in covered[kind]
    ]
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("path", VALID_FIXTURES + INVALID_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_names_a_node_shape(path: Path) -> None:
    assert _shape_named_by(path.stem), (
        f"{path.name} does not start with the local name of a node shape followed by '-<case>'"
    )


@pytest.mark.filterwarnings("error::UserWarning")
@pytest.mark.parametrize("path", VALID_FIXTURES, ids=lambda p: p.stem)
def test_valid_fixture_conforms(path: Path, caplog: pytest.LogCaptureFixture) -> None:
    report = _validate(_parse_fixture(path, caplog))
    assert _conforms(report), f"{path.name} should conform, but:\n{_describe(report)}"


@pytest.mark.filterwarnings("error::UserWarning")
@pytest.mark.parametrize("path", INVALID_FIXTURES, ids=lambda p: p.stem)
def test_invalid_fixture_breaks_its_shape(path: Path, caplog: pytest.LogCaptureFixture) -> None:
    first_line = path.read_text(encoding="utf-8").partition("\n")[0]
    assert first_line.startswith("# Invalid: ") and " because " in first_line, (
        f"{path.name} must begin with '# Invalid: <rule> because <reason>'"
    )
    node_shape = _shape_named_by(path.stem)
    assert node_shape is not None, f"{path.name} names no node shape"
    family = _shape_family(node_shape)
    focus = _focus_of(path)

    report = _validate(_parse_fixture(path, caplog))
    assert not _conforms(report), f"{path.name} should not conform"
    results = _results(report)
    assert any(r["shape"] in family and r["focus"] == focus for r in results), (
        f"{path.name}: no result from {node_shape} at {focus}; results:\n{_describe(report)}"
    )
    strays = [r for r in results if r["shape"] not in family]
    assert not strays, f"{path.name} also breaks other shapes:\n{_describe(report)}"


# --------------------------------------------------------------------------- shapes


def test_shapes_mirror_the_ontology_files() -> None:
    ontology_files = {p.name for p in ONTOLOGY_DIR.glob("*.ttl")} - {
        "ipkg.ttl",
        "align-vocabularies.ttl",
        "align-wikidata.ttl",
    }
    shape_files = {p.name for p in SHAPES_DIR.glob("*.ttl")}
    assert ontology_files <= shape_files, f"no shapes file for {sorted(ontology_files - shape_files)}"


@pytest.mark.parametrize("path", sorted(SHAPES_DIR.glob("*.ttl")), ids=lambda p: p.name)
def test_shapes_file_starts_with_a_comment(path: Path) -> None:
    assert path.read_text(encoding="utf-8").startswith("# "), f"{path.name} needs a '#' header comment"


def test_shapes_are_well_formed_shacl() -> None:
    # meta_shacl validates the shapes graph against the SHACL-for-SHACL shapes first.
    conforms, _report, text = pyshacl.validate(Graph(), shacl_graph=_shapes(), meta_shacl=True, inference="none")
    assert conforms, text


def test_every_constraint_has_a_name_and_an_english_message() -> None:
    shapes = _shapes()
    constraints = {c for c in shapes.objects(None, SH.property)} | {c for c in shapes.objects(None, SH.sparql)}
    constraints |= {s for s in _node_shapes().values() if any((s, p, None) in shapes for p in NODE_LEVEL_PARAMETERS)}
    assert constraints
    problems = []
    for c in sorted(constraints, key=str):
        if not isinstance(c, URIRef):
            problems.append(f"{c}: give the constraint an IRI so a report names it")
        names = list(shapes.objects(c, SH.name))
        messages = list(shapes.objects(c, SH.message))
        if not names:
            problems.append(f"{c}: no sh:name")
        if not messages:
            problems.append(f"{c}: no sh:message")
        if not any(isinstance(m, Literal) and m.language == "en" and str(m).strip() for m in messages):
            problems.append(f"{c}: no non-empty English (@en) sh:message")
    assert not problems, "\n".join(problems)


def test_every_node_shape_targets_a_class() -> None:
    untargeted = [name for name, s in _node_shapes().items() if (s, SH.targetClass, None) not in _shapes()]
    assert not untargeted, f"node shapes without sh:targetClass: {untargeted}"


def test_shapes_refer_only_to_ontology_terms() -> None:
    ipkgo = "https://w3id.org/ipkg/ontology#"
    defined = {s for s in _ontology().subjects() if str(s).startswith(ipkgo)}
    used = {t for t in _shapes().all_nodes() if isinstance(t, URIRef) and str(t).startswith(ipkgo)}
    # The SPARQL queries name terms in text; check those too.
    for query in _shapes().objects(None, SH.select):
        used |= {URIRef(ipkgo + local) for local in re.findall(r"ipkgo:(\w+)", str(query))}
    assert used - defined == set(), f"terms not in the ontology: {sorted(used - defined)}"


# --------------------------------------------------------------------------- W3C SHACL core suite

# Known pyshacl deviations from the suite; each is an xfail(strict=True), so a
# pyshacl upgrade that fixes one makes the test fail until the entry goes.
W3C_KNOWN_FAILURES = {
    "property/uniqueLang-002": (
        'pyshacl treats sh:uniqueLang "1"^^xsd:boolean as true; SHACL 1.0 activates the constraint '
        "only for the literal true, so the suite expects the data to conform"
    ),
}


@contextlib.contextmanager
def _quiet_ill_formed_literals() -> Iterator[None]:
    """Silence the complaints rdflib makes, on purpose, about the suite's ill-formed literals.

    Some tests hold literals such as "aldi"^^xsd:integer or "none"^^xsd:boolean; rdflib
    logs a warning (and, for booleans, issues a UserWarning) when it meets them. They are
    expected here, and only here.
    """
    term_logger = logging.getLogger("rdflib.term")
    level = term_logger.level
    term_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Parsing weird boolean", category=UserWarning)
            yield
    finally:
        term_logger.setLevel(level)


def _file_path(iri: Node | None) -> Path:
    assert isinstance(iri, URIRef), f"expected a file IRI, got {iri!r}"
    return Path(unquote(urlparse(str(iri)).path))


def _w3c_entries() -> list[tuple[str, Path, Path, bool]]:
    """(test id, data file, shapes file, expected conforms) of each test reached from core/manifest.ttl."""
    entries: list[tuple[str, Path, Path, bool]] = []
    seen: set[Path] = set()

    def walk(manifest: Path) -> None:
        if manifest in seen:
            return
        seen.add(manifest)
        graph = Graph().parse(manifest, format="turtle")
        for m in graph.subjects(RDF.type, MF.Manifest):
            for included in graph.objects(m, MF.include):
                walk(_file_path(included))
            for head in graph.objects(m, MF.entries):
                for entry in Collection(graph, head):
                    action = graph.value(entry, MF.action)
                    expected = graph.value(graph.value(entry, MF.result), SH.conforms)
                    assert isinstance(expected, Literal), f"{entry}: no sh:conforms in mf:result"
                    test_id = _file_path(entry).relative_to(W3C_CORE).as_posix()
                    entries.append(
                        (
                            test_id,
                            _file_path(graph.value(action, SHT.dataGraph)),
                            _file_path(graph.value(action, SHT.shapesGraph)),
                            bool(expected.toPython()),
                        )
                    )

    with _quiet_ill_formed_literals():
        walk(W3C_CORE / "manifest.ttl")
    return entries


def _w3c_params() -> list[Any]:
    params: list[Any] = []
    for entry in _w3c_entries():
        marks = []
        if entry[0] in W3C_KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(reason=W3C_KNOWN_FAILURES[entry[0]], strict=True))
        params.append(pytest.param(entry, marks=marks, id=entry[0]))
    return params


def test_w3c_core_suite_is_complete() -> None:
    ids = [e[0] for e in _w3c_entries()]
    assert len(ids) == len(set(ids)) == W3C_CORE_TEST_COUNT
    assert set(W3C_KNOWN_FAILURES) <= set(ids)


@pytest.mark.parametrize("entry", _w3c_params())
def test_w3c_core_partial_compliance(entry: tuple[str, Path, Path, bool]) -> None:
    _test_id, data_path, shapes_path, expected = entry
    with _quiet_ill_formed_literals():
        data = Graph().parse(data_path, format="turtle")
        shapes = Graph().parse(shapes_path, format="turtle")
        conforms, _report, text = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    assert conforms is expected, text
