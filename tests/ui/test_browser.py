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
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import waitress
from flask import Flask

from ipkg.serve import ui

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
REPO = Path(__file__).resolve().parents[2]
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
    server: Any = waitress.create_server(ui_app, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True)
    url = f"http://127.0.0.1:{server.effective_port}"
    thread = threading.Thread(target=server.run, name="ipkg-live-server", daemon=True)
    thread.start()
    try:
        _wait_for(url + "/health", seconds=30)
        yield url
    finally:
        server.trigger.pull_trigger(lambda: _close_all(server))
        thread.join(timeout=15)
        server.task_dispatcher.shutdown()


def _close_all(server: Any) -> None:
    """Runs in the server's loop thread: close every connection, then the listening socket."""
    for channel in list(server._map.values()):  # noqa: SLF001 - waitress has no public stop
        if channel is not server and channel is not server.trigger:
            channel.close()
    server.close()


def _wait_for(url: str, *, seconds: float) -> None:
    """Poll ``url`` until it answers 200 (a bounded loop, not a blind sleep)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the live server did not answer {url} within {seconds} s")
        time.sleep(0.05)


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
