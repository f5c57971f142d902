"""ipkg: a knowledge graph of international intellectual-property cooperation.

The pipeline is ``load → validate → reason → store → serve``: ``ipkg.build``
runs the first three, ``ipkg.store`` holds the result, ``ipkg.serve`` answers
over HTTP. Importing ``ipkg`` loads none of them.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ipkg")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
