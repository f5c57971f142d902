"""The query page at ``/`` (also what GET /sparql shows a browser).

The editor is YASGUI, installed from npm by the set-up command (``make
install`` runs ``npm ci``) into ``node_modules/`` and served by this app under
``/assets/yasgui/`` — nothing is fetched from a CDN. The competency
questions (``queries/cq/*.rq``) are offered as ready examples; the first is
pre-loaded. Without ``node_modules`` the page still works: a plain form posts
the query to /sparql, with a notice saying how to install the full UI.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request, send_from_directory, url_for

from ipkg.namespaces import BASE, IPKG
from ipkg.serve.state import state

bp = Blueprint("ui", __name__, template_folder="templates")

YASGUI_PACKAGE = Path("@zazuko") / "yasgui" / "build"
"""Where the built YASGUI files are inside ``node_modules``."""
YASGUI_FILES = ("yasgui.min.js", "yasgui.min.css")
REPOSITORY = Path(__file__).resolve().parents[3]
"""The source checkout this module runs from (an editable install)."""

DEFAULT_QUERY = """\
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

# Resources and their labels
SELECT ?resource ?label WHERE {
  ?resource rdfs:label ?label .
  FILTER (lang(?label) = "en")
}
ORDER BY ?label
LIMIT 50
"""
"""Pre-loaded when the project has no competency questions."""

HEADER = re.compile(r"^#\s*(question|source|graph)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class Example:
    """A competency question offered on the query page."""

    slug: str
    question: str
    source: str
    graph: str
    query: str

    @property
    def infer(self) -> bool:
        """Run with the inferred graph unless the question is answered by asserted triples alone."""
        return self.graph != "asserted"


def load_examples(directory: Path) -> list[Example]:
    """The competency questions in ``directory`` (``NN-slug.rq``), in file-name order.

    A file without a ``# question:`` line is offered under its file name.
    Unreadable files are skipped: the page must render whatever the folder holds.
    """
    if not directory.is_dir():
        return []
    examples = []
    for path in sorted(directory.glob("*.rq")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        fields = {"question": "", "source": "", "graph": ""}
        for line in text.splitlines():
            if not line.startswith("#"):
                if line.strip():
                    break
                continue
            match = HEADER.match(line)
            if match and not fields[match.group(1)]:
                fields[match.group(1)] = match.group(2)
        question = fields["question"] or path.stem.replace("-", " ")
        examples.append(Example(path.stem, question, fields["source"], fields["graph"].lower(), text))
    return examples


def yasgui_dir() -> Path | None:
    """The folder holding the built YASGUI files, or None when ``make install`` has not been run.

    Looked for in the project folder (``root``), then in the checkout the code runs from.
    """
    for base in (state().settings.root, REPOSITORY):
        folder = base / "node_modules" / YASGUI_PACKAGE
        if all((folder / name).is_file() for name in YASGUI_FILES):
            return folder
    return None


def yasgui_version(folder: Path) -> str:
    """The installed YASGUI version (for cache-busting asset URLs), or '' if unreadable."""
    try:
        meta = json.loads((folder.parent / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(meta.get("version", ""))


def render_ui() -> Response:
    """The query page: YASGUI when installed, else the plain form."""
    settings = state().settings
    examples = load_examples(settings.queries_dir / "cq")
    wanted = request.args.get("example", "")
    selected = next((e for e in examples if e.slug == wanted), examples[0] if examples else None)
    folder = yasgui_dir()
    version = yasgui_version(folder) if folder is not None else ""
    payload = [
        {
            "slug": e.slug,
            "question": e.question,
            "source": e.source,
            "graph": e.graph,
            "query": e.query,
            "infer": e.infer,
        }
        for e in examples
    ]
    store = state().store
    belarus = IPKG["belarus"]
    body = render_template(
        "ui.html",
        examples=examples,
        examples_json=payload,
        selected=selected,
        query=selected.query if selected else DEFAULT_QUERY,
        infer=selected.infer if selected else True,
        has_yasgui=folder is not None,
        endpoint=url_for("sparql.sparql"),
        yasgui_js=url_for("ui.yasgui_asset", filename="yasgui.min.js", v=version or None),
        yasgui_css=url_for("ui.yasgui_asset", filename="yasgui.min.css", v=version or None),
        start_entity=url_for("entities.entity", slug="belarus")
        if next(store.snapshot().quads(belarus), None) is not None
        else None,
        site_base=BASE,
    )
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/")
def index() -> Response:
    """The query page."""
    return render_ui()


@bp.route("/assets/yasgui/<path:filename>")
def yasgui_asset(filename: str) -> Response:
    """A file of the installed YASGUI build (404 when it is not installed)."""
    folder = yasgui_dir()
    if folder is None:
        abort(404, description="the query UI is not installed: run 'make install' (npm ci)")
    response = send_from_directory(folder, filename, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
