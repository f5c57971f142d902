"""rdflib's SPARQL processor, parsing each distinct query text once and under the parser lock.

pySHACL runs a SPARQL-based constraint once per focus node with the same
text; rdflib would parse it every time (parsing dominates validation).
Registered as rdflib's ``sparql`` processor by ``ipkg.sparql.engine.install``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query

from ipkg.sparql.prepare import CACHED_TEXT_LIMIT, PARSER_LOCK


class CachingProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor with a parse cache keyed by text, base and namespaces."""

    def query(  # type: ignore[override]
        self,
        strOrQuery: str | Query,  # noqa: N803 - rdflib's parameter names
        initBindings: Mapping[str, Any] | None = None,  # noqa: N803
        initNs: Mapping[str, Any] | None = None,  # noqa: N803
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803
    ) -> Mapping[str, Any]:
        query = strOrQuery
        if isinstance(query, str):
            namespaces = tuple(sorted((k, str(v)) for k, v in (initNs or {}).items()))
            translate = _translate_cached if len(query) <= CACHED_TEXT_LIMIT else _translate
            query = translate(query, base, namespaces)
        return evalQuery(self.graph, query, dict(initBindings or {}), base)


def _translate(text: str, base: str | None, namespaces: tuple[tuple[str, str], ...]) -> Query:
    with PARSER_LOCK:
        parsed = parseQuery(text)
    return translateQuery(parsed, base=base, initNs=dict(namespaces))


_translate_cached = lru_cache(maxsize=1024)(_translate)
