"""Version detection reads the files: a new release is reported without code changes."""

from __future__ import annotations

from pathlib import Path

from gateway.validation.versions import detect_version, rule_set_title


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _xslt(title: str | None = None) -> str:
    output = f'<svrl:schematron-output schemaVersion="iso" title="{title}">' if title else ""
    return f'<xsl:stylesheet version="2.0">{output}</xsl:stylesheet>'


def test_future_release_is_read_from_the_files(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "peppol-bis-billing-3/sch/PEPPOL-EN16931-UBL.sch",
        "<!-- Last update: 2027 November release 3.0.25. -->\n<schema>"
        "<title>Rules for Peppol BIS 3.0 Billing</title></schema>",
    )
    billing = _write(tmp_path, "peppol-bis-billing-3/xslt/PEPPOL-EN16931-UBL.xslt", _xslt())
    cen = _write(
        tmp_path,
        "en16931/xslt/EN16931-UBL-validation.xslt",
        "<!--Schematron version 1.3.17 - Last update: 2027-09-01-->" + _xslt(),
    )
    order = _write(
        tmp_path,
        "peppol-poacc-3/xslt/PEPPOLBIS-T01.xslt",
        _xslt("Rules for Peppol Order transaction 3.8"),
    )
    _write(
        tmp_path,
        "MANIFEST.md",
        "  peppol-poacc-3/          Peppol BIS post-award transactions, 2027 November release\n",
    )
    version = detect_version(
        tmp_path,
        {
            "PEPPOL-EN16931-UBL": billing,
            "EN16931-UBL-validation": cen,
            "PEPPOLBIS-T01": order,
        },
    )
    assert version.label == "Peppol BIS Billing 3.0.25, EN16931 1.3.17, POACC 2027.11"
    assert version.rule_sets == {
        "EN16931-UBL-validation": "(1.3.17)",
        "PEPPOL-EN16931-UBL": "Rules for Peppol BIS 3.0 Billing (3.0.25)",
        "PEPPOLBIS-T01": "Rules for Peppol Order transaction 3.8",
    }


def test_poacc_without_manifest_lists_transaction_versions(tmp_path: Path) -> None:
    t01 = _write(
        tmp_path, "p/xslt/PEPPOLBIS-T01.xslt", _xslt("Rules for Peppol Order transaction 3.7")
    )
    t16 = _write(
        tmp_path,
        "p/xslt/PEPPOLBIS-T16.xslt",
        _xslt("Rules for Peppol Despatch Advice transaction 3.5"),
    )
    version = detect_version(tmp_path, {"PEPPOLBIS-T01": t01, "PEPPOLBIS-T16": t16})
    assert version.components == {"POACC": "T01 3.7/T16 3.5"}


def test_nothing_recognisable_is_unknown(tmp_path: Path) -> None:
    version = detect_version(tmp_path, {})
    assert version.label == "unknown"


def test_title_falls_back_to_the_sch(tmp_path: Path) -> None:
    _write(tmp_path, "p/sch/X.sch", "<schema><title>Rules for something 2.1</title></schema>")
    xslt = _write(tmp_path, "p/xslt/X.xslt", _xslt())
    assert rule_set_title(xslt) == "Rules for something 2.1"
