"""The query page and the entity pages in a real browser: headless Chromium (Debian's) driven by Playwright.

A live waitress server on 127.0.0.1 (a free port) serves the small test
project (a second one, with a 2-second query time limit, serves the timeout and
cancel tests). The browser opens ``/``, runs queries with YASGUI and checks what
a person sees: permalinks and the remembered editor, the inference default and
its hints, examples without PREFIX boilerplate, the result views (values,
timeline, chart, graph), the running bar with its cancel button, errors inside
the results area, and an entity page's summary, timeline and disagreements.
Screenshots go to pytest's tmp folder.

Chromium comes from ``make browser`` (Debian's package, /usr/bin/chromium);
the test is skipped only outside CI when it is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ipkg.config import Settings
from ipkg.serve import create_app, ui
from tests.support import REPO, running

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Offline-friendly flags: no background connections to the (closed) network."""
TIMEOUT_MS = 30_000

pytestmark = [pytest.mark.browser, pytest.mark.live]


def _require_tools() -> None:
    """Skip outside CI when Chromium, Playwright or YASGUI is missing; in CI a missing tool fails."""
    in_ci = bool(os.environ.get("CI"))
    if not CHROMIUM.exists() and not in_ci:
        pytest.skip("Chromium is not installed at /usr/bin/chromium: run 'make browser'")
    yasgui = REPO / "node_modules" / ui.YASGUI_PACKAGE / "yasgui.min.js"
    if not yasgui.is_file() and not in_ci:
        pytest.skip("YASGUI is not installed in node_modules: run 'make install'")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if in_ci:
            raise
        pytest.skip("Playwright for Python is not installed: run 'make install'")


