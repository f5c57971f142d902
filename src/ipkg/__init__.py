"""ipkg: a knowledge graph of international intellectual-property cooperation.

The pipeline is ``load → validate → reason → store → serve``; ``build`` runs the
first three and is the one entry point the CLI, the server and the tests use.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ipkg.build import KnowledgeGraph, build
from ipkg.config import Settings, load_settings

try:
    __version__ = version("ipkg")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["KnowledgeGraph", "Settings", "__version__", "build", "load_settings"]
