"""What gateway.ordering and the demo build is valid under the official artefacts: the Order
under PEPPOLBIS-T01, the responses under T76, the invoices under CEN EN 16931 + Peppol BIS
Billing 3 (XSD and Schematron, no warnings either)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel

from gateway.demo.scenario import build_order, seller_account
from gateway.documents.convert import model_to_xml
from gateway.exchange.analysis import XML_MEDIA_TYPE, DocumentAnalyzer
from gateway.findings import Layer
from gateway.ordering.invoice_from_order import InvoiceTerms, invoice_from_order
from gateway.ordering.responses import (
    LineChange,
    ResponseHeader,
    accept_order,
    conditionally_accept_order,
    reject_order,
)
from gateway.validation.artefacts import Artefacts
from gateway.validation.pipeline import Validator

pytestmark = pytest.mark.artefacts

ORDER = build_order("PO-20241128-0042", date(2024, 11, 28), "09:15:00")
HEADER = ResponseHeader("OR-0042", date(2024, 11, 28), "10:00:00", sales_order_id="SO-77810")
TERMS = InvoiceTerms("INV-2024-10042", date(2024, 12, 2), delivery_date=date(2024, 11, 30))
CONDITIONAL = conditionally_accept_order(ORDER, HEADER, {
    "1": LineChange(quantity=Decimal("20")), "4": LineChange(not_accepted=True)})
DOCUMENTS: dict[str, tuple[str, BaseModel]] = {
    "order": ("order", ORDER),
    "accepted": ("order-response", accept_order(ORDER, HEADER)),
    "rejected": ("order-response", reject_order(ORDER, HEADER, "Contract expired")),
    "conditional": ("order-response", CONDITIONAL),
    "invoice": ("invoice", invoice_from_order(ORDER, seller_account(), TERMS,
                                              response=accept_order(ORDER, HEADER))),
    "invoice-conditional": ("invoice", invoice_from_order(ORDER, seller_account(), TERMS,
                                                          response=CONDITIONAL)),
}


@pytest.fixture(scope="module")
def analyzer(standards_dir: Path) -> DocumentAnalyzer:
    return DocumentAnalyzer(Validator(Artefacts(standards_dir)))


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_valid_under_the_official_rules(analyzer: DocumentAnalyzer, name: str) -> None:
    key, model = DOCUMENTS[name]
    analysis = analyzer.analyze(model_to_xml(model, key), XML_MEDIA_TYPE)
    assert analysis.document_type == key
    assert Layer.SCHEMATRON in analysis.report.layers_run
    assert [(f.rule_id, f.message) for f in analysis.findings] == []
