"""The W3C SPARQL 1.1 query-evaluation tests, run through ipkg's query path on both embedded backends.

Every test runs once per backend, over a dataset holding ``qt:data`` as its
default graph and each ``qt:graphData`` as a named graph called by its file's
IRI; FROM / FROM NAMED in the query replace that dataset (SPARQL 1.1 §13.2):

- ``memory``: ``MemoryStore.query`` (ipkg's ``prepare_query``, the
  SERVICE/LOAD guard, FROM / FROM NAMED as dataset views, the deadline and row
  limit, then rdflib's evaluation).
- ``oxigraph``: the query is prepared by ipkg as for the endpoint, then sent
  as a ``QueryJob`` to a query worker (``WorkerPool``) that evaluates it on a
  read-only checkpoint with Oxigraph's engine and writes it with Oxigraph's
  serialisers; the reply is read back into an rdflib result as
  ``OxigraphStore.query`` reads it. Starting a store per test would start a
  worker pool per test, so one checkpoint holds every data file of the suite,
  each in a named graph called by its file's IRI (loaded as the served store
  is: parsed by rdflib, converted term by term), and each job names its test's
  graphs as ``default_graphs`` / ``named_graphs``, the way ``OxigraphStore``
  builds a job for an explicit dataset. ipkg's predeclared prefixes are sent
  as the served store sends them: every W3C query declares its own, which take
  precedence, and none of the negative syntax tests hinges on an undeclared
  prefix.

Results are compared as the suite says: SELECT as multisets of solutions up to
blank-node relabelling, terms compared exactly (RDF 1.1: ``"a"`` and
``"a"^^xsd:string`` are one term); ASK by its boolean; CONSTRUCT by graph
isomorphism. ``mf:NegativeSyntaxTest11``: the backend answers with
``QuerySyntaxError`` (ipkg's parser on both, then Oxigraph's own on the
Oxigraph path).

The ``csv-tsv-res`` and ``json-res`` tests (the three
``mf:CSVResultFormatTest`` among them) run once more through the endpoint
(Flask test client, ``Accept`` text/csv, text/tab-separated-values,
application/sparql-results+json), checking the result writers each backend
serves with (ipkg's own for memory; Oxigraph's, with ipkg's fixes, for
Oxigraph over a real ``OxigraphStore``): the body is parsed back and compared
with the expected file.

What a backend gets wrong is listed once, in its table of ``KNOWN_FAILURES``,
each with its reason; those tests are strict xfails, so a fix shows up as a
failure to clean up.
"""

from __future__ import annotations

import io
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD
from rdflib.query import Result
from rdflib.term import Node, Variable

from ipkg.build import KnowledgeGraph
from ipkg.build.validate import Report
from ipkg.config import Settings
from ipkg.errors import QuerySyntaxError
from ipkg.serve import create_app
from ipkg.sparql import engine
from ipkg.sparql.deadline import DeadlineMemory
from ipkg.sparql.prepare import PreparedQuery, prepare_query
from ipkg.store.base import Store
from ipkg.store.memory import MemoryStore
from ipkg.store.oxigraph import OxigraphStore, query_job, result_from_reply
from ipkg.store.workers import QueryJob, WorkerPool
from ipkg.terms import quad_to_ox
from tests.support import SPARQL11_SUITE

SPARQL11 = SPARQL11_SUITE

pytestmark = pytest.mark.filterwarnings(
    # rdflib's own internals (query evaluation over a Dataset) use its deprecated Dataset API.
    "ignore::DeprecationWarning:rdflib"
)

DIRECTORIES = (
    "aggregates",
    "bind",
    "bindings",
    "construct",
    "csv-tsv-res",
    "exists",
    "functions",
    "grouping",
    "json-res",
    "negation",
    "project-expression",
    "property-path",
    "subquery",
)
SERIALIZER_DIRECTORIES = ("csv-tsv-res", "json-res")

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")

PARSERS = {".ttl": "turtle", ".rdf": "xml", ".nt": "nt"}
RESULT_PARSERS = {".srx": "xml", ".srj": "json", ".tsv": "tsv", ".csv": "csv"}

