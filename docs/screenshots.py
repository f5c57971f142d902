"""Take the README's screenshots of the query UI and of an entity page, on the shipped data.

    .venv/bin/python docs/screenshots.py

Serves the project with a fresh state folder on 127.0.0.1 (a free port), drives the
browser of the browser tests (headless Chromium through Playwright) and writes
``docs/query-ui.png`` and ``docs/entity-page.png`` (1280 px wide, a few hundred KB).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from ipkg.config import Settings  # noqa: E402
from ipkg.serve import create_app  # noqa: E402
from tests.support import running  # noqa: E402
from tests.ui.test_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

DOCS = ROOT / "docs"
WIDTH = 1280


def main() -> None:
    with tempfile.TemporaryDirectory() as state:
        app = create_app(Settings(root=ROOT, state_dir=Path(state)))
        with running(app, within=120, asyncore_use_poll=True) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": WIDTH, "height": 1000}).new_page()
            # The query page: the starter query, run, in the timeline view.
            page.goto(url + "/", wait_until="load")
            page.wait_for_selector(".yasqe .CodeMirror")
            page.click(".yasqe .yasqe_queryButton")
            page.wait_for_selector(".status.done")
            page.click(".yasr .select_timeline")
            page.wait_for_selector(".ipkg-timeline")
            page.screenshot(path=str(DOCS / "query-ui.png"), clip={"x": 0, "y": 0, "width": WIDTH, "height": 1000})
            # An entity page: the summary, the timeline, where sources disagree.
            page.goto(url + "/id/wipo", wait_until="load")
            page.screenshot(
                path=str(DOCS / "entity-page.png"), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": 1500}
            )
            browser.close()
    for name in ("query-ui.png", "entity-page.png"):
        print(f"wrote docs/{name} ({(DOCS / name).stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
