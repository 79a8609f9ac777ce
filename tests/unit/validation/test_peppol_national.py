"""National rules of Peppol BIS Billing 3.0 on canonical models built from JSON."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.documents.convert import json_to_model
from gateway.findings import Severity
from gateway.validation.rules.registry import all_rules, run_rules
from tests.unit.model.invoice_samples import invoice_json

NATIONAL = ("NO-R-", "DK-R-", "SE-R-", "IT-R-", "IS-R-", "NL-R-", "DE-R-", "GR-")


def fired(data: dict[str, Any], doc_type: str = "invoice") -> dict[str, list[str | None]]:
    model, _ = json_to_model(data, doc_type)
    found: dict[str, list[str | None]] = {}
    for f in run_rules(model, doc_type, ["PEPPOL"]):
        if f.rule_id.startswith(NATIONAL) and f.severity is Severity.FATAL:
            found.setdefault(f.rule_id, []).append(f.json_pointer)
    return found


def with_countries(seller: str, buyer: str | None = None) -> dict[str, Any]:
    data = invoice_json()
    data["seller"]["address"]["country_code"] = seller
    data["seller"]["tax_schemes"] = [{"company_id": f"{seller}123456789"}]
    if buyer is not None:
        data["buyer"]["address"]["country_code"] = buyer
    return data


def test_national_rules_are_billing_only() -> None:
    sets = {r.rule_set for r in all_rules() if r.rule_id.startswith(NATIONAL)}
    assert sets == {"PEPPOL"}


def test_sample_is_clean_for_a_british_seller() -> None:
    assert fired(invoice_json()) == {}


def test_icelandic_seller() -> None:
    data = with_countries("IS")
    found = fired(data)
    assert found["IS-R-002"] == ["/seller/legal_registration_id"]
    assert "IS-R-003" not in found  # street name and post code are there
    data["seller"]["legal_registration_id_scheme_id"] = "0196"
    data["seller"]["address"].pop("street_name")
    found = fired(data)
    assert "IS-R-002" not in found
    assert found["IS-R-003"] == ["/seller/address"]


def test_icelandic_due_date_document() -> None:
    data = with_countries("IS")
    data["seller"]["legal_registration_id_scheme_id"] = "0196"
    data["additional_documents"] = [{"id": "2024-03-15", "description": "EINDAGI"}]
    found = fired(data)
    assert found["IS-R-010"] == ["/additional_documents/0/id"]  # before the due date 2024-03-31
    data["additional_documents"][0]["id"] = "2024-04-30"
    assert "IS-R-010" not in fired(data)
    data["additional_documents"][0]["id"] = "30.04.2024"
    assert "IS-R-008" in fired(data)


def test_icelandic_account_numbers() -> None:
    data = with_countries("IS")
    data["payment_means"] = [{"code": "42", "payee_account": {"id": "0101-26-123"}}]
    assert fired(data)["IS-R-007"] == ["/payment_means/0/payee_account/id"]
    data["payment_means"][0]["payee_account"]["id"] = "010126123456"
    assert "IS-R-007" not in fired(data)


@pytest.mark.parametrize(("vat", "fires"), [("NO988077917MVA", False), ("NO988077918MVA", True),
                                            ("NO988077917", True), ("SE988077917MVA", False)])
def test_norwegian_vat_number(vat: str, fires: bool) -> None:
    data = with_countries("NO")
    data["seller"]["tax_schemes"] = [{"company_id": vat}]
    if vat.startswith("SE"):
        data["seller"]["address"]["country_code"] = "NO"
    assert ("NO-R-001" in fired(data)) is fires


def test_danish_payment_means() -> None:
    data = with_countries("DK", "DK")
    data["seller"]["legal_registration_id"] = "DK12345678"
    data["seller"]["legal_registration_id_scheme_id"] = "0184"
    data["payment_means"] = [{"code": "30", "payee_account": {"id": "1234"}}]
    found = fired(data)
    assert found["DK-R-005"] == ["/payment_means/0/code"]
    data["payment_means"] = [{"code": "31", "payee_account": {"id": "1234"}}]
    found = fired(data)
    assert "DK-R-005" not in found
    assert found["DK-R-006"] == ["/payment_means/0/payee_account"]


def test_swedish_standard_rates() -> None:
    data = with_countries("SE")
    data["seller"]["tax_schemes"] = [{"company_id": "SE556036079301"}]
    assert "SE-R-006" not in fired(data)  # 25 and 25.0
    data["lines"][0]["item"]["vat_rate"] = "20"
    found = fired(data)["SE-R-006"]
    assert "/lines/0/item/vat_rate" in found  # and the derived 20 % VAT breakdown
    assert "/tax_totals/0/vat_breakdown/0/vat_rate" in found


def test_dutch_payment_means_required_for_a_positive_invoice() -> None:
    data = with_countries("NL")
    data["payment_means"] = []
    assert fired(data)["NL-R-007"] == ["/payment_means"]


@pytest.mark.parametrize(
    ("terms", "fires"),
    [
        ("#SKONTO#TAGE=14#PROZENT=2.00#\n", False),
        ("#SKONTO#TAGE=14#PROZENT=2.00#", True),  # no line break after the statement
        ("#SKONTO#TAGE=14#PROZENT=2#\n", True),
        ("Net 30", False),
    ],
)
def test_german_skonto(terms: str, fires: bool) -> None:
    data = with_countries("DE", "DE")
    data["payment_terms"] = terms
    assert ("DE-R-018" in fired(data)) is fires


def test_greek_invoice_number() -> None:
    data = with_countries("GR")
    data["seller"]["tax_schemes"] = [{"company_id": "EL123456783"}]
    data["seller"]["address"]["country_code"] = "GR"
    data["issue_date"] = "2024-03-01"
    data["id"] = "123456783|01/03/2024|7|1.1|A|B"
    found = fired(data)
    assert not [i for i in found if i.startswith("GR-R-001")]
    data["id"] = "123456783|02/03/2024|x|9.9||"
    found = fired(data)
    for rule_id in ("GR-R-001-3", "GR-R-001-4", "GR-R-001-5", "GR-R-001-6", "GR-R-001-7"):
        assert found[rule_id] == ["/id"]