_DECIMAL = (
    'rdflib writes a computed xsd:decimal without its canonical fraction (2 as "2", 0 as "0"); '
    'the suite compares terms, not values, and expects "2.0"'
)
_NEGATED_INVERSE = "rdflib cannot evaluate an inverse in a negated property set (!^p): 'Invalid path in NegatedPath'"
_UNGROUPED = (
    "rdflib does not check that an aggregate query projects only grouped variables and aggregates "
    "(SPARQL 1.1 §11.4), so the query parses"
)

MEMORY_FAILURES: dict[str, str] = {
    "aggregates/agg-avg-02": _DECIMAL,
    "aggregates/agg-err-02": _DECIMAL,
    "functions/coalesce01": _DECIMAL,
    "aggregates/agg-err-01": (
        "rdflib's AVG skips a blank node among the values instead of making the aggregate an error for that "
        "group (?avg must be unbound for :y)"
    ),
    "aggregates/agg-group-fn": (
        "rdflib's xsd:integer() cast fails on xsd:decimal and xsd:double values (it reads the lexical form "
        "as an integer), so those solutions fall into the unbound group"
    ),
    "functions/strdt01": "rdflib's STRDT accepts a language-tagged literal; SPARQL 1.1 §17.4.2.10 makes it an error",
    "functions/strdt03-rdf11": (
        "rdflib's STRDT accepts any literal (numbers, dates, language-tagged), where only simple literals "
        "and xsd:string are allowed; those rows must leave ?str1 unbound"
    ),
    "functions/strlang03-rdf11": (
        'rdflib\'s STRLANG refuses "abc"^^xsd:string, which RDF 1.1 makes the same term as the simple literal'
    ),
    "functions/concat-empty": 'rdflib cannot evaluate CONCAT() without arguments (expected one solution with "")',
    "functions/bnode01": (
        "rdflib's BNODE(?s) returns the same blank node for the same string in every solution; "
        "SPARQL 1.1 §17.4.2.9 scopes it to one solution"
    ),
    "functions/coalesce-empty": (
        "rdflib's COALESCE() without arguments binds a Python string instead of raising an error (?err unbound)"
    ),
    "project-expression/projexp03": (
        "rdflib types the product of two xsd:integer values as xsd:decimal (SPARQL 1.1 §17.3: it is an integer)"
    ),
    "property-path/pp37": "rdflib returns :A0 twice for the nested path ((:P)*)*; the path yields each node once",
    "property-path/values_and_path": (
        "rdflib's zero-length path (p?) matches the literal 1 from VALUES, which is not a term of the graph"
    ),
    "property-path/nps_inverse": _NEGATED_INVERSE,
    "property-path/nps_direct_and_inverse": _NEGATED_INVERSE,
    "property-path/nps_a_inverse": _NEGATED_INVERSE,
    "subquery/subquery13": (
        "rdflib joins the outer pattern and the sub-select on ?L although the sub-select does not project it "
        "(variable scope), losing 4 of the 16 solutions"
    ),
    "aggregates/agg08": _UNGROUPED,
    "aggregates/agg09": _UNGROUPED,
    "aggregates/agg10": _UNGROUPED,
    "aggregates/agg11": _UNGROUPED,
    "aggregates/agg12": _UNGROUPED,
    "grouping/group06": _UNGROUPED,
    "grouping/group07": _UNGROUPED,
    "csv-tsv-res/csv03": (
        'rdflib rewrites the lexical form of xsd:double literals when it parses the data ("1.0E6" becomes '
        '"1000000.0"), and CSV keeps only the lexical form'
    ),
}
"""Test id (``<dir>/<name>``) → why rdflib (and so ipkg's memory backend) fails it."""

_CANONICAL_DECIMAL = (
    "Oxigraph keeps numbers by value and writes an xsd:decimal in its XSD 1.1 canonical form, without a "
    'fraction for a whole number (2 as "2", "1.0" of the data as "1"); the suite compares terms and expects "2.0"'
)
_ZERO_LENGTH_PATH = (
    "Oxigraph's zero-length path (p* or p?) from or to an IRI that is not in the data gives no solution; "
    "SPARQL 1.1 §9.3 binds the variable to that IRI (the suite's data is empty)"
)
_LANGUAGE_KEPT = (
    'Oxigraph\'s GROUP_CONCAT keeps the language tag its values share ("1 2"@en), where the suite expects a '
    'simple literal, so FILTER(?g = "1 2") is false'
)
_DERIVED_INTEGER = (
    'Oxigraph keeps the types derived from xsd:integer as xsd:integer: "-3"^^xsd:negativeInteger of the data '
    'comes back as "-3"^^xsd:integer'
)

