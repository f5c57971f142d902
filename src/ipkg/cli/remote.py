"""Writing a graph through a running ipkg server (``--server URL``), so it serves the change at once.

``ipkg import wikidata FILE --server URL`` and ``ipkg link suggest … --server URL``
send what they would write to a file to the server's SPARQL 1.1 Graph Store
endpoint instead (PUT replaces a graph, POST adds to it, DELETE removes it). The
server applies it as one transaction through the same gate as every write: SHACL
validation, reasoning, the journal; a rejection (422) changes nothing there and
makes the command exit 1.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

from rdflib import URIRef

from ipkg.errors import ConfigError, IpkgError, RemoteRejected

TIMEOUT = 120.0
"""Seconds to wait for the server (a write validates and reasons the whole dataset)."""


def graph_store_url(server: str, graph: URIRef) -> str:
    """``<server>/graph-store?graph=<graph>`` for a server root such as ``http://127.0.0.1:8000``.

    Raises:
        ConfigError: ``server`` is not an http(s) URL.
    """
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("--server", f"{server!r} is not the http(s) URL of an ipkg server (http://host:port)")
    return f"{server.rstrip('/')}/graph-store?graph={quote(str(graph), safe='')}"


def send_graph(server: str, token: str | None, graph: URIRef, ntriples: bytes | None, *, merge: bool = False) -> str:
    """PUT (or with ``merge`` POST) ``ntriples`` into ``graph`` on ``server``; ``ntriples=None`` DELETEs it.

    Returns a line saying what the server did.

    Raises:
        ConfigError: no token, or a bad server URL.
        RemoteRejected: the server refused the data (422: the shapes or the ontology).
        IpkgError: the server could not be reached, or answered with another error.
    """
    if not token:
        raise ConfigError("--token", "writing through a server needs its update token (--token, or IPKG_UPDATE_TOKEN)")
    url = graph_store_url(server, graph)
    method = "DELETE" if ntriples is None else "POST" if merge else "PUT"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if ntriples is not None:
        headers["Content-Type"] = "application/n-triples; charset=utf-8"
    request = urllib.request.Request(url, data=ntriples, headers=headers, method=method)  # noqa: S310 - http(s) only
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - checked above
            status = response.status
    except urllib.error.HTTPError as exc:
        message = _message(exc.read())
        if exc.code == 422:
            raise RemoteRejected(f"{server} refused the graph <{graph}> (HTTP 422): {message}") from None
        raise IpkgError(f"{server} answered {exc.code} to {method} <{graph}>: {message}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise IpkgError(f"cannot reach the ipkg server at {server}: {reason}") from None
    done = {"PUT": "replaced", "POST": "added to", "DELETE": "deleted"}[method]
    return f"{done} <{graph}> on {server} (HTTP {status}); the server serves it now"


def _message(body: bytes) -> str:
    """The error message of an ipkg error body (JSON or text), shortened."""
    text = body.decode("utf-8", "replace").strip()
    try:
        payload = json.loads(text)
    except ValueError:
        return text[:2000]
    if not isinstance(payload, dict):
        return text[:2000]
    message = str(payload.get("message", text))
    results = payload.get("results")
    if isinstance(results, list) and results:
        shown = [_result(r) for r in results[:10]]
        message += "\n  - " + "\n  - ".join(shown)
    return message[:4000]


def _result(result: object) -> str:
    """One violation of a SHACL report: focus node, message, shape (short)."""
    if not isinstance(result, dict):
        return str(result)
    shape = str(result.get("sourceShape", "")).rsplit("#", 1)[-1]
    return f"{result.get('focusNode', '?')}: {result.get('message', '')} [{shape}]"
