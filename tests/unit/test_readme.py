"""The README stays true: its settings table, its commands and its test command."""

from __future__ import annotations

import re
from pathlib import Path

from ipkg.cli import _parser
from ipkg.config import setting_docs


def readme(root: Path) -> str:
    return (root / "README.md").read_text(encoding="utf-8")


def test_settings_table_matches_the_settings(root: Path) -> None:
    text = readme(root)
    for name, env, default, doc in setting_docs():
        assert f"| `{name}` | `{env}` | `{default}` | {doc} |" in text, name


def test_every_cli_command_is_documented(root: Path) -> None:
    text = readme(root)
    commands = _parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert re.search(rf"`ipkg {name}\b", text), f"'ipkg {name}' is not in the README"


def test_ci_runs_the_readme_test_command(root: Path) -> None:
    ci = (root / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1].strip()
    assert ci == "make test"
    assert "make test" in readme(root)
