"""`gateway config check` and `gateway config show`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli.main import cli


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("GATEWAY_CONFIG", "GATEWAY_PORT", "GATEWAY_ADMIN_TOKEN", "GATEWAY_WORKERS",
                 "GATEWAY_DATABASE_URL", "GATEWAY_METRICS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def test_check_accepts_a_valid_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text("port = 9000\n")
    result = runner.invoke(cli, ["config", "check", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert "configuration OK" in result.output


def test_check_names_the_bad_key(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text('workers = "two"\n')
    result = runner.invoke(cli, ["config", "check", "--config", str(path)])
    assert result.exit_code == 2
    assert "key 'workers': expected an integer" in result.output


def test_check_loads_the_tls_files(runner: CliRunner, tmp_path: Path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("not a certificate")
    key.write_text("not a key")
    result = runner.invoke(cli, ["config", "check"], env={
        "GATEWAY_TLS_CERT_FILE": str(cert), "GATEWAY_TLS_KEY_FILE": str(key)})
    assert result.exit_code == 2
    assert "tls_cert_file" in result.output


def test_show_masks_secrets_and_names_sources(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text('admin_token = "file-secret"\nport = 9000\n')
    env = {"GATEWAY_CONFIG": str(path), "GATEWAY_WORKERS": "5",
           "GATEWAY_DATABASE_URL": "postgresql+asyncpg://gw:pg-secret@db/gw"}
    result = runner.invoke(cli, ["config", "show"], env=env)
    assert result.exit_code == 0, result.output
    assert "file-secret" not in result.output
    assert "pg-secret" not in result.output
    assert f"port = 9000  # file {path}" in result.output
    assert "workers = 5  # env GATEWAY_WORKERS" in result.output
    assert 'host = "127.0.0.1"  # default' in result.output
    as_json = json.loads(runner.invoke(cli, ["config", "show", "--json"], env=env).output)
    assert as_json["settings"]["admin_token"] == "********"
    assert as_json["sources"]["admin_token"] == f"file {path}"
