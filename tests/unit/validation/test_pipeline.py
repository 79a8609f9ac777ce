"""Validator: layer order, stop at the first fatal layer, skipped layers, type sniffing."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from gateway.documents.registry import REGISTRY, DocumentType
from gateway.errors import ArtefactsError, HostileInputError, UnsupportedDocumentError
from gateway.findings import Finding, Layer, Severity
from gateway.validation.artefacts import Artefacts
from gateway.validation.official import OfficialValidator
from gateway.validation.pipeline import Validator, sniff_type

pytestmark = pytest.mark.artefacts

BASE_EXAMPLE = "peppol-bis-billing-3/examples/base-example.xml"


class Recorder:
    """An own layer that records its calls and returns fixed findings."""

    def __init__(self, layer: Layer, findings: list[Finding] | None = None) -> None:
        self.layer = layer
        self.findings = findings or []
        self.calls: list[str] = []

    def __call__(self, root: etree._Element, doc_type: DocumentType) -> list[Finding]:
        self.calls.append(doc_type.key)
        return self.findings


def _fatal(rule_id: str, layer: Layer) -> Finding:
    return Finding(rule_id, Severity.FATAL, layer, "broken")


@pytest.fixture(scope="module")
def official(standards_dir: Path) -> OfficialValidator:
    return OfficialValidator(Artefacts(standards_dir))


@pytest.fixture(scope="module")
def invoice(standards_dir: Path) -> bytes:
    return (standards_dir / BASE_EXAMPLE).read_bytes()


def test_valid_invoice_runs_every_layer(official: OfficialValidator, invoice: bytes) -> None:
    model, rules = Recorder(Layer.MODEL), Recorder(Layer.RULES)
    report = Validator(official, own_layers=[model, rules]).validate_xml(invoice)
    assert report.valid
    assert report.document_type == "invoice"
    assert report.layers_run == [Layer.PARSE, Layer.XSD, Layer.SCHEMATRON, Layer.MODEL, Layer.RULES]
    assert report.layers_skipped == []
    assert report.artefacts_version == official.version
    assert model.calls == rules.calls == ["invoice"]


def test_xsd_failure_skips_schematron_and_own_layers(
    official: OfficialValidator, invoice: bytes
) -> None:
    broken = invoice.replace(b"<cbc:IssueDate>", b"<cbc:Nope/><cbc:IssueDate>", 1)
    rules = Recorder(Layer.RULES)
    report = Validator(official, own_layers=[rules]).validate_xml(broken)
    assert not report.valid
    assert report.fatal_rule_ids() == {"XSD"}
    assert report.layers_run == [Layer.PARSE, Layer.XSD]
    assert report.layers_skipped == [Layer.SCHEMATRON, Layer.RULES]
    assert rules.calls == []


def test_schematron_failure_skips_own_layers(
    official: OfficialValidator, standards_dir: Path
) -> None:
    data = (standards_dir / "en16931/testfiles/BIS_Billing_30-Elnat.xml").read_bytes()
    rules = Recorder(Layer.RULES)
    report = Validator(official, own_layers=[rules]).validate_xml(data)
    assert report.fatal_rule_ids() == {"PEPPOL-COMMON-R049"}
    assert report.layers_skipped == [Layer.RULES]


def test_forced_rule_sets_replace_the_type_defaults(
    official: OfficialValidator, standards_dir: Path
) -> None:
    data = (standards_dir / "en16931/testfiles/BIS_Billing_30-Elnat.xml").read_bytes()
    report = Validator(official).validate_xml(data, rule_sets=("EN16931-UBL-validation.xslt",))
    assert report.valid


def test_fatal_own_layer_stops_the_next(invoice: bytes) -> None:
    model = Recorder(Layer.MODEL, [_fatal("MODEL", Layer.MODEL)])
    rules = Recorder(Layer.RULES)
    report = Validator(own_layers=[model, rules]).validate_xml(invoice)
    assert report.layers_run == [Layer.PARSE, Layer.MODEL]
    assert report.layers_skipped == [Layer.XSD, Layer.SCHEMATRON, Layer.RULES]
    assert rules.calls == []


def test_without_artefacts_official_layers_are_skipped(invoice: bytes) -> None:
    report = Validator().validate_xml(invoice)
    assert report.valid
    assert report.artefacts_version is None
    assert report.layers_skipped == [Layer.XSD, Layer.SCHEMATRON]
    with pytest.raises(ArtefactsError, match="no artefacts"):
        Validator().validate_xml(invoice, rule_sets=("PEPPOL-EN16931-UBL",))
    with pytest.raises(ArtefactsError, match="none are configured"):
        Validator().validate_unit_fragment(invoice, ["PEPPOL-EN16931-UBL"])


def test_explicit_type_is_used(official: OfficialValidator, invoice: bytes) -> None:
    report = Validator(official).validate_xml(invoice, doc_type=REGISTRY.get("en16931-invoice"))
    assert report.document_type == "en16931-invoice"
    assert report.valid


def test_unit_fragment_runs_schematron_only(official: OfficialValidator) -> None:
    fragment = (
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:'
        b'CommonBasicComponents-2"><cbc:ID>1</cbc:ID></Invoice>'
    )
    report = Validator(official).validate_unit_fragment(fragment, ["EN16931-UBL-validation"])
    assert report.layers_skipped == [Layer.XSD]
    assert report.layers_run == [Layer.PARSE, Layer.SCHEMATRON]
    assert "BR-03" in report.fatal_rule_ids()  # BR-03: an invoice shall have an issue date
    assert "BR-02" not in report.fatal_rule_ids()  # BR-02: it has an invoice number
    with pytest.raises(HostileInputError):
        Validator(official).validate_unit_fragment(b"<!DOCTYPE x []><x/>", ["PEPPOLBIS-T01"])


def test_settings_select_the_artefacts(standards_dir: Path, invoice: bytes, tmp_path: Path) -> None:
    from gateway.settings import Settings

    settings = Settings(data_dir=tmp_path, artefacts_dir=standards_dir)
    report = Validator(settings=settings).validate_xml(invoice)
    assert Layer.SCHEMATRON in report.layers_run
    assert Validator(settings=Settings(data_dir=tmp_path)).official is None


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (
            b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
            "CustomizationID is missing",
        ),
        (
            b'<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
            b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
            b"<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID></CreditNote>",
            "root element 'CreditNote' does not match",
        ),
        (
            b'<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"/>',
            "unsupported root element namespace",
        ),
    ],
)
def test_sniffing_refuses_unsupported_documents(xml: bytes, message: str) -> None:
    with pytest.raises(UnsupportedDocumentError, match=message):
        sniff_type(etree.fromstring(xml))
