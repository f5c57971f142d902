"""Every setting of ipkg, its default, and where it may be set.

Precedence, lowest first: the defaults below, a TOML file (``--config FILE`` or
``IPKG_CONFIG``), ``IPKG_<NAME>`` environment variables, command-line flags.
Security-relevant defaults are closed: updates need a token, ``SERVICE`` and
``LOAD`` need an allow-list, and time, row and body-size limits are set.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from ipkg.errors import ConfigError


@dataclass(frozen=True)
class Settings:
    """ipkg's configuration. Each field's docstring is its documentation."""

    root: Path = field(default_factory=Path.cwd)
    """Project folder holding ontology/, data/ and shapes/ (default: the current directory)."""

    state_dir: Path | None = None
    """Where the server keeps committed updates and caches (default: <root>/var)."""

    host: str = "127.0.0.1"
    """Address the server listens on."""

    port: int = 8000
    """Port the server listens on (0 picks a free one)."""

    threads: int = 8
    """Worker threads of the WSGI server (concurrent requests)."""

    query_timeout: float = 30.0
    """Seconds a query may run before it is stopped and answered 503."""

    max_result_rows: int = 100_000
    """Largest number of result rows (or triples) a query may return."""

    max_body_bytes: int = 10 * 1024 * 1024
    """Largest accepted request body in bytes."""

    max_query_bytes: int = 64 * 1024
    """Largest accepted SPARQL query text in bytes (parsing is not bounded by the timeout)."""

    update_token: str | None = None
    """Bearer token that enables SPARQL Update and Graph Store writes (unset: read-only)."""

    service_allowlist: tuple[str, ...] = ()
    """Endpoint IRIs that SERVICE and LOAD may contact (empty: nothing is fetched; FROM never fetches)."""

    cors_origins: str = "*"
    """Value of Access-Control-Allow-Origin on read responses (empty: no CORS)."""

    log_level: str = "INFO"
    """Logging level of the server and CLI (DEBUG, INFO, WARNING, ERROR)."""

    @property
    def ontology_dir(self) -> Path:
        """Folder of the ontology Turtle files."""
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        """Folder of the asserted facts (``links/`` inside goes to the links graph)."""
        return self.root / "data"

    @property
    def shapes_dir(self) -> Path:
        """Folder of the SHACL shapes."""
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        """Folder of the competency questions and quality checks."""
        return self.root / "queries"

    @property
    def var_dir(self) -> Path:
        """Resolved ``state_dir``."""
        return self.state_dir if self.state_dir is not None else self.root / "var"

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied and coerced like any other source."""
        return dataclasses.replace(self, **_coerce_all(changes))


ENV_PREFIX = "IPKG_"


def setting_docs() -> list[tuple[str, str, str, str]]:
    """(name, environment variable, default, description) per setting, for the README."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(Settings))
    docs: dict[str, str] = {}
    body = tree.body[0].body  # type: ignore[attr-defined]
    for node, after in zip(body, body[1:], strict=False):
        if isinstance(node, ast.AnnAssign) and isinstance(after, ast.Expr):
            docs[node.target.id] = after.value.value  # type: ignore[union-attr, attr-defined]
    rows = []
    for f in fields(Settings):
        default = "current directory" if f.name == "root" else repr(f.default)
        rows.append((f.name, ENV_PREFIX + f.name.upper(), default, docs.get(f.name, "")))
    return rows


def load_settings(
    config_file: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Settings from defaults, then ``config_file``, then ``IPKG_*`` variables, then ``overrides``.

    Raises:
        ConfigError: an unknown setting, a value of the wrong type, an unreadable file.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_file = config_file or environ.get(ENV_PREFIX + "CONFIG")
    if config_file:
        values.update(_read_toml(Path(config_file)))
    known = {f.name for f in fields(Settings)}
    for name in known:
        env_name = ENV_PREFIX + name.upper()
        if env_name in environ:
            values[name] = environ[env_name]
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return Settings(**_coerce_all(values))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError("config", f"cannot read {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("config", f"{path} is not valid TOML: {exc}") from exc
    section = data.get("ipkg", data)
    if not isinstance(section, dict):
        raise ConfigError("config", f"{path}: [ipkg] must be a table")
    return dict(section)


def _coerce_all(values: Mapping[str, Any]) -> dict[str, Any]:
    hints = get_type_hints(Settings)
    known = {f.name for f in fields(Settings)}
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in known:
            raise ConfigError(name, "unknown setting", hint=f"known settings: {', '.join(sorted(known))}")
        out[name] = _coerce(name, hints[name], value)
    return out


def _coerce(name: str, hint: Any, value: Any) -> Any:
    text = str(hint)
    try:
        if "Path" in text:
            if value in (None, ""):
                if "None" not in text:
                    raise ValueError("must not be empty")
                return None
            return Path(value)
        if "tuple" in text:
            if isinstance(value, str):
                return tuple(v.strip() for v in value.split(",") if v.strip())
            return tuple(str(v) for v in value)
        if hint is int or text == "int":
            whole = int(value)
            if whole < (0 if name == "port" else 1):
                raise ValueError("must be positive" if name != "port" else "must not be negative")
            return whole
        if hint is float or text == "float":
            seconds = float(value)
            if seconds <= 0:
                raise ValueError("must be positive")
            return seconds
        if "str" in text:
            return None if value in (None, "") and "None" in text else str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(name, f"bad value {value!r}: {exc}") from exc
    return value
