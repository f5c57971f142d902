"""No server-side request forgery: SERVICE and LOAD reach only allow-listed endpoints.

The check runs on the parsed algebra before evaluation, so a refused request
opens no connection at all. FROM / FROM NAMED never fetch: they select local
named graphs (a graph ipkg does not hold is empty).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rdflib import URIRef
from rdflib.plugins.sparql.parserutils import CompValue

from ipkg.errors import Forbidden


def remote_targets(algebra: Any) -> Iterator[tuple[str, str]]:
    """(keyword, IRI) for every SERVICE and LOAD in a query or update algebra."""
    stack = [algebra]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                yield "SERVICE", str(node.get("term"))
            elif node.name == "Load":
                yield "LOAD", str(node.get("iri"))
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)


def check_remote(algebra: Any, allowlist: Iterable[str]) -> None:
    """Refuse the request if it would contact an endpoint not on ``allowlist``.

    Raises:
        Forbidden: naming the keyword and the endpoint, and the setting to change.
    """
    allowed = {str(URIRef(a)) for a in allowlist}
    for keyword, iri in remote_targets(algebra):
        if iri not in allowed:
            error = Forbidden(f"{keyword} <{iri}> is not allowed: ipkg fetches nothing that is not allow-listed")
            error.hint = "add the endpoint to the 'service_allowlist' setting (IPKG_SERVICE_ALLOWLIST)"
            raise error
