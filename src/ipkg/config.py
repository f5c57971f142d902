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

    connection_limit: int = 1000
    """Connections held open at once (idle, slow and busy ones); past it new ones wait in the kernel's queue."""

    channel_timeout: int = 60
    """Seconds an idle connection (no request in progress) is kept open."""

    request_timeout: int = 30
    """Seconds a client may take to send one request (headers and body); a slower connection is closed."""

    max_header_bytes: int = 64 * 1024
    """Largest accepted request header section in bytes (431 beyond it)."""

    client_concurrency: int = 4
    """Requests one client address may have in progress at once; more are answered 429 with Retry-After."""

    client_rate: int = 0
    """Requests per second one client address may send on average, in bursts of up to twice that; more are
    answered 429 with Retry-After (0: no rate limit)."""

    max_pending_writes: int = 1
    """Writes (updates, Graph Store PUT/POST/DELETE) that may wait while one is applied; more are answered 503
    with Retry-After at once, so writers never hold the threads readers need (0: none waits)."""

    query_timeout: float = 30.0
    """Seconds a query may run before it is stopped and answered 503."""

    max_result_rows: int = 100_000
    """Largest number of result rows (or triples) a query may return."""

    max_body_bytes: int = 10 * 1024 * 1024
    """Largest accepted request body in bytes."""

    max_query_bytes: int = 64 * 1024
    """Largest accepted SPARQL query text in bytes (parsing is not bounded by the timeout)."""

    max_query_memory: int = 256 * 1024 * 1024
    """Estimated bytes of solutions one query may keep at once (ORDER BY, DISTINCT, GROUP BY, joins, CONSTRUCT)
    on the memory store; past it the query answers 503. The server's bound is threads times this."""

    max_literal_length: int = 1024 * 1024
    """Longest string (in characters) a SPARQL function may produce (CONCAT, REPLACE, GROUP_CONCAT …); a longer
    one is an expression error: the value is unbound."""

    max_response_bytes: int = 16 * 1024 * 1024
    """Largest reconciliation answer (queries, data extension) in bytes; a larger one is answered 413."""

    max_extend_ids: int = 1000
    """Ids one reconciliation data-extension request may ask for (400 beyond it)."""

    update_token: str | None = None
    """Bearer token that enables SPARQL Update and Graph Store writes (unset: read-only)."""

    service_allowlist: tuple[str, ...] = ()
    """Endpoint IRIs that SERVICE and LOAD may contact (empty: nothing is fetched; FROM never fetches)."""

    cors_origins: str = "*"
    """Value of Access-Control-Allow-Origin on read responses (empty: no CORS)."""

    public_base_url: str | None = None
    """The URL clients reach the server at (https://kg.example.org/); links in answers are built from it. Unset:
    from a trusted proxy's forwarded headers, else the server's own address, never the request's Host header."""

    trusted_proxies: tuple[str, ...] = ()
    """Addresses of reverse proxies whose Forwarded / X-Forwarded-* headers are honoured (empty: none are)."""

    log_level: str = "INFO"
    """Logging level of the server and CLI (DEBUG, INFO, WARNING, ERROR)."""

    store: str = "oxigraph"
    """Store backend: oxigraph (on disk under <state_dir>/store, queries in worker processes), memory (rdflib) or
    remote (a SPARQL 1.1 server: see the remote_* settings)."""

    query_workers: int = 2
    """Worker processes answering queries on the oxigraph store (a runaway query is stopped by killing its worker)."""

    worker_memory_limit: int = 2 * 1024 * 1024 * 1024
    """Bytes of memory one query worker may use (oxigraph store); past it the query answers 503."""

    remote_query_url: str | None = None
    """SPARQL 1.1 query endpoint of the remote store (store = remote), e.g. http://127.0.0.1:8890/sparql."""

    remote_update_url: str | None = None
    """SPARQL 1.1 update endpoint of the remote store (default: remote_query_url)."""

    remote_graph_store_url: str | None = None
    """Graph Store Protocol endpoint of the remote store, for loads and whole-graph reads (unset: SPARQL only)."""

    remote_user: str | None = None
    """User name for the remote store, sent by HTTP Basic or Digest auth as the server asks (unset: none)."""

    remote_password: str | None = field(default=None, repr=False)
    """Password for the remote store; give it in the environment (IPKG_REMOTE_PASSWORD). It is never logged."""

    remote_dialect: str = "auto"
    """The remote server's quirks to work around: auto (from its Server header), virtuoso, oxigraph or generic."""

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

ZERO_ALLOWED = frozenset({"port", "client_rate", "max_pending_writes"})
"""Whole-number settings where 0 means something (a free port, no limit, no waiting); others must be positive."""

CHOICES: dict[str, tuple[str, ...]] = {
    "store": ("oxigraph", "memory", "remote"),
    "remote_dialect": ("auto", "generic", "virtuoso", "oxigraph"),
}
"""Settings that take one of a few words."""


def setting_docs() -> list[tuple[str, str, str, str]]:
    """(name, environment variable, default, description) per setting, for the README."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(Settings))
    docs: dict[str, str] = {}
    body = tree.body[0].body  # type: ignore[attr-defined]
    for node, after in zip(body, body[1:], strict=False):
        if isinstance(node, ast.AnnAssign) and isinstance(after, ast.Expr):
            docs[node.target.id] = " ".join(after.value.value.split())  # type: ignore[union-attr, attr-defined]
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
        if name in CHOICES and out[name] not in CHOICES[name]:
            raise ConfigError(name, f"bad value {value!r}", hint=f"use one of: {', '.join(CHOICES[name])}")
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
            if whole < (0 if name in ZERO_ALLOWED else 1):
                raise ValueError("must not be negative" if name in ZERO_ALLOWED else "must be positive")
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
