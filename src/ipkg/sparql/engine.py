"""The one place where ipkg changes rdflib's process-wide SPARQL behaviour, explicitly.

Nothing is patched at import time: ``install`` is called by the entry points
that evaluate SPARQL (``build``, ``open_store``, the CLI), and is idempotent.

- ``SPARQL_LOAD_GRAPHS = False``: LOAD and FROM never fetch from the network on
  their own; SERVICE goes through ``federation`` and the allow-list (``guard``).
- rdflib's ``sparql`` processor becomes ``processor.CachingProcessor``: each
  distinct text is parsed once, under the parser lock (pySHACL re-runs
  constraint queries per focus node).
- REGEX / REPLACE match with a time limit (``regex_guard``).
- SERVICE is evaluated by ``federation.evaluate_service`` (time limit, User-Agent, SILENT).
"""

from __future__ import annotations

import rdflib.plugin
import rdflib.plugins.sparql
import rdflib.query

from ipkg.sparql import federation, regex_guard


def install() -> None:
    """Apply every rdflib setting and hook ipkg relies on (idempotent)."""
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    rdflib.plugin.register("sparql", rdflib.query.Processor, "ipkg.sparql.processor", "CachingProcessor")
    regex_guard.install()
    federation.install()


def installed() -> bool:
    """Whether ``install`` has run in this process (for tests and diagnostics)."""
    return (
        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False
        and federation.CUSTOM_EVAL_NAME in rdflib.plugins.sparql.CUSTOM_EVALS
        and regex_guard.installed()
    )
