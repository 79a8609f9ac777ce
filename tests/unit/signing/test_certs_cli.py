"""`gateway certs dev` writes a usable development PKI and refuses to clobber it."""

from __future__ import annotations

import stat
from pathlib import Path

from click.testing import CliRunner

from gateway.cli.main import cli
from gateway.signing.credentials import SigningCredentials
from gateway.signing.document import DocumentSigner, DocumentVerifier
from gateway.signing.trust import SignerTrust


def test_certs_dev_creates_a_working_pki(tmp_path: Path) -> None:
    out = tmp_path / "dev"
    result = CliRunner().invoke(
        cli, ["certs", "dev", "--out", str(out), "--seat", "POP000903", "--partner", "acme"]
    )
    assert result.exit_code == 0, result.output
    assert "ap/POP000903.key" in result.output
    key = out / "ap/POP000903.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    credentials = SigningCredentials.from_files(key, out / "ap/POP000903.crt")
    signed = DocumentSigner(credentials).sign(b"<doc xmlns='urn:x'><v>1</v></doc>")
    trust = SignerTrust.anchors_pem((out / "trust/root.pem").read_bytes())
    assert DocumentVerifier(trust).verify(signed).signer == credentials.certificate
    assert (out / "partners/acme.crt").exists()


def test_certs_dev_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["certs", "dev", "--out", str(tmp_path), "--seat", "POP000903", "--partner", "acme"]
    assert runner.invoke(cli, args).exit_code == 0
    before = (tmp_path / "ca/root.crt").read_bytes()
    again = runner.invoke(cli, args)
    assert again.exit_code != 0
    assert "--force" in str(again.exception)
    assert (tmp_path / "ca/root.crt").read_bytes() == before
    assert runner.invoke(cli, [*args, "--force"]).exit_code == 0
    assert (tmp_path / "ca/root.crt").read_bytes() != before


def test_certs_dev_rejects_unsafe_names(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["certs", "dev", "--out", str(tmp_path), "--seat", "../x"])
    assert result.exit_code == 2
    assert "letters, digits" in result.output
