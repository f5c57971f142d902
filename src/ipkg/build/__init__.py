"""The pipeline: load → validate → reason, giving the dataset a store is opened on.

``build`` runs it on the project's files; ``rebuild`` is the one place that
decides whether a set of asserted graphs still builds (used by transactional
updates); ``build_with`` asks it of the project's files with some graphs
changed, before a command writes them.
"""

from __future__ import annotations

from ipkg.build.pipeline import (
    CONFORMS,
    KnowledgeGraph,
    Progress,
    build,
    build_key,
    build_with,
    load_and_validate,
    rebuild,
)

__all__ = ["CONFORMS", "KnowledgeGraph", "Progress", "build", "build_key", "build_with", "load_and_validate", "rebuild"]
