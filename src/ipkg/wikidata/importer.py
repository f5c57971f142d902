"""``ipkg import wikidata`` and its companions: map a file, check the project still builds, write it.

Nothing is written unless the mapped graph validates and reasons together with
the project's current asserted graphs; ``list_imports`` and ``remove_import``
manage the imported graphs kept under ``<state_dir>/external``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph

from ipkg.build.load import Sources, load_sources
from ipkg.config import Settings
from ipkg.errors import IpkgError
from ipkg.files import write_atomic
from ipkg.namespaces import external_graph
from ipkg.wikidata.context import file_source, local_classes
from ipkg.wikidata.mapping import Mapper
from ipkg.wikidata.model import Model
from ipkg.wikidata.read import read_file, read_wikidata
from ipkg.wikidata.report import ImportReport

NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def check_name(name: str) -> str:
    """``name`` if it is kebab-case (lower-case letters and digits, single hyphens)."""
    if not NAME_RE.match(name):
        raise IpkgError(
            f"import name {name!r} is not kebab-case (lower-case letters and digits joined by single hyphens)"
        )
    return name


def default_name(path: Path) -> str:
    """The import name for a file: its stem, which must be kebab-case (else give --name)."""
    if not NAME_RE.match(path.stem):
        raise IpkgError(
            f"the file name {path.stem!r} is not a kebab-case import name; give one with --name (e.g. "
            f"--name {re.sub(r'[^a-z0-9]+', '-', path.stem.lower()).strip('-') or 'wikidata'})"
        )
    return path.stem


def map_file(
    path: Path,
    sources: Sources,
    *,
    name: str,
) -> tuple[Graph, ImportReport]:
    """Parse ``path`` and map it against the project's ontology and local links (nothing is written)."""
    graph, data = read_file(path)
    model = Model.from_ontology(sources.ontology)
    mapper = Mapper(
        read_wikidata(graph),
        model,
        name=name,
        source=file_source(path, data),
        local=local_classes(sources, model),
        file=path.name,
    )
    return mapper.run()


def external_dir(settings: Settings) -> Path:
    """Where imported graphs are kept: ``<state_dir>/external``."""
    return settings.var_dir / "external"


def import_wikidata(
    settings: Settings,
    path: Path,
    name: str | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Map a Wikidata-style file into the graph ``external/<name>``; write it only if the project still builds.

    The mapped graph is validated and reasoned with the current asserted graphs
    (replacing a previous import of the same name) before anything is written;
    then ``<state_dir>/external/<name>.nt`` is written atomically, sorted.

    Raises:
        LoadError: the file cannot be read or parsed (line and column), or its format is unknown.
        IpkgError: a bad import name.
        ValidationFailed: the result violates the shapes.
        InconsistentData: the result contradicts the ontology (e.g. an item linked to a local
            resource of a disjoint class).
    """
    from ipkg.build import build_with
    from ipkg.export import serialize_graph

    name = check_name(name) if name else default_name(path)
    sources = load_sources(settings)
    graph, report = map_file(path, sources, name=name)
    build_with(settings, {external_graph(name): graph}, progress=progress)
    target = external_dir(settings) / f"{name}.nt"
    write_atomic(target, serialize_graph(graph, "ntriples"))
    report.written = target
    return report


def list_imports(settings: Settings) -> list[tuple[str, Path, int]]:
    """(name, file, triples) of every imported graph, by name."""
    from ipkg.build.load import parse_files, rdf_files

    folder = external_dir(settings)
    if not folder.is_dir():
        return []
    return [(p.stem, p, len(parse_files([p]))) for p in rdf_files(folder)]


def remove_import(settings: Settings, name: str) -> Path:
    """Delete the imported graph ``name``, if the rest of the project still builds without it.

    Raises:
        NotFound: there is no such import.
        ValidationFailed: local data depends on it (e.g. a shape needs a type only it asserts).
    """
    from ipkg.build import build_with
    from ipkg.errors import NotFound

    check_name(name)
    target = external_dir(settings) / f"{name}.nt"
    if not target.exists():
        known = ", ".join(n for n, _, _ in list_imports(settings)) or "none"
        raise NotFound(f"no imported graph {name!r} (imported: {known})")
    build_with(settings, {external_graph(name): None})
    target.unlink()
    return target