OXIGRAPH_FAILURES: dict[str, str] = {
    "aggregates/agg-avg-02": _CANONICAL_DECIMAL,
    "aggregates/agg-err-02": _CANONICAL_DECIMAL,
    "aggregates/agg-min-01": _CANONICAL_DECIMAL,
    "aggregates/agg-min-02": _CANONICAL_DECIMAL,
    "aggregates/agg-min-distinct": _CANONICAL_DECIMAL,
    "functions/coalesce01": _CANONICAL_DECIMAL,
    "functions/plus-1-corrected": _CANONICAL_DECIMAL,
    "functions/plus-2-corrected": _CANONICAL_DECIMAL,
    "aggregates/agg-groupconcat-04": _LANGUAGE_KEPT,
    "aggregates/agg-groupconcat-06": _LANGUAGE_KEPT,
    "aggregates/agg-empty-group-count-graph": (
        "Oxigraph evaluates a sub-select inside GRAPH ?g once, without binding ?g, instead of once per named "
        "graph (the graph without a match must count 0)"
    ),
    "bindings/graph": (
        "Oxigraph does not join VALUES inside GRAPH ?g with the named graphs: the row with ?g UNDEF keeps ?g "
        "unbound instead of taking each graph's name"
    ),
    "negation/graph-minus": (
        "Oxigraph's MINUS inside GRAPH ?g removes the solution although the MINUS pattern shares no variable "
        "with it (SPARQL 1.1 §8.3: disjoint domains remove nothing)"
    ),
    "functions/bnode01": (
        "Oxigraph's BNODE(?s) returns the same blank node for the same string in every solution; "
        "SPARQL 1.1 §17.4.2.9 scopes it to one solution"
    ),
    "property-path/zero_or_more_set_start": _ZERO_LENGTH_PATH,
    "property-path/zero_or_more_set_end": _ZERO_LENGTH_PATH,
    "property-path/zero_or_one_set_start": _ZERO_LENGTH_PATH,
    "property-path/zero_or_one_set_end": _ZERO_LENGTH_PATH,
    "csv-tsv-res/tsv03": _DERIVED_INTEGER,
    "csv-tsv-res/csv03": (
        'Oxigraph keeps an xsd:double by value and writes it in its own form ("1.0E6" of the data as "1000000"; '
        'rdflib\'s parse of the data had already made it "1000000.0"), and CSV keeps only the lexical form'
    ),
}
"""Test id → why the Oxigraph backend (Oxigraph's engine, or ipkg around it) fails it."""

KNOWN_FAILURES: dict[str, dict[str, str]] = {"memory": MEMORY_FAILURES, "oxigraph": OXIGRAPH_FAILURES}
"""Backend → its known failures. Each is a strict xfail."""

QUERY_TIMEOUT = 20.0
"""Seconds one test's query may take (the slowest takes well under one)."""


@dataclass(frozen=True)
class QueryTest:
    """One entry of a query-evaluation manifest."""

    id: str
    kind: str
    query: Path
    data: tuple[Path, ...] = ()
    graph_data: tuple[Path, ...] = ()
    result: Path | None = None


def _path(iri: Node) -> Path:
    return Path(urllib.parse.unquote(urllib.parse.urlparse(str(iri)).path))


@cache
def query_tests() -> tuple[QueryTest, ...]:
    """Every entry of the 13 query manifests, in manifest order."""
    tests = []
    for directory in DIRECTORIES:
        graph = Graph().parse(SPARQL11 / directory / "manifest.ttl", format="turtle")
        (manifest,) = graph.subjects(RDF.type, MF.Manifest)
        for entry in Collection(graph, graph.value(manifest, MF.entries)):
            kind = str(graph.value(entry, RDF.type)).rsplit("#", 1)[1]
            name = f"{directory}/{str(entry).rsplit('#', 1)[1]}"
            action = graph.value(entry, MF.action)
            if kind == "NegativeSyntaxTest11":
                tests.append(QueryTest(name, kind, _path(action)))
                continue
            result = graph.value(entry, MF.result)
            tests.append(
                QueryTest(
                    id=name,
                    kind=kind,
                    query=_path(graph.value(action, QT.query)),
                    data=tuple(sorted(_path(d) for d in graph.objects(action, QT.data))),
                    graph_data=tuple(sorted(_path(d) for d in graph.objects(action, QT.graphData))),
                    result=None if result is None else _path(result),
                )
            )
    return tuple(tests)


