"""Entity pages: every resource IRI of the graph dereferences at the endpoint (/id/<slug>)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("entities", __name__)
