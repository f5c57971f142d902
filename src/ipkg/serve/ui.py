"""The query page at / (YASGUI, installed from npm by the set-up command and served locally)."""

from __future__ import annotations

from flask import Blueprint, Response

bp = Blueprint("ui", __name__)


def render_ui() -> Response:
    """The query page."""
    return Response("<!doctype html><title>ipkg</title><p>ipkg SPARQL endpoint at /sparql</p>",
                    content_type="text/html; charset=utf-8")


@bp.route("/")
def index() -> Response:
    """The query page."""
    return render_ui()
