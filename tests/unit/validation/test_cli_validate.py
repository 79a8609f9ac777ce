"""`gateway validate` and `gateway artefacts`: exit codes 0/1/2, output formats, messages."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Protocol

import pytest
from click.testing import CliRunner, Result

from gateway.cli.main import cli
from gateway.documents.convert import model_to_json, xml_to_model
from gateway.documents.json_type import with_document_type

pytestmark = pytest.mark.artefacts

BASE_EXAMPLE = "peppol-bis-billing-3/examples/base-example.xml"
PEPPOL_UNCLEAN = "en16931/testfiles/BIS_Billing_30-Elnat.xml"


class Run(Protocol):
    def __call__(self, *args: str, stdin: bytes | None = None, **env: str) -> Result: ...


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """Run the CLI with a private data dir and no artefacts configured by the environment."""

    def invoke(*args: str, stdin: bytes | None = None, **env: str) -> Result:
        environment: dict[str, str | None] = {
            "GATEWAY_DATA_DIR": str(tmp_path / "data"),
            "GATEWAY_ARTEFACTS_DIR": None,
        }
        environment.update(env)
        return CliRunner().invoke(cli, list(args), input=stdin, env=environment)

    return invoke


def test_valid_document_exits_0(run: Run, standards_dir: Path) -> None:
    result = run("validate", str(standards_dir / BASE_EXAMPLE), "--artefacts", str(standards_dir))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("VALID: invoice; artefacts: Peppol BIS Billing 3.0.21")
    # With the artefacts the official Schematron judges; the own rules would repeat its ids.
    assert "layers run: parse, xsd, schematron, model; skipped: rules" in result.stdout


def test_invalid_document_exits_1_with_json_report(run: Run, standards_dir: Path) -> None:
    result = run(
        "validate",
        str(standards_dir / PEPPOL_UNCLEAN),
        "--format",
        "json",
        "--artefacts",
        str(standards_dir),
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert list(report) == ["valid", "document_type", "artefacts_version", "findings"]
    assert report["valid"] is False
    assert report["document_type"] == "invoice"
    assert "EN16931 1.3.16" in report["artefacts_version"]
    finding = report["findings"][0]
    assert list(finding) == ["rule_id", "severity", "layer", "message", "xpath", "json_pointer"]
    assert (finding["rule_id"], finding["severity"], finding["layer"]) == (
        "PEPPOL-COMMON-R049",
        "fatal",
        "schematron",
    )
    assert finding["xpath"].startswith("/*:Invoice")


@pytest.mark.parametrize(
    "rules", [["--rules", "EN16931-UBL-validation"], ["--rules", "EN16931-UBL-validation.xslt"]]
)
def test_rules_option_forces_rule_sets(run: Run, standards_dir: Path, rules: list[str]) -> None:
    result = run(
        "validate", str(standards_dir / PEPPOL_UNCLEAN), "--artefacts", str(standards_dir), *rules
    )
    assert result.exit_code == 0, result.output


def test_rules_option_accepts_several(run: Run, standards_dir: Path) -> None:
    source = str(standards_dir / PEPPOL_UNCLEAN)
    repeated = run(
        "validate",
        source,
        "--artefacts",
        str(standards_dir),
        "--format",
        "json",
        "--rules",
        "CEN-EN16931-UBL",
        "--rules",
        "PEPPOL-EN16931-UBL",
    )
    comma = run(
        "validate",
        source,
        "--artefacts",
        str(standards_dir),
        "--format",
        "json",
        "--rules",
        "CEN-EN16931-UBL,PEPPOL-EN16931-UBL",
    )
    assert repeated.exit_code == comma.exit_code == 1
    assert json.loads(repeated.stdout) == json.loads(comma.stdout)


def test_unknown_rule_set_exits_2(run: Run, standards_dir: Path) -> None:
    result = run(
        "validate",
        str(standards_dir / BASE_EXAMPLE),
        "--artefacts",
        str(standards_dir),
        "--rules",
        "PEPPOLBIS-T999",
    )
    assert result.exit_code == 2
    assert "rule set 'PEPPOLBIS-T999' is not in the artefacts" in result.stderr


def test_stdin_input(run: Run, standards_dir: Path) -> None:
    data = (standards_dir / BASE_EXAMPLE).read_bytes()
    result = run(
        "validate", "-", "--format", "json", stdin=data, GATEWAY_ARTEFACTS_DIR=str(standards_dir)
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["artefacts_version"].startswith("Peppol BIS Billing")


def test_without_artefacts_the_own_rules_judge(run: Run, standards_dir: Path) -> None:
    result = run("validate", str(standards_dir / PEPPOL_UNCLEAN), "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["artefacts_version"] is None
    # The same fatal id the official Peppol Schematron raises on this file (MANIFEST.md).
    assert {f["rule_id"] for f in report["findings"] if f["severity"] == "fatal"} == {
        "PEPPOL-COMMON-R049"
    }
    assert all(f["layer"] == "rules" for f in report["findings"] if f["severity"] == "fatal")
    text = run("validate", str(standards_dir / BASE_EXAMPLE))
    assert text.exit_code == 0, text.output
    assert "layers run: parse, model, rules; skipped: xsd, schematron" in text.stdout


def test_json_input_runs_model_then_xml_layers(run: Run, standards_dir: Path,
                                               tmp_path: Path) -> None:
    data = (standards_dir / "peppol-poacc-3/examples/Order_Example.xml").read_bytes()
    doc_type, model, _ = xml_to_model(data)
    source = tmp_path / "order.json"
    source.write_text(json.dumps(with_document_type(doc_type, model_to_json(model))))
    result = run("validate", str(source), "--artefacts", str(standards_dir))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("VALID: order;")
    assert "layers run: parse, xsd, schematron, model; skipped: rules" in result.stdout


def test_unreadable_input_exits_2(run: Run, tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "missing.xml"))
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
    assert "Traceback" not in result.output


def test_missing_artefacts_dir_exits_2(run: Run, standards_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("validate", str(standards_dir / BASE_EXAMPLE), "--artefacts", str(empty))
    assert result.exit_code == 2
    assert "holds no validation artefacts" in result.stderr


def test_artefacts_install_then_status_then_tamper(
    run: Run, standards_dir: Path, tmp_path: Path
) -> None:
    assert run("artefacts", "status").exit_code == 2
    installed = run("artefacts", "install", str(standards_dir))
    assert installed.exit_code == 0, installed.output
    assert "installed Peppol BIS Billing 3.0.21" in installed.stdout
    status = run("artefacts", "status", "--format", "json")
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["integrity"]["state"] == "ok"
    # the installed copy is now the default for validate
    valid = run("validate", str(standards_dir / BASE_EXAMPLE))
    assert "artefacts: Peppol BIS Billing 3.0.21" in valid.stdout
    xslt = tmp_path / "data/artefacts/peppol-poacc-3/xslt/PEPPOLBIS-T76.xslt"
    xslt.write_bytes(xslt.read_bytes().replace(b">fatal<", b">warning<"))
    tampered = run("artefacts", "status")
    assert tampered.exit_code == 1
    assert "modified: peppol-poacc-3/xslt/PEPPOLBIS-T76.xslt" in tampered.stdout
    refused = run("validate", str(standards_dir / BASE_EXAMPLE))
    assert refused.exit_code == 2
    assert "NOT intact" in refused.stderr


def test_artefacts_install_with_data_dir_option(
    run: Run, standards_dir: Path, tmp_path: Path
) -> None:
    other = tmp_path / "elsewhere"
    result = run("artefacts", "install", str(standards_dir), "--data-dir", str(other))
    assert result.exit_code == 0, result.output
    assert (other / "artefacts" / "MANIFEST.json").is_file()
    status = run("artefacts", "status", "--data-dir", str(other))
    assert status.exit_code == 0
    assert "integrity: ok" in status.stdout


def test_artefacts_install_rejects_traversal_zip(run: Run, tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("standards/peppol-poacc-3/xslt/PEPPOLBIS-T01.xslt", b"<x/>")
        zf.writestr("standards/../../../evil.txt", b"owned")
    result = run("artefacts", "install", str(archive))
    assert result.exit_code == 2
    assert "unsafe archive entry 'standards/../../../evil.txt'" in result.stderr
    assert "Traceback" not in result.output
