"""The query page at ``/`` (also what GET /sparql shows a browser).

The editor is YASGUI, installed from npm by the set-up command (``make
install`` runs ``npm ci``) into ``node_modules/`` and served by this app under
``/assets/yasgui/`` — nothing is fetched from a CDN. ipkg's own scripts
(``static/``: permalinks, the running-query bar, hints, and the result views
Values, Timeline, Chart and Graph) are served under ``/assets/ipkg/``. The
competency questions (``queries/cq/*.rq``) are offered as ready examples,
shown without their predeclared PREFIX lines; a fresh page opens a starter
query with the inferred graph included, as the API's default. Without
``node_modules`` the page still works: a plain form posts the query to
/sparql, with a notice saying how to install the full UI.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request, send_from_directory, url_for

from ipkg import __version__
from ipkg.namespaces import BASE, IPKG, PREFIXES
from ipkg.serve.state import state

bp = Blueprint("ui", __name__, template_folder="templates")

YASGUI_PACKAGE = Path("@zazuko") / "yasgui" / "build"
"""Where the built YASGUI files are inside ``node_modules``."""
YASGUI_FILES = ("yasgui.min.js", "yasgui.min.css")
REPOSITORY = Path(__file__).resolve().parents[3]
"""The source checkout this module runs from (an editable install)."""

DEFAULT_QUERY = """\
# What happened between WIPO and Belarus, and when?
# Pick a question on the left, or write your own: ipkg:, ipkgo:, rdfs:, wd: … are predeclared.
SELECT ?event ?label ?date WHERE {
  ?event ipkgo:participant ipkg:belarus ;
         rdfs:label ?label .
  OPTIONAL { ?event ipkgo:date|ipkgo:startDate ?date }
}
ORDER BY ?date
"""
"""The starter query of a fresh page (run with the inferred graph, as the API does by default)."""

STATIC = Path(__file__).resolve().parent / "static"
"""The query page's own scripts and styles (result views, permalinks), shipped with the package."""

PREDECLARED = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>\s*$", re.IGNORECASE)


def without_predeclared_prefixes(text: str) -> str:
    """``text`` without the PREFIX lines that only repeat a predeclared prefix (same name, same IRI).

    The examples spell out their prefixes so they run anywhere; on this endpoint those lines
    are noise above the question. A PREFIX line binding a name differently is kept, and so
    is every other line; a blank line left at the top of the query is dropped.
    """
    kept: list[str] = []
    removed = False
    for line in text.splitlines():
        match = PREDECLARED.match(line)
        if match and str(PREFIXES.get(match.group(1) or "", "")) == match.group(2):
            removed = True
            continue
        if removed and not line.strip() and (not kept or not kept[-1].strip() or kept[-1].startswith("#")):
            continue
        kept.append(line)
    return "\n".join(kept) + ("\n" if text.endswith("\n") else "")


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

    @property
    def shown_query(self) -> str:
        """The query as the editor shows it: the predeclared PREFIX lines left out."""
        return without_predeclared_prefixes(self.query)


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
    """The query page: YASGUI when installed, else the plain form.

    What the editor opens with: ``?query=`` (with ``?infer=``), else ``?example=<slug>``, else
    the starter query; the page's script lets a ``#query=…&infer=…`` permalink win over all
    of them, and the last edited query (kept in the browser) over the starter query.
    """
    settings = state().settings
    examples = load_examples(settings.queries_dir / "cq")
    wanted = request.args.get("example", "")
    selected = next((e for e in examples if e.slug == wanted), None)
    given = request.args.get("query")
    infer = request.args.get("infer", "true").strip().lower() not in ("false", "0", "no", "off")
    if given is not None:
        selected, query = None, given
    elif selected is not None:
        query, infer = selected.shown_query, selected.infer
    else:
        query = DEFAULT_QUERY
    folder = yasgui_dir()
    version = yasgui_version(folder) if folder is not None else ""
    payload = [
        {
            "slug": e.slug,
            "question": e.question,
            "source": e.source,
            "graph": e.graph,
            "query": e.shown_query,
            "infer": e.infer,
        }
        for e in examples
    ]
    store = state().store
    belarus = IPKG["belarus"]
    initial = {
        "query": query,
        "infer": infer,
        "slug": selected.slug if selected else None,
        "explicit": given is not None or selected is not None,
        "prefixes": {prefix: str(namespace) for prefix, namespace in PREFIXES.items()},
        "timeout": settings.query_timeout,
        "maxRows": settings.max_result_rows,
    }
    body = render_template(
        "ui.html",
        examples=examples,
        examples_json=payload,
        selected=selected,
        query=query,
        infer=infer,
        initial=initial,
        prefixes=sorted(PREFIXES),
        has_yasgui=folder is not None,
        endpoint=url_for("sparql.sparql"),
        yasgui_js=url_for("ui.yasgui_asset", filename="yasgui.min.js", v=version or None),
        yasgui_css=url_for("ui.yasgui_asset", filename="yasgui.min.css", v=version or None),
        page_js=url_for("ui.page_asset", filename="query.js", v=__version__),
        views_js=url_for("ui.page_asset", filename="views.js", v=__version__),
        page_css=url_for("ui.page_asset", filename="query.css", v=__version__),
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


@bp.route("/assets/ipkg/<path:filename>")
def page_asset(filename: str) -> Response:
    """The query page's own scripts and styles (404 for anything else)."""
    response = send_from_directory(STATIC, filename, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/assets/yasgui/<path:filename>")
def yasgui_asset(filename: str) -> Response:
    """A file of the installed YASGUI build (404 when it is not installed)."""
    folder = yasgui_dir()
    if folder is None:
        abort(404, description="the query UI is not installed: run 'make install' (npm ci)")
    response = send_from_directory(folder, filename, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
