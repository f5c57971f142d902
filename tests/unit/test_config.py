"""Settings: defaults, then TOML, then IPKG_* variables, then overrides; bad values are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipkg.config import Settings, load_settings, setting_docs
from ipkg.errors import ConfigError


def test_defaults_are_closed() -> None:
    settings = load_settings(environ={})
    assert settings.update_token is None
    assert settings.service_allowlist == ()
    assert settings.query_timeout == 30.0
    assert settings.max_result_rows > 0 and settings.max_body_bytes > 0


def test_precedence_file_then_environment_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "ipkg.toml"
    config.write_text('[ipkg]\nport = 9000\nquery_timeout = 5\nservice_allowlist = ["http://a.test/sparql"]\n')
    settings = load_settings(config, environ={"IPKG_PORT": "9100"}, overrides={"query_timeout": 2.5})
    assert settings.port == 9100
    assert settings.query_timeout == 2.5
    assert settings.service_allowlist == ("http://a.test/sparql",)


def test_environment_list_is_comma_separated() -> None:
    settings = load_settings(environ={"IPKG_SERVICE_ALLOWLIST": "http://a.test/sparql, http://b.test/sparql"})
    assert settings.service_allowlist == ("http://a.test/sparql", "http://b.test/sparql")


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"IPKG_PORT": "eighty"}, "port"),
        ({"IPKG_QUERY_TIMEOUT": "-1"}, "query_timeout"),
    ],
)
def test_bad_values_name_the_setting(environ: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        load_settings(environ=environ)


def test_unknown_setting_lists_the_known_ones(tmp_path: Path) -> None:
    config = tmp_path / "ipkg.toml"
    config.write_text("[ipkg]\nprot = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={})
    assert "prot" in str(caught.value) and "port" in str(caught.value)


def test_bad_toml_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "ipkg.toml"
    config.write_text("[ipkg\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config, environ={})


def test_every_setting_is_documented() -> None:
    rows = setting_docs()
    assert {name for name, *_ in rows} == set(Settings.__dataclass_fields__)
    assert all(doc for *_, doc in rows)
