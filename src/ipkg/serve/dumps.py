"""Data dumps and the JSON-LD context: /dataset.<ext> and /context.jsonld.

Dumps are listed in the VoID description as ``void:dataDump``. ``?graph=``
chooses the named graphs (all, asserted, inferred, ontology, facts, links,
external, or one graph by its full IRI); the bytes are those ``ipkg export``
writes, cached per store generation. Quad formats (N-Quads, TriG, JSON-LD) keep
the named graphs; JSON-LD carries ipkg's context inline (``?context=remote``:
refers to this server's ``/context.jsonld`` instead).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Blueprint, Response, request

from ipkg.errors import IpkgError, NotFound, ProtocolError
from ipkg.export import CONTEXT_FORMS, FORMATS, GRAPH_SELECTIONS, select_graphs, serialize
from ipkg.jsonld import CONTEXT_FILE
from ipkg.namespaces import GRAPH_BASE
from ipkg.serve.state import context_url, state

bp = Blueprint("dumps", __name__)

SUFFIXES = {f.suffix.lstrip("."): name for name, f in FORMATS.items()}
_cache: OrderedDict[tuple[int, int, str, str, str, str], bytes] = OrderedDict()
_lock = threading.Lock()


@bp.route("/dataset.<suffix>", methods=["GET", "HEAD"])
def dataset_dump(suffix: str) -> Response:
    """The dataset in the format its suffix names (ttl, nt, nq, trig, rdf, jsonld)."""
    name = SUFFIXES.get(suffix)
    if name is None:
        raise NotFound(f"no dump /dataset.{suffix}; available: " + ", ".join(f"/dataset.{s}" for s in sorted(SUFFIXES)))
    which = request.args.get("graph", "all")
    context = request.args.get("context", "embed")
    if context not in CONTEXT_FORMS:
        raise ProtocolError(f"parameter 'context': {context!r} is not one of {', '.join(CONTEXT_FORMS)}")
    store = state().store
    key = (id(store), store.generation, name, which, context, context_url())  # the links differ per public root
    with _lock:
        body = _cache.get(key)
    if body is None:
        try:
            graphs = select_graphs(store.snapshot(), which)
        except NotFound:
            raise
        except IpkgError as exc:
            raise ProtocolError(f"parameter 'graph': {exc}") from None
        body = serialize(graphs, name, context_url=context_url(), context=context)
        with _lock:
            _cache[key] = body
            while len(_cache) > 16:
                _cache.popitem(last=False)
    response = Response(body, content_type=f"{FORMATS[name].media_type}; charset=utf-8")
    short = which.removeprefix(GRAPH_BASE).replace("/", "-") if which not in GRAPH_SELECTIONS else which
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in short)[:80]
    response.headers["Content-Disposition"] = f'inline; filename="ipkg-{safe}.{suffix}"'
    return response


@bp.route("/context.jsonld", methods=["GET", "HEAD"])
def context() -> Response:
    """ipkg's JSON-LD context (published as https://w3id.org/ipkg/context.jsonld)."""
    return Response(CONTEXT_FILE.read_bytes(), content_type="application/ld+json; charset=utf-8")