def _params(kinds: tuple[str, ...], directories: tuple[str, ...] = DIRECTORIES) -> list[pytest.ParameterSet]:
    """(backend, test) for every test of these kinds, the backend's known failures marked as strict xfails."""
    return [
        pytest.param(
            backend,
            t,
            id=f"{backend}-{t.id}",
            marks=[pytest.mark.xfail(strict=True, reason=failures[t.id])] if t.id in failures else [],
        )
        for backend, failures in KNOWN_FAILURES.items()
        for t in query_tests()
        if t.kind in kinds and t.id.split("/")[0] in directories
    ]


# --------------------------------------------------------------------------- the memory backend


def _parse(file: Path, graph: Graph) -> None:
    graph.parse(file, format=PARSERS[file.suffix])


def store_for(test: QueryTest) -> MemoryStore:
    """A MemoryStore over the test's dataset: ``qt:data`` merged as default graph, ``qt:graphData`` named.

    The engine is installed as the server installs it (``open_store``), so the suite judges what is served.
    """
    engine.install()
    dataset = Dataset(store=DeadlineMemory(), default_union=False)
    for file in test.data:
        _parse(file, dataset.default_graph)
    for file in test.graph_data:
        _parse(file, dataset.graph(URIRef(file.as_uri())))
    kg = KnowledgeGraph(dataset=dataset, shapes=Graph(), report=Report(True, (), Graph()))
    return MemoryStore(kg)


def evaluate_in_memory(test: QueryTest) -> Result:
    """The query of ``test`` through ipkg's in-memory store, with the query file's IRI as base."""
    text = test.query.read_text(encoding="utf-8")
    return store_for(test).query(text, base=test.query.as_uri(), timeout=QUERY_TIMEOUT)


# --------------------------------------------------------------------------- the Oxigraph backend


def _quads(file: Path) -> Iterator[ox.Quad]:
    graph = Graph()
    _parse(file, graph)
    iri = URIRef(file.as_uri())
    return (quad_to_ox(s, p, o, iri) for s, p, o in graph)


def make_checkpoint(files: list[Path], directory: Path) -> Path:
    """An Oxigraph checkpoint of ``files``, each in a named graph called by its file's IRI.

    The files are parsed by rdflib and converted term by term, as the served store is loaded
    from ipkg's build, so the suite judges what is served. Workers read checkpoints (a backup
    of the store), never the live store a writer holds open.
    """
    store = ox.Store(str(directory / "store"))
    store.bulk_extend(quad for file in files for quad in _quads(file))  # one bulk load: each costs a flush
    store.flush()
    checkpoint = directory / "checkpoint"
    store.backup(str(checkpoint))
    return checkpoint


@dataclass(frozen=True)
class OxigraphSuite:
    """The data files of every test in one checkpoint, and the query workers that read it.

    A worker keeps the checkpoint it opened while the jobs name the same one, so one checkpoint
    for all tests is opened once; each job picks its test's graphs from it.
    """

    pool: WorkerPool
    checkpoint: Path

    def job(self, test: QueryTest, prepared: PreparedQuery) -> QueryJob:
        """The job ``OxigraphStore`` sends for an explicit dataset: the test's graphs, or the query's own.

        FROM / FROM NAMED replace the test's dataset (SPARQL 1.1 §13.2), as they replace the store's.
        """
        if prepared.default_graphs or prepared.named_graphs:
            default, named = prepared.default_graphs, prepared.named_graphs
        else:
            default = tuple(file.as_uri() for file in test.data)
            named = tuple(file.as_uri() for file in test.graph_data)
        return query_job(prepared, self.checkpoint, default, named, base=test.query.as_uri(), fmt="json", max_rows=None)

    def evaluate(self, test: QueryTest) -> Result:
        """The query of ``test`` prepared by ipkg, run by a worker, read back as ``OxigraphStore.query`` does."""
        prepared = prepare_query(test.query.read_text(encoding="utf-8"), test.query.as_uri())
        return result_from_reply(self.pool.run(self.job(test, prepared), QUERY_TIMEOUT), prepared)


