"""No server-side request forgery: SERVICE and LOAD reach only allow-listed endpoints.

The targets are collected when the request is prepared (``prepare``), so the
check runs before evaluation and a refused request opens no connection at all.
FROM / FROM NAMED never fetch: they select local named graphs (a graph ipkg
does not hold is empty).
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import URIRef

from ipkg.errors import Forbidden


def check_remote(targets: Iterable[tuple[str, str]], allowlist: Iterable[str]) -> None:
    """Refuse the request if any (keyword, IRI) target is not on ``allowlist``.

    Raises:
        Forbidden: naming the keyword and the endpoint, and the setting to change.
    """
    allowed = {str(URIRef(a)) for a in allowlist}
    for keyword, iri in targets:
        if iri not in allowed:
            error = Forbidden(f"{keyword} <{iri}> is not allowed: ipkg fetches nothing that is not allow-listed")
            error.hint = "add the endpoint to the 'service_allowlist' setting (IPKG_SERVICE_ALLOWLIST)"
            raise error
