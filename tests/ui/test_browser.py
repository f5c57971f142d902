"""The query page in a real browser: headless Chromium (Debian's) driven by Playwright.

A live waitress server on 127.0.0.1 (a free port) serves the small test
project; the browser opens ``/``, picks an example question, runs it with
YASGUI and waits for the results table; then follows a result to its entity
page. Screenshots go to pytest's tmp folder.

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

from ipkg.serve import ui
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


def test_run_an_example_question(browser: Any, live_url: str, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    try:
        page.goto(live_url + "/", wait_until="load", timeout=TIMEOUT_MS)
        # YASGUI is up, pointed at this server's endpoint, with the first example loaded.
        page.wait_for_selector(".yasqe .CodeMirror", timeout=TIMEOUT_MS)
        endpoint = page.locator(".yasgui input.endpoint, .yasgui .autocomplete").first.input_value()
        assert endpoint == live_url + "/sparql"
        first = page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getValue()")
        assert "# question: Which events did Belarus take part in" in first

        # Pick the second question: it needs the inferred graph (visitor ⊑ participant, inverse).
        page.click("a.example[data-slug='02-sandage-events']")
        loaded = page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getValue()")
        assert "ipkgo:participatedIn" in loaded
        assert page.is_checked("#infer")
        page.click(".yasqe .yasqe_queryButton")
        row = page.locator(".yasr table tbody tr").first
        row.wait_for(timeout=TIMEOUT_MS)
        assert page.locator(".yasr table tbody tr").count() >= 1
        assert "Visit of John Sandage to Belarus" in page.inner_text(".yasr table tbody")
        page.screenshot(path=str(tmp_path / "query-page.png"), full_page=True)

        # A result links to its page on this server (not to the w3id.org IRI).
        link = page.locator(".yasr table tbody a[href*='/id/2018-01-29-sandage-visit-to-belarus']").first
        with context.expect_page(timeout=TIMEOUT_MS) as opened:
            link.click()
        entity = opened.value
        entity.wait_for_load_state("load", timeout=TIMEOUT_MS)
        assert entity.url == live_url + "/id/2018-01-29-sandage-visit-to-belarus"
        assert entity.inner_text("h1") == "Visit of John Sandage to Belarus (29-30 January 2018)"
        assert entity.locator("tr.inferred .mark.inferred").count() >= 1
        entity.screenshot(path=str(tmp_path / "entity-page.png"), full_page=True)
    finally:
        context.close()
    assert not errors, errors
    assert not [url for url in failed if url.startswith(live_url)], failed