@pytest.fixture(scope="module")
def oxigraph_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphSuite]:
    """Made by the first Oxigraph test; one worker is enough, the tests run one at a time."""
    files = sorted({file for test in query_tests() for file in (*test.data, *test.graph_data)})
    checkpoint = make_checkpoint(files, tmp_path_factory.mktemp("oxigraph-suite"))
    pool = WorkerPool(size=1, memory_limit=None)
    try:
        yield OxigraphSuite(pool, checkpoint)
    finally:
        pool.close()


@pytest.fixture(scope="module")
def oxigraph_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[QueryTest], OxigraphStore]]:
    """Served Oxigraph stores for the endpoint tests, one per set of data files (each starts its own worker)."""
    stores: dict[tuple[Path, ...], OxigraphStore] = {}

    def store_for_data(test: QueryTest) -> OxigraphStore:
        # The served default graph is the union of the store's graphs: right for ``qt:data`` alone.
        assert not test.graph_data, test.id
        if test.data not in stores:
            dataset = Dataset()
            for file in test.data:
                _parse(file, dataset.graph(URIRef(file.as_uri())))
            kg = KnowledgeGraph(dataset=dataset, shapes=Graph(), report=Report(True, (), Graph()))
            directory = tmp_path_factory.mktemp("oxigraph-store") / "oxigraph"
            stores[test.data] = OxigraphStore(
                directory, key="suite", build=lambda: kg, shapes=Graph, journal=None, workers=1
            )
        return stores[test.data]

    try:
        yield store_for_data
    finally:
        for store in stores.values():
            store.close()


# --------------------------------------------------------------------------- the backend of a test

Evaluate = Callable[[QueryTest], Result]


@pytest.fixture
def evaluate(backend: str, request: pytest.FixtureRequest) -> Evaluate:
    """How the test's backend evaluates a test's query (Oxigraph's workers start with the first test needing them)."""
    if backend == "memory":
        return evaluate_in_memory
    suite: OxigraphSuite = request.getfixturevalue("oxigraph_suite")
    return suite.evaluate


@pytest.fixture
def served_store(backend: str, test: QueryTest, request: pytest.FixtureRequest) -> Store:
    """The store the endpoint serves the test's dataset from, on the test's backend."""
    if backend == "memory":
        return store_for(test)
    stores: Callable[[QueryTest], OxigraphStore] = request.getfixturevalue("oxigraph_stores")
    return stores(test)


# --------------------------------------------------------------------------- expected results


def expected_result(test: QueryTest) -> Result | Graph:
    """The expected result: a result set (SELECT/ASK) or a graph (CONSTRUCT)."""
    assert test.result is not None
    suffix = test.result.suffix
    if suffix in RESULT_PARSERS:
        with test.result.open("rb") as handle:
            return Result.parse(handle, format=RESULT_PARSERS[suffix])
    graph = Graph().parse(test.result, format="turtle")
    result_set = next(iter(graph.subjects(RDF.type, RS.ResultSet)), None)
    if result_set is None:
        return graph
    parsed = Result("SELECT")
    parsed.vars = [Variable(str(v)) for v in graph.objects(result_set, RS.resultVariable)]
    parsed.bindings = [
        {Variable(str(graph.value(b, RS.variable))): graph.value(b, RS.value) for b in graph.objects(s, RS.binding)}
        for s in graph.objects(result_set, RS.solution)
    ]
    return parsed


def _term(term: Node) -> Node:
    """RDF 1.1: a simple literal and the same string typed xsd:string are one term."""
    if isinstance(term, Literal) and term.datatype == XSD.string and term.language is None:
        return Literal(str(term))
    return term


def rows(result: Result) -> list[dict[Variable, Node]]:
    """The solutions of a SELECT result as dicts without unbound variables."""
    return [{Variable(str(k)): _term(v) for k, v in row.items() if v is not None} for row in result.bindings]


