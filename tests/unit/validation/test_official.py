"""OfficialValidator: XSD findings, SVRL findings, encodings, Saxon errors, threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gateway.errors import ArtefactsError
from gateway.findings import Layer, Severity
from gateway.validation.artefacts import Artefacts, install
from gateway.validation.official import RULE_SCHEMATRON_ERROR, OfficialValidator, svrl_findings
from gateway.xml.parser import parse_xml

pytestmark = pytest.mark.artefacts

SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
XSL_HEAD = (
    '<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
    f'xmlns:svrl="{SVRL_NS}">'
)
ECHO_XSLT = (
    XSL_HEAD
    + """
  <xsl:template match="/">
    <svrl:schematron-output title="Echo 1.0">
      <svrl:failed-assert id="ECHO" flag="warning" location="/">
        <svrl:text><xsl:value-of select="/*/*[local-name() = 'Note']"/></svrl:text>
      </svrl:failed-assert>
    </svrl:schematron-output>
  </xsl:template>
</xsl:stylesheet>"""
)
TERMINATE_XSLT = (
    XSL_HEAD
    + """
  <xsl:template match="/">
    <xsl:message terminate="yes">code list value LA</xsl:message>
  </xsl:template>
</xsl:stylesheet>"""
)


@pytest.fixture(scope="module")
def official(standards_dir: Path) -> OfficialValidator:
    return OfficialValidator(Artefacts(standards_dir))


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> OfficialValidator:
    root = tmp_path_factory.mktemp("custom-artefacts")
    (root / "custom" / "xslt").mkdir(parents=True)
    (root / "custom/xslt/ECHO.xslt").write_text(ECHO_XSLT, encoding="utf-8")
    (root / "custom/xslt/TERMINATE.xslt").write_text(TERMINATE_XSLT, encoding="utf-8")
    return OfficialValidator(Artefacts(root))


def _order(standards_dir: Path) -> bytes:
    return (standards_dir / "peppol-poacc-3/examples/Order_Example.xml").read_bytes()


def test_svrl_flags_map_to_severities() -> None:
    svrl = f"""<svrl:schematron-output xmlns:svrl="{SVRL_NS}">
      <svrl:failed-assert id="R1" flag="fatal" location="/a"><svrl:text>  one
         two </svrl:text></svrl:failed-assert>
      <svrl:failed-assert id="R2" flag="error" location="/b"><svrl:text>x</svrl:text>
      </svrl:failed-assert>
      <svrl:failed-assert id="R3" flag="warning" location="/c"><svrl:text>y</svrl:text>
      </svrl:failed-assert>
      <svrl:failed-assert id="R4" location="/d"><svrl:text>z</svrl:text></svrl:failed-assert>
      <svrl:successful-report id="R5" flag="information" location="/e"><svrl:text>i</svrl:text>
      </svrl:successful-report>
      <svrl:fired-rule context="/"/>
    </svrl:schematron-output>"""
    findings = svrl_findings(svrl)
    assert [(f.rule_id, f.severity) for f in findings] == [
        ("R1", Severity.FATAL),
        ("R2", Severity.FATAL),
        ("R3", Severity.WARNING),
        ("R4", Severity.FATAL),
        ("R5", Severity.INFO),
    ]
    assert findings[0].message == "one two"
    assert findings[0].xpath == "/a"
    assert {f.layer for f in findings} == {Layer.SCHEMATRON}


def test_xsd_error_has_line_message_and_path(
    official: OfficialValidator, standards_dir: Path
) -> None:
    data = _order(standards_dir).replace(
        b"<cbc:IssueDate>", b"<cbc:Bogus>1</cbc:Bogus><cbc:IssueDate>", 1
    )
    findings = official.check_xsd(parse_xml(data), "ubl-2.1/xsdrt/maindoc/UBL-Order-2.1.xsd")
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.rule_id, finding.severity, finding.layer) == ("XSD", Severity.FATAL, Layer.XSD)
    assert finding.message.startswith("line 10: ")
    assert "Bogus" in finding.message
    assert finding.xpath == "/*/cbc:Bogus"


def test_valid_order_passes_xsd_and_t01(official: OfficialValidator, standards_dir: Path) -> None:
    data = _order(standards_dir)
    assert official.check_xsd(parse_xml(data), "ubl-2.1/xsdrt/maindoc/UBL-Order-2.1.xsd") == []
    assert official.check_schematron(data, ["PEPPOLBIS-T01"]) == []


def test_schematron_flags_a_broken_rule(official: OfficialValidator, standards_dir: Path) -> None:
    data = _order(standards_dir).replace(
        b"<cbc:DocumentCurrencyCode>NOK", b"<cbc:DocumentCurrencyCode>XXX", 1
    )
    fatal = {f.rule_id for f in official.check_schematron(data, ["PEPPOLBIS-T01"]) if f.is_fatal}
    assert fatal
    assert all(rule.startswith(("PEPPOL-", "EN16931-", "BR-", "T01-")) for rule in fatal)


def test_declared_iso_8859_1_reaches_saxon_intact(custom: OfficialValidator) -> None:
    text = "Müller & Søn, Ærø"
    body = f"<Order xmlns='urn:x'><Note>{text.replace('&', '&amp;')}</Note></Order>"
    latin1 = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + body.encode("iso-8859-1")
    findings = custom.check_schematron(latin1, ["ECHO"])
    assert [(f.rule_id, f.severity, f.message) for f in findings] == [
        ("ECHO", Severity.WARNING, text)
    ]


def test_saxon_termination_becomes_a_finding(custom: OfficialValidator) -> None:
    findings = custom.check_schematron(b"<Order xmlns='urn:x'/>", ["TERMINATE", "ECHO"])
    assert findings[0].rule_id == RULE_SCHEMATRON_ERROR
    assert findings[0].severity is Severity.FATAL
    assert "TERMINATE" in findings[0].message
    assert [f.rule_id for f in findings[1:]] == ["ECHO"]  # the next rule set still ran


def test_unknown_rule_set_is_an_artefacts_error(official: OfficialValidator) -> None:
    with pytest.raises(ArtefactsError, match="PEPPOLBIS-T404"):
        official.check_schematron(b"<a/>", ["PEPPOLBIS-T404"])


def test_tampered_artefacts_are_refused(standards_dir: Path, tmp_path: Path) -> None:
    artefacts = install(standards_dir, tmp_path / "artefacts")
    xslt = artefacts.root / "peppol-poacc-3/xslt/PEPPOLBIS-T01.xslt"
    xslt.write_bytes(xslt.read_bytes() + b"\n<!-- edited -->")
    with pytest.raises(ArtefactsError, match="NOT intact"):
        OfficialValidator(artefacts)


def test_concurrent_validation_matches_serial(
    official: OfficialValidator, standards_dir: Path
) -> None:
    documents = [
        _order(standards_dir),
        _order(standards_dir).replace(
            b"<cbc:DocumentCurrencyCode>NOK", b"<cbc:DocumentCurrencyCode>XXX", 1
        ),
    ] * 8

    def run(data: bytes) -> list[str]:
        return sorted(f.rule_id for f in official.check_schematron(data, ["PEPPOLBIS-T01"]))

    serial = [run(d) for d in documents]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(run, documents)) == serial
