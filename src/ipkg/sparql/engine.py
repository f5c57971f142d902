"""The one place where ipkg changes rdflib's process-wide SPARQL behaviour, explicitly.

Nothing is patched at import time: ``install`` is called by the entry points
that evaluate SPARQL (``build``, ``open_store``, the CLI), and is idempotent.

- ``SPARQL_LOAD_GRAPHS = False``: LOAD and FROM never fetch from the network on
  their own; SERVICE goes through ``federation`` and the allow-list (``guard``).
- rdflib's ``sparql`` processor becomes ``processor.CachingProcessor``: each
  distinct text is parsed once, under the parser lock (pySHACL re-runs
  constraint queries per focus node).
- every pyparsing parse (rdflib's SPARQL grammar, whoever calls it) holds ``prepare.PARSER_LOCK``.
- REGEX / REPLACE match with a time limit (``regex_guard``).
- solutions, joins and expressions check the deadline; functions' errors are expression errors; strings
  and kept solutions are bounded per query (``limits``); ORDER BY, DISTINCT, GROUP BY, joins, MINUS,
  CONSTRUCT and DESCRIBE charge what they keep, and GROUP BY over nothing gives no row (``evaluation``).
- SERVICE is evaluated by ``federation.evaluate_service`` (time limit, User-Agent, SILENT).
"""

from __future__ import annotations

from typing import Any

import rdflib.plugin
import rdflib.plugins.sparql
import rdflib.query
from pyparsing import ParserElement

from ipkg.sparql import evaluation, federation, limits, regex_guard
from ipkg.sparql.prepare import PARSER_LOCK


def install() -> None:
    """Apply every rdflib setting and hook ipkg relies on (idempotent)."""
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    rdflib.plugin.register("sparql", rdflib.query.Processor, "ipkg.sparql.processor", "CachingProcessor")
    _lock_pyparsing()
    regex_guard.install()
    federation.install()
    limits.install()
    evaluation.install()


def _locked(parse: Any) -> Any:
    def parse_locked(self: ParserElement, *args: Any, **kwargs: Any) -> Any:
        with PARSER_LOCK:
            return parse(self, *args, **kwargs)

    parse_locked.ipkg_locked = True  # type: ignore[attr-defined]
    return parse_locked


def _lock_pyparsing() -> None:
    """Every ``parse_string`` (and its old name ``parseString``) holds the parser lock."""
    for name in ("parse_string", "parseString"):
        current = getattr(ParserElement, name)
        if not getattr(current, "ipkg_locked", False):
            setattr(ParserElement, name, _locked(current))


def installed() -> bool:
    """Whether ``install`` has run in this process (for tests and diagnostics)."""
    return (
        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False
        and federation.CUSTOM_EVAL_NAME in rdflib.plugins.sparql.CUSTOM_EVALS
        and regex_guard.installed()
        and limits.installed()
        and evaluation.installed()
        and getattr(ParserElement.parse_string, "ipkg_locked", False)
    )