def same_solutions(expected: list[dict[Variable, Node]], actual: list[dict[Variable, Node]]) -> bool:
    """Multiset equality of solutions up to a consistent one-to-one renaming of blank nodes."""
    if len(expected) != len(actual):
        return False
    has_bnode = any(isinstance(t, BNode) for row in (*expected, *actual) for t in row.values())
    if not has_bnode:
        return Counter(frozenset(r.items()) for r in expected) == Counter(frozenset(r.items()) for r in actual)
    order = sorted(range(len(expected)), key=lambda i: sum(isinstance(t, BNode) for t in expected[i].values()))

    def extend(
        mapping: dict[Node, Node],
        row: Mapping[Variable, Node],
        candidate: Mapping[Variable, Node],
    ) -> dict[Node, Node] | None:
        if row.keys() != candidate.keys():
            return None
        new = dict(mapping)
        used = {v: k for k, v in new.items()}
        for var, term in row.items():
            other = candidate[var]
            if isinstance(term, BNode) and isinstance(other, BNode):
                if new.get(term, other) != other or used.get(other, term) != term:
                    return None
                new[term] = other
                used[other] = term
            elif term != other:
                return None
        return new

    def search(position: int, free: frozenset[int], mapping: dict[Node, Node]) -> bool:
        if position == len(order):
            return True
        row = expected[order[position]]
        for j in free:
            extended = extend(mapping, row, actual[j])
            if extended is not None and search(position + 1, free - {j}, extended):
                return True
        return False

    return search(0, frozenset(range(len(actual))), {})


def assert_same(expected: Result | Graph, actual: Result) -> None:
    """The suite's comparison: booleans, solution multisets with blank-node mapping, or isomorphism."""
    if isinstance(expected, Graph):
        assert actual.graph is not None, f"expected a graph, got a {actual.type} result"
        assert isomorphic(actual.graph, expected), actual.graph.serialize(format="nt")
    elif expected.type == "ASK":
        assert actual.type == "ASK"
        assert actual.askAnswer is expected.askAnswer
    else:
        assert actual.type == "SELECT", actual.type
        want, got = rows(expected), rows(actual)
        assert same_solutions(want, got), f"\nexpected {want}\n     got {got}"


# --------------------------------------------------------------------------- the tests


def test_manifests_hold_the_documented_entries() -> None:
    kinds = Counter(t.kind for t in query_tests())
    assert kinds == {"QueryEvaluationTest": 226, "NegativeSyntaxTest11": 9, "CSVResultFormatTest": 3}
    for failures in KNOWN_FAILURES.values():
        assert set(failures) <= {t.id for t in query_tests()}


@pytest.mark.parametrize(("backend", "test"), _params(("QueryEvaluationTest",)))
def test_query_evaluation(test: QueryTest, evaluate: Evaluate) -> None:
    assert_same(expected_result(test), evaluate(test))


@pytest.mark.parametrize(("backend", "test"), _params(("NegativeSyntaxTest11",)))
def test_negative_syntax(test: QueryTest, evaluate: Evaluate) -> None:
    with pytest.raises(QuerySyntaxError):
        evaluate(test)


SERIALIZATIONS = {
    ".csv": ("text/csv", "csv"),
    ".tsv": ("text/tab-separated-values", "tsv"),
    ".srj": ("application/sparql-results+json", "json"),
}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for apps built over a given store (nothing is read from the root)."""
    return Settings(root=tmp_path_factory.mktemp("query-suite"), state_dir=None, update_token=None)


@pytest.mark.parametrize(
    ("backend", "test"), _params(("QueryEvaluationTest", "CSVResultFormatTest"), SERIALIZER_DIRECTORIES)
)
def test_result_serialization_through_the_endpoint(test: QueryTest, served_store: Store, settings: Settings) -> None:
    assert test.result is not None
    media, rdflib_format = SERIALIZATIONS[test.result.suffix]
    client = create_app(settings, served_store).test_client()
    response = client.post(
        "/sparql", data=test.query.read_bytes(), headers={"Content-Type": "application/sparql-query", "Accept": media}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == media
    ours = Result.parse(io.BytesIO(response.get_data()), format=rdflib_format)
    expected = expected_result(test)
    assert isinstance(expected, Result)
    if expected.type == "ASK":
        assert ours.type == "ASK"
        assert ours.askAnswer is expected.askAnswer
        return
    assert {str(v) for v in ours.vars or []} == {str(v) for v in expected.vars or []}
    assert same_solutions(rows(expected), rows(ours)), response.get_data(as_text=True)
    if rdflib_format == "csv":  # CSV also fixes CRLF line ends and a header of bare names (CSV/TSV §2)
        body = response.get_data(as_text=True)
        assert body.endswith("\r\n")
        assert "\n" not in body.replace("\r\n", "")
