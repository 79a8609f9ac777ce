"""Settings.load: defaults < TOML file < environment, errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.errors import ConfigurationError
from gateway.settings import Settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_environment_wins_over_file_and_file_over_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, 'port = 9000\nworkers = 4\nlog_format = "json"\n'
                           f'data_dir = "{tmp_path}"\n')
    settings = Settings.load(env={"GATEWAY_CONFIG": str(path), "GATEWAY_PORT": "9100"})
    assert settings.port == 9100
    assert settings.workers == 4
    assert settings.log_format == "json"
    assert settings.data_dir == tmp_path
    assert settings.host == Settings().host


def test_explicit_path_and_no_file(tmp_path: Path) -> None:
    path = write(tmp_path, "rate_limit_partner_per_second = 5\n")
    assert Settings.load(path, env={}).rate_limit_partner_per_second == 5.0
    assert Settings.load(env={}) == Settings()


@pytest.mark.parametrize(("text", "named"), [
    ('port = "eighty"', "key 'port': expected an integer"),
    ("port = 70000", "'port' (GATEWAY_PORT) must be between 0 and 65535"),
    ("workers = true", "key 'workers': expected an integer"),
    ('log_format = "xml"', "'log_format' (GATEWAY_LOG_FORMAT) must be one of json, text"),
    ("rate_limit_address_burst = 0", "'rate_limit_address_burst'"),
    ("worker_lease_seconds = nan", "key 'worker_lease_seconds': expected a number"),
    ("prot = 8080", "unknown key 'prot' (did you mean 'port'?)"),
    ("port = [", "is not valid TOML"),
])
def test_file_errors_name_the_key(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.load(write(tmp_path, text + "\n"), env={})
    assert named in caught.value.message


def test_environment_errors_name_the_variable() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"GATEWAY_WORKERS": "many"})
    assert caught.value.message == "GATEWAY_WORKERS: expected an integer, got 'many'"


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        Settings.load(env={"GATEWAY_CONFIG": str(tmp_path / "absent.toml")})


def test_tls_needs_both_existing_files(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    with pytest.raises(ConfigurationError, match=r"'tls_key_file' .* is required"):
        Settings.load(write(tmp_path, f'tls_cert_file = "{cert}"\n'), env={})
    with pytest.raises(ConfigurationError, match=r"'tls_key_file'.*does not exist"):
        Settings.from_env({"GATEWAY_TLS_CERT_FILE": str(cert),
                           "GATEWAY_TLS_KEY_FILE": str(tmp_path / "none.key")})


def test_from_env_keeps_working() -> None:
    settings = Settings.from_env({"GATEWAY_DATABASE_URL": "sqlite+aiosqlite:///x.db",
                                  "GATEWAY_WORKER_LEASE_SECONDS": "12.5", "GATEWAY_HOST": ""})
    assert settings.database_url == "sqlite+aiosqlite:///x.db"
    assert settings.worker_lease_seconds == 12.5
    assert settings.host == "127.0.0.1"  # empty counts as unset


def test_public_view_masks_secrets() -> None:
    settings = Settings(admin_token="adm-secret", metrics_token="m-secret",
                        database_url="postgresql+asyncpg://gw:db-secret@db/gw")
    shown = repr(settings.public_view())
    for secret in ("adm-secret", "m-secret", "db-secret"):
        assert secret not in shown
    assert settings.public_view()["port"] == 8080


def test_https_detection() -> None:
    assert not Settings().served_over_https
    assert Settings(public_url="https://gw.example").served_over_https