@pytest.fixture(scope="module")
def live_url(ui_app: Flask) -> Iterator[str]:
    """The app under waitress on 127.0.0.1 (a free port), ready when /health answers."""
    with running(ui_app, within=30, asyncore_use_poll=True) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium, launched by Playwright from Debian's binary."""
    _require_tools()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def slow_url(ui_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same project with a 2-second query time limit (its own state folder: stores do not share one)."""
    settings = ui_settings.replace(query_timeout=2.0, state_dir=tmp_path_factory.mktemp("slow-state"))
    with running(create_app(settings), within=60, asyncore_use_poll=True) as url:
        yield url


class Session:
    """One browser context and page, recording page errors and failed requests to the server."""

    def __init__(self, browser: Any, url: str) -> None:
        self.url = url
        self.context = browser.new_context(viewport={"width": 1360, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfailed", lambda request: self.failed.append(request.url))

    def open(self, path: str = "/") -> Any:
        self.page.goto(self.url + path, wait_until="load", timeout=TIMEOUT_MS)
        self.page.wait_for_selector(".yasqe .CodeMirror", timeout=TIMEOUT_MS)
        return self.page

    def editor(self) -> str:
        return str(self.page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getValue()"))

    def type_query(self, text: str) -> None:
        self.page.evaluate("(text) => document.querySelector('.CodeMirror').CodeMirror.setValue(text)", text)

    def run(self, *, wait_for: str = ".status.done") -> None:
        self.page.click(".yasqe .yasqe_queryButton")
        self.page.wait_for_selector(wait_for, timeout=TIMEOUT_MS)

    def close(self, *, cancelled: bool = False) -> None:
        self.context.close()
        assert not self.errors, self.errors
        # a cancelled request is a failed request, on purpose
        unexpected = [u for u in self.failed if u.startswith(self.url) and not (cancelled and u.endswith("/sparql"))]
        assert not unexpected, unexpected


@pytest.fixture
def session(browser: Any, live_url: str) -> Iterator[Session]:
    opened = Session(browser, live_url)
    yield opened
    opened.close()


def permalink_of(query: str, infer: bool) -> str:
    from urllib.parse import quote

    return "/#query=" + quote(query, safe="") + "&infer=" + ("true" if infer else "false")


# --------------------------------------------------------------------------- examples and links to entity pages


def test_run_an_example_question(session: Session, tmp_path: Path) -> None:
    page = session.open()
    endpoint = page.locator(".yasgui input.endpoint, .yasgui .autocomplete").first.input_value()
    assert endpoint == session.url + "/sparql"
    # Pick the second question: it needs the inferred graph (visitor ⊑ participant, inverse).
    page.click("a.example[data-slug='02-sandage-events']")
    loaded = session.editor()
    assert loaded.startswith("# question: Which events did John Sandage take part in")
    assert "PREFIX" not in loaded  # predeclared: the question is what one sees
    assert loaded.splitlines()[3].startswith("SELECT ?event ?label")
    assert page.locator(".parseErrorIcon").count() == 0  # the editor knows the predeclared prefixes
    assert page.is_checked("#infer")
    session.run()
    table = page.locator(".yasr .ipkg-values table")
    assert "Visit of John Sandage to Belarus" in table.inner_text()
    page.screenshot(path=str(tmp_path / "query-page.png"), full_page=True)

    # A result links to its page on this server (not to the w3id.org IRI).
    link = page.locator(".yasr a[href='/id/2018-01-29-sandage-visit-to-belarus']").first
    link.click()
    page.wait_for_load_state("load", timeout=TIMEOUT_MS)
    assert page.url == session.url + "/id/2018-01-29-sandage-visit-to-belarus"
    assert page.inner_text("h1") == "Visit of John Sandage to Belarus (29-30 January 2018)"


# --------------------------------------------------------------------------- permalinks, the remembered editor


def test_a_permalink_reopens_exactly_its_query_and_setting(session: Session) -> None:
    query = "# shared\nSELECT ?e WHERE { ipkg:john-sandage ipkgo:participatedIn ?e }\n"
    page = session.open(permalink_of(query, infer=False))
    assert session.editor() == query
    assert not page.is_checked("#infer")
    assert page.inner_text("#current") == ""  # no example is claimed
    # YASGUI's own share link (query, endpoint, arguments …) opens the same way
    share = page.evaluate("() => window.ipkgQueryPage.permalink()")
    assert share == session.url + permalink_of(query, infer=False)
    yasgui_link = (
        "/#query=SELECT%20%3Fs%20%7B%20%3Fs%20ipkgo%3ApartOf%2B%20ipkg%3Awipo%20%7D&endpoint="
        + session.url
        + "%2Fsparql&requestMethod=POST&tabTitle=Query&headers=%7B%7D&contentTypeConstruct=text%2Fturtle"
        "&contentTypeSelect=application%2Fsparql-results%2Bjson&infer=true&outputFormat=timeline"
    )
    page = session.open(yasgui_link)
    assert session.editor() == "SELECT ?s { ?s ipkgo:partOf+ ipkg:wipo }"
    assert page.is_checked("#infer")
    # the link YASGUI's share button makes, for a query with '+', '&', '=' and '#' in it
    tricky = "SELECT ?s { ?s ipkgo:partOf+ ipkg:wipo }  # a+b & c=d"
    session.type_query(tricky)
    page.uncheck("#infer")
    shared = page.evaluate(
        "() => Yasgui.linkUtils.createShareLink(location.href.split('#')[0], window.ipkgQueryPage.yasgui.getTab())"
    )
    assert "infer=false" in shared
    session.open("/?example=02-sandage-events")  # somewhere else first
    page.goto(shared, wait_until="load", timeout=TIMEOUT_MS)
    page.wait_for_selector(".yasqe .CodeMirror", timeout=TIMEOUT_MS)
    assert session.editor() == tricky
    assert not page.is_checked("#infer")


def test_query_parameter_and_reload_keep_the_editor(session: Session) -> None:
    page = session.open("/?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D&infer=false")
    assert session.editor() == "ASK { ?s ?p ?o }"
    assert not page.is_checked("#infer")
    session.type_query("SELECT ?x WHERE { ?x a ipkgo:Person }  # edited")
    page.check("#infer")
    page.wait_for_function("() => location.hash.includes('edited')", timeout=TIMEOUT_MS)
    page.reload(wait_until="load")
    page.wait_for_selector(".yasqe .CodeMirror", timeout=TIMEOUT_MS)
    assert session.editor() == "SELECT ?x WHERE { ?x a ipkgo:Person }  # edited"
    assert page.is_checked("#infer")
    # opening the bare page again: the editor as it was left (kept in this browser), not the starter query
    session.open("/")
    assert session.editor() == "SELECT ?x WHERE { ?x a ipkgo:Person }  # edited"


# --------------------------------------------------------------------------- inference: default and hints


def test_inference_is_on_by_default_and_a_hint_says_when_a_query_needs_it(session: Session) -> None:
    page = session.open()
    assert page.is_checked("#infer")  # as the API: infer=true
    assert session.editor() == ui.DEFAULT_QUERY
    page.uncheck("#infer")
    session.type_query("SELECT ?e WHERE { ipkg:john-sandage ipkgo:participatedIn ?e }")
    session.run()
    assert "0 rows" in page.inner_text("#status")
    hint = page.locator(".hint.inference")
    hint.wait_for(timeout=TIMEOUT_MS)
    assert "No rows without the inferred triples, but 2 rows with them" in hint.inner_text()
    assert "ipkgo:participatedIn is only in the inferred graph" in page.inner_text(".hint.warning")
    hint.locator("button").click()
    page.wait_for_selector(".status.done", timeout=TIMEOUT_MS)
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('2 rows')")
    assert page.is_checked("#infer")
    assert "ipkg:2018-01-29-sandage-visit-to-belarus" in page.inner_text(".yasr .ipkg-values")


def test_a_misspelt_term_is_flagged(session: Session) -> None:
    page = session.open()
    session.type_query("SELECT ?s WHERE { ?s a ipkgo:Stat }")
    session.run()
    warning = page.locator(".hint.warning")
    warning.wait_for(timeout=TIMEOUT_MS)
    assert "ipkgo:Stat is not a term of ipkg's ontology" in warning.inner_text()
    assert "did you mean ipkgo:State?" in warning.inner_text()


# --------------------------------------------------------------------------- result views


def test_values_timeline_chart_and_graph(session: Session, tmp_path: Path) -> None:
    page = session.open()
    session.type_query(
        "SELECT ?event ?label ?date WHERE { ?event ipkgo:participant|ipkgo:location ipkg:belarus ; rdfs:label ?label ;"
        " ipkgo:date|ipkgo:startDate ?date } ORDER BY ?date"
    )
    session.run()
    values = page.locator(".yasr .ipkg-values")
    text = values.inner_text()
    assert "2019-05-14" in text and '"2019-05-14"' not in text and "^^" not in text  # values, not RDF syntax
    assert "Meeting of WIPO and Belarus (May 2019)" in text and '"Meeting' not in text
    cell = values.locator("span.literal", has_text="2019-05-14").first
    assert cell.get_attribute("title") == '"2019-05-14"^^xsd:date'  # the RDF term is one hover away
    assert values.locator("a[href='/id/2019-05-wipo-belarus-meeting']").count() == 1

    page.click(".yasr .select_timeline")
    timeline = page.locator(".yasr .ipkg-timeline")
    timeline.wait_for(timeout=TIMEOUT_MS)
    assert timeline.locator("svg.ipkg-axis circle").count() == 2
    years = timeline.locator("li.year").all_inner_texts()
    assert years == ["2018", "2019"]
    assert timeline.locator("time").all_inner_texts() == ["2018-01-29", "2019-05-14"]
    page.screenshot(path=str(tmp_path / "timeline.png"), full_page=True)

    session.type_query("SELECT ?type (COUNT(?x) AS ?n) WHERE { ?x a ?type } GROUP BY ?type ORDER BY DESC(?n) LIMIT 5")
    session.run()
    page.click(".yasr .select_chart")
    chart = page.locator(".yasr .ipkg-chart")
    chart.wait_for(timeout=TIMEOUT_MS)
    assert chart.locator("li").count() == 5
    widths = chart.locator(".bar").evaluate_all("bars => bars.map(b => parseFloat(b.style.width))")
    assert widths[0] == 100 and widths == sorted(widths, reverse=True)

    session.type_query("CONSTRUCT WHERE { ipkg:2018-01-29-sandage-visit-to-belarus ?p ?o }")
    session.run()
    graph = page.locator(".yasr .ipkg-graph")
    graph.wait_for(timeout=TIMEOUT_MS)  # a graph result opens in the graph view
    assert graph.locator("g.node").count() >= 4
    assert graph.locator("a.node-link.local[href='/id/john-sandage']").count() == 1
    titles = graph.locator("line.edge title").all_text_contents()
    assert any("ipkgo:visitor" in t for t in titles), titles  # every property of a link, in its tooltip
    assert any("ipkgo:" in t for t in graph.locator("text.edge-label").all_text_contents())
    page.screenshot(path=str(tmp_path / "graph.png"), full_page=True)
    assert page.locator(".yasr .select_graph.selected").count() == 1
    session.type_query("ASK { ipkg:belarus a ipkgo:State }")
    session.run()
    assert page.locator(".yasr .ipkg-boolean.yes").count() == 1


# --------------------------------------------------------------------------- running, cancelling, errors


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
"""A cross product of the whole graph with itself, twice: never finishes within the limit."""


def test_a_running_query_shows_time_and_can_be_cancelled(browser: Any, slow_url: str) -> None:
    session = Session(browser, slow_url)
    page = session.open()
    session.type_query(SLOW)
    page.click(".yasqe .yasqe_queryButton")
    status = page.locator("#status.running")
    status.wait_for(timeout=TIMEOUT_MS)
    assert status.locator(".spinner").is_visible()
    page.wait_for_function("() => /Running… (0\\.[3-9]|[1-9])/.test(document.querySelector('#status').textContent)")
    status.locator("button.cancel").click()
    page.wait_for_selector("#status.cancelled", timeout=TIMEOUT_MS)
    assert "cancelled after" in page.inner_text("#status")
    session.close(cancelled=True)


def test_a_timeout_is_shown_inside_the_results_with_its_setting(browser: Any, slow_url: str, tmp_path: Path) -> None:
    session = Session(browser, slow_url)
    page = session.open()
    session.type_query(SLOW)
    session.run(wait_for="#status.failed")
    assert "HTTP 503" in page.inner_text("#status")
    box = page.locator(".yasr .ipkg-error")
    box.wait_for(timeout=TIMEOUT_MS)
    text = box.inner_text()
    assert "ran past the time limit" in text and "query stopped after 2 s" in text
    assert "query_timeout" in text and "2 s" in text and "timeout=SECONDS" in text
    inside = page.evaluate(
        """() => { const r = document.querySelector('.yasr').getBoundingClientRect();
                   return [...document.querySelectorAll('.yasr .ipkg-error, .yasr .ipkg-error *')]
                     .every(e => { const b = e.getBoundingClientRect(); return b.right <= r.right + 1; }); }"""
    )
    assert inside, "the error overflows the results area"
    page.screenshot(path=str(tmp_path / "timeout.png"), full_page=True)
    session.close()


def test_a_syntax_error_names_the_line_and_marks_it(session: Session) -> None:
    page = session.open()
    session.type_query("SELECT ?t WHERE {\n  ?t ?p ?o FILTER(?o = 1\n}\n")
    session.run(wait_for="#status.failed")
    box = page.locator(".yasr .ipkg-error")
    box.wait_for(timeout=TIMEOUT_MS)
    assert "'}' cannot close the '(' opened at line 2, column 18" in box.inner_text()
    assert "Line 3, column 1 is marked in the editor" in box.inner_text()
    assert page.locator(".CodeMirror .ipkg-error-line").count() == 1


# --------------------------------------------------------------------------- entity pages


def test_an_entity_page_leads_with_a_summary_and_its_timeline(session: Session, tmp_path: Path) -> None:
    page = session.page
    page.goto(session.url + "/id/belarus", wait_until="load", timeout=TIMEOUT_MS)
    summary = page.locator("#summary")
    assert "Belarus is a state" in summary.inner_text()
    assert summary.locator("a.wikidata[href='https://www.wikidata.org/wiki/Q184']").count() == 1
    top = page.evaluate("() => document.querySelector('#timeline').getBoundingClientRect().top")
    assert top < 900, f"the timeline starts at y = {top}"
    assert page.locator("svg.axis circle").count() >= 2
    height = page.evaluate("() => document.body.scrollHeight")
    assert height < 4000, height
    entity_shot = tmp_path / "entity-page.png"
    page.screenshot(path=str(entity_shot), full_page=True)
    # "Query this entity" opens the query page with a permalink to a query about it
    summary.locator("a.query-link").click()
    page.wait_for_selector(".yasqe .CodeMirror", timeout=TIMEOUT_MS)
    assert "ipkg:belarus ?property ?value" in session.editor()
    assert page.is_checked("#infer")


def test_an_entity_page_shows_where_sources_disagree(session: Session) -> None:
    page = session.page
    page.goto(session.url + "/id/wipo", wait_until="load", timeout=TIMEOUT_MS)
    page.click("a.dispute-link")
    claims = page.locator("section.claims.disputed")
    assert claims.count() == 1
    ranks = claims.locator("span.rank").all_inner_texts()
    assert ranks == ["preferred", "normal", "deprecated"]
    deprecated = claims.locator("tr.rank-deprecated td.v")
    assert deprecated.evaluate("cell => getComputedStyle(cell).textDecorationLine") == "line-through"
