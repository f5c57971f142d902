"""The build cache: a conforming build stored as N-Quads, keyed by a hash of every input and ipkg's version."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rdflib import Dataset

from ipkg.config import Settings
from ipkg.errors import IpkgError
from ipkg.files import write_atomic
from ipkg.namespaces import bind_prefixes
from ipkg.sparql.deadline import DeadlineMemory

log = logging.getLogger("ipkg.build")


def cache_path(settings: Settings, files: Sequence[Path]) -> Path:
    """Where the build of exactly these input files, by exactly this pipeline code, is cached.

    The key covers ipkg's version and the pipeline's own modules (a changed reasoner
    or filter in a development tree must not serve an old inferred graph).
    """
    try:
        digest = hashlib.sha256(version("ipkg").encode())
    except PackageNotFoundError:  # a source tree that is not installed
        digest = hashlib.sha256(b"source-tree")
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    for path in files:
        digest.update(str(path.relative_to(settings.root) if path.is_relative_to(settings.root) else path).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return settings.var_dir / "cache" / f"build-{digest.hexdigest()[:24]}.nq"


def read_cache(path: Path) -> Dataset:
    """The cached dataset, with ipkg's prefixes bound."""
    dataset = Dataset(store=DeadlineMemory(), default_union=True)
    dataset.parse(path, format="nquads")
    bind_prefixes(dataset)
    return dataset


def write_cache(path: Path, dataset: Dataset) -> None:
    """Write atomically and drop older builds; a cache that cannot be written is only a warning."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("build-*.nq"):
            old.unlink(missing_ok=True)
        write_atomic(path, dataset.serialize(format="nquads", encoding="utf-8"))
    except (OSError, IpkgError) as exc:
        log.warning("could not cache the build in %s: %s", path.parent, exc)
