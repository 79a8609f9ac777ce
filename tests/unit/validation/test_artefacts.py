"""Artefacts: install from a directory or zip, MANIFEST.json, status and tamper detection."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.errors import ArtefactsError
from gateway.validation.artefacts import (
    MANIFEST_NAME,
    Artefacts,
    install,
    is_artefact,
    normalise_rule_set,
    sha256_file,
)

pytestmark = pytest.mark.artefacts

REGISTRY_RULE_SETS = {
    "CEN-EN16931-UBL",
    "PEPPOL-EN16931-UBL",
    "PEPPOL-EN16931-UBL-SB",
    "EN16931-UBL-validation",
    "PEPPOLBIS-T01",
    "PEPPOLBIS-T16",
    "PEPPOLBIS-T76",
    "PEPPOLBIS-T111",
    "PEPPOLBIS-T71",
}


@pytest.fixture(scope="module")
def installed(standards_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Artefacts:
    dest = tmp_path_factory.mktemp("data") / "artefacts"
    return install(standards_dir, dest, now=datetime(2026, 5, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def fresh_copy(standards_dir: Path, tmp_path: Path) -> Artefacts:
    return install(standards_dir, tmp_path / "artefacts")


def test_install_copies_only_artefacts(installed: Artefacts) -> None:
    files = {
        p.relative_to(installed.root).as_posix() for p in installed.root.rglob("*") if p.is_file()
    }
    assert "ubl-2.1/xsdrt/maindoc/UBL-Invoice-2.1.xsd" in files
    assert "peppol-bis-billing-3/xslt/PEPPOL-EN16931-UBL.xslt" in files
    assert "peppol-poacc-3/NOTICE.md" in files  # attribution travels with the rules
    for left_behind in ("examples", "unit-tests", "snippets", "testfiles", "/xsd/", "sch-3.0.19"):
        assert not [f for f in files if left_behind in f], left_behind
    assert "expected-results.json" not in files
    assert "SHA256SUMS" not in files


def test_manifest_records_checksums_version_source_and_time(
    installed: Artefacts, standards_dir: Path
) -> None:
    manifest = json.loads((installed.root / MANIFEST_NAME).read_text("utf-8"))
    assert manifest["installed_at"] == "2026-05-01T12:00:00Z"
    assert manifest["source"] == str(standards_dir.resolve())
    assert manifest["version"] == installed.version.label
    assert manifest["source_checksums"].endswith("verified against the source SHA256SUMS")
    xslt = "peppol-bis-billing-3/xslt/CEN-EN16931-UBL.xslt"
    assert manifest["files"][xslt] == sha256_file(standards_dir / xslt)
    assert MANIFEST_NAME not in manifest["files"]


def test_version_is_detected_from_the_files(installed: Artefacts) -> None:
    version = installed.version
    assert version.components == {
        "Peppol BIS Billing": "3.0.21",
        "Self-Billing": "3.0.2",
        "EN16931": "1.3.16",
        "POACC": "2026.5",
    }
    assert version.label == (
        "Peppol BIS Billing 3.0.21, Self-Billing 3.0.2, EN16931 1.3.16, POACC 2026.5"
    )
    assert version.rule_sets["PEPPOLBIS-T01"] == "Rules for Peppol Order transaction 3.7"
    assert version.rule_sets["PEPPOL-EN16931-UBL"].endswith("(3.0.21)")


def test_rule_sets_resolve_for_every_registry_id(installed: Artefacts) -> None:
    assert set(installed.rule_set_ids) >= REGISTRY_RULE_SETS
    assert installed.xslt("EN16931-UBL-validation.xslt").name == "EN16931-UBL-validation.xslt"
    with pytest.raises(ArtefactsError, match="PEPPOLBIS-T999"):
        installed.xslt("PEPPOLBIS-T999")


def test_xsd_paths_stay_inside_the_root(installed: Artefacts) -> None:
    assert installed.xsd("ubl-2.1/xsdrt/maindoc/UBL-Order-2.1.xsd").is_file()
    with pytest.raises(ArtefactsError, match="inside"):
        installed.xsd("../../etc/passwd")
    with pytest.raises(ArtefactsError, match="missing"):
        installed.xsd("ubl-2.1/xsdrt/maindoc/UBL-Nothing-2.1.xsd")


def test_status_of_fresh_install_is_ok(installed: Artefacts) -> None:
    status = installed.status()
    assert status.integrity.state == "ok"
    assert status.integrity.checked > 250
    assert status.installed_at == "2026-05-01T12:00:00Z"
    assert status.to_dict()["integrity"]["state"] == "ok"


def test_tampered_file_is_detected(fresh_copy: Artefacts) -> None:
    target = fresh_copy.root / "peppol-bis-billing-3/xslt/PEPPOL-EN16931-UBL.xslt"
    target.write_bytes(target.read_bytes().replace(b"fatal", b"warning", 1))
    integrity = fresh_copy.verify()
    assert integrity.state == "modified"
    assert integrity.modified == ("peppol-bis-billing-3/xslt/PEPPOL-EN16931-UBL.xslt",)
    with pytest.raises(ArtefactsError, match=r"PEPPOL-EN16931-UBL\.xslt"):
        fresh_copy.require_intact()


def test_missing_and_planted_files_are_detected(fresh_copy: Artefacts) -> None:
    (fresh_copy.root / "peppol-poacc-3/xslt/PEPPOLBIS-T16.xslt").unlink()
    planted = fresh_copy.root / "peppol-poacc-3/xslt/PEPPOLBIS-T99.xslt"
    planted.write_text("<xsl:stylesheet/>")
    integrity = fresh_copy.verify()
    assert integrity.missing == ("peppol-poacc-3/xslt/PEPPOLBIS-T16.xslt",)
    assert integrity.unexpected == ("peppol-poacc-3/xslt/PEPPOLBIS-T99.xslt",)
    assert not integrity.intact


def test_source_layout_is_verified_against_sha256sums(standards_dir: Path) -> None:
    integrity = Artefacts(standards_dir).verify()
    assert integrity.basis == "SHA256SUMS"
    assert integrity.state == "ok"


def test_reinstall_replaces_previous_install(standards_dir: Path, fresh_copy: Artefacts) -> None:
    (fresh_copy.root / "peppol-poacc-3/xslt/PEPPOLBIS-T16.xslt").unlink()
    again = install(standards_dir, fresh_copy.root)
    assert again.verify().state == "ok"
    assert not list(fresh_copy.root.parent.glob(".artefacts.*"))


def test_install_refuses_to_replace_a_foreign_directory(
    standards_dir: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "precious"
    dest.mkdir()
    (dest / "thesis.txt").write_text("do not delete")
    with pytest.raises(ArtefactsError, match="not replacing"):
        install(standards_dir, dest)
    assert (dest / "thesis.txt").read_text() == "do not delete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious"]


def test_install_rejects_a_directory_without_the_layout(tmp_path: Path) -> None:
    source = tmp_path / "random"
    source.mkdir()
    (source / "notes.txt").write_text("hello")
    with pytest.raises(ArtefactsError, match="not laid out like"):
        install(source, tmp_path / "artefacts")
    assert not (tmp_path / "artefacts").exists()


def test_install_rejects_a_source_that_fails_its_sha256sums(
    standards_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "standards"
    install(standards_dir, source)  # a copy we may alter
    (source / "MANIFEST.json").unlink()
    xslt = "peppol-poacc-3/xslt/PEPPOLBIS-T01.xslt"
    (source / "SHA256SUMS").write_text(f"{'0' * 64}  ./{xslt}\n")
    with pytest.raises(ArtefactsError, match="does not match the source SHA256SUMS"):
        install(source, tmp_path / "artefacts")


def _zip_of(standards_dir: Path, archive: Path, prefix: str, extra: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(standards_dir.rglob("*")):
            relative = path.relative_to(standards_dir).as_posix()
            if path.is_file() and (is_artefact(relative) or relative == "SHA256SUMS"):
                zf.write(path, prefix + relative)
        for name, data in extra.items():
            zf.writestr(name, data)
    return archive


def test_install_from_zip_with_a_top_folder(standards_dir: Path, tmp_path: Path) -> None:
    archive = _zip_of(
        standards_dir,
        tmp_path / "standards.zip",
        "standards/",
        {
            "standards/peppol-bis-billing-3/examples/base-example.xml": b"<Invoice/>",
        },
    )
    artefacts = install(archive, tmp_path / "data" / "artefacts")
    assert artefacts.verify().state == "ok"
    assert artefacts.version.components["Peppol BIS Billing"] == "3.0.21"
    assert not (artefacts.root / "peppol-bis-billing-3/examples").exists()


@pytest.mark.parametrize(
    "evil_name",
    ["../evil.xslt", "standards/../../evil.xslt", "/tmp/evil.xslt", "standards\\..\\evil.xslt"],
)
def test_zip_with_path_traversal_is_rejected(
    standards_dir: Path, tmp_path: Path, evil_name: str
) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(
            "standards/peppol-poacc-3/xslt/PEPPOLBIS-T01.xslt",
            (standards_dir / "peppol-poacc-3/xslt/PEPPOLBIS-T01.xslt").read_bytes(),
        )
        zf.writestr(evil_name, b"<owned/>")
    dest = tmp_path / "data" / "artefacts"
    with pytest.raises(ArtefactsError, match="unsafe archive entry"):
        install(archive, dest)
    assert not dest.exists()
    assert not (tmp_path / "evil.xslt").exists()
    assert not list((tmp_path / "data").iterdir())  # staging cleaned up


def test_install_rejects_a_file_that_is_no_zip(tmp_path: Path) -> None:
    bogus = tmp_path / "artefacts.zip"
    bogus.write_bytes(b"this is not an archive")
    with pytest.raises(ArtefactsError, match=r"neither a directory nor a \.zip"):
        install(bogus, tmp_path / "artefacts")


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArtefactsError, match="does not exist"):
        Artefacts(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("relative", "copied"),
    [
        ("ubl-2.1/xsdrt/common/UBL-CommonBasicComponents-2.1.xsd", True),
        ("ubl-2.1/xsd/common/UBL-CommonBasicComponents-2.1.xsd", False),
        ("peppol-poacc-3/xslt/PEPPOLBIS-T01.xslt", True),
        ("peppol-poacc-3/examples/Order/x.xml", False),
        ("en16931/unit-tests/Invoice-unit-UBL/BR-01.xml", False),
        ("peppol-bis-billing-3/xslt/nested/deeper/CEN.xslt", False),
    ],
)
def test_install_patterns(relative: str, copied: bool) -> None:
    assert is_artefact(relative) is copied


def test_rule_set_names_may_carry_the_file_suffix() -> None:
    assert normalise_rule_set(" PEPPOLBIS-T01.xslt ") == "PEPPOLBIS-T01"
    assert normalise_rule_set("UBL-DefaultDTQ-2.1.xsl") == "UBL-DefaultDTQ-2.1"
