"""The code layout holds: the pipeline's import directions, no cycles, sans-io protocol, the store as the only door.

Read from the source with ``ast`` (nothing is imported) except where what an import
*loads* is the point; those run in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO

SRC = REPO / "src" / "ipkg"
MODULES = sorted(SRC.rglob("*.py"))
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


NAMES = {module_name(p): p for p in MODULES}


def imports(path: Path, *, module_level_only: bool) -> set[str]:
    """The ipkg modules ``path`` imports (a ``from pkg import sub`` names the submodule when it is one)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("ipkg"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ipkg"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in NAMES else node.module)
    return found


def test_the_layout_is_found() -> None:
    assert len(MODULES) > 40
    assert {"ipkg.build", "ipkg.sparql.prepare", "ipkg.store.base", "ipkg.protocol.requests", "ipkg.serve"} <= set(
        NAMES
    )


def test_no_import_cycles_at_module_level() -> None:
    graph = {name: imports(path, module_level_only=True) & set(NAMES) for name, path in NAMES.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycle = stack[stack.index(target) :] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


FORBIDDEN = {
    "ipkg.protocol": ("ipkg.build", "ipkg.store", "ipkg.serve", "ipkg.sparql", "ipkg.cli", "ipkg.reconcile"),
    "ipkg.store": ("ipkg.serve", "ipkg.cli"),
    "ipkg.build": ("ipkg.serve", "ipkg.store", "ipkg.cli"),
    "ipkg.sparql": ("ipkg.serve", "ipkg.store", "ipkg.cli", "ipkg.build"),
    "ipkg.export": ("ipkg.serve", "ipkg.cli"),
    "ipkg.link": ("ipkg.serve", "ipkg.cli"),
    "ipkg.reconcile": ("ipkg.serve", "ipkg.cli"),
}
"""Who may not import whom, function-level imports included: the pipeline flows one way."""


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_import_directions(layer: str) -> None:
    wrong = []
    for name, path in NAMES.items():
        if name != layer and not name.startswith(layer + "."):
            continue
        for target in imports(path, module_level_only=False):
            if any(target == f or target.startswith(f + ".") for f in FORBIDDEN[layer]):
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_protocol_imports_only_errors_namespaces_and_itself() -> None:
    for name, path in NAMES.items():
        if name.startswith("ipkg.protocol"):
            others = {t for t in imports(path, module_level_only=False) if not t.startswith("ipkg.protocol")}
            assert others <= {"ipkg.errors", "ipkg.namespaces"}, (name, others)


def loaded_after(statement: str) -> set[str]:
    """Top-level packages loaded by ``statement`` in a fresh interpreter."""
    probe = f"import sys; {statement}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO)
    return set(out.stdout.split())


def test_importing_the_protocol_loads_neither_flask_nor_the_pipeline() -> None:
    loaded = loaded_after("import ipkg.protocol.requests, ipkg.protocol.negotiation, ipkg.protocol.dataset")
    assert not loaded & {"flask", "pyshacl", "owlrl", "rdflib"}, loaded


def test_importing_errors_loads_nothing_heavy() -> None:
    loaded = loaded_after("import ipkg.errors")
    assert not loaded & {"flask", "pyshacl", "owlrl", "rdflib", "pyparsing"}, loaded


def test_importing_ipkg_changes_nothing_in_rdflib() -> None:
    """rdflib is patched by ``engine.install()`` only, never as a side effect of an import."""
    probe = (
        "import rdflib.plugins.sparql as s; import ipkg.serve, ipkg.store, ipkg.build, ipkg.cli;"
        "from ipkg.sparql import engine; assert s.SPARQL_LOAD_GRAPHS is True; assert not engine.installed();"
        "engine.install(); assert engine.installed(); assert s.SPARQL_LOAD_GRAPHS is False"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=REPO)


def test_views_never_read_a_dataset_behind_the_store() -> None:
    """serve/ reads through ``Store`` and ``Snapshot`` methods only, so any backend can stand behind it."""
    wrong = []
    for name, path in NAMES.items():
        if not name.startswith("ipkg.serve"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            reads_data = (
                node.attr in ("knowledge_graph", "_dataset", "_snapshot") if isinstance(node, ast.Attribute) else False
            )
            if reads_data or (
                isinstance(node, ast.Attribute) and node.attr == "dataset" and not _is_request(node.value)
            ):
                wrong.append(f"{path.relative_to(REPO)}:{node.lineno}: .{node.attr}")
    assert not wrong, "\n".join(wrong)


def _is_request(node: ast.expr) -> bool:
    """``operation.dataset`` is the dataset a request names (protocol), not the store's data."""
    return isinstance(node, ast.Name) and node.id == "operation"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_modules_stay_short(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(REPO)} has {lines} lines; split it by job"


def test_every_ipkg_error_lives_in_errors() -> None:
    wrong = []
    for name, path in NAMES.items():
        if name == "ipkg.errors":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                if bases & {"IpkgError", "Forbidden", "NotFound", "ProtocolError", "LoadError"}:
                    wrong.append(f"{name}.{node.name}")
    assert not wrong, wrong
