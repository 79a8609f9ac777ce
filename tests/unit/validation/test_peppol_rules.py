"""Peppol (PEPPOL, PEPPOL-SB) and BR-CL rules on canonical models built from JSON."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.documents.convert import json_to_model
from gateway.findings import Finding, Severity
from gateway.validation.rules.registry import all_rules, run_rules
from tests.unit.model.invoice_samples import invoice_json

MINE = ("PEPPOL-", "BR-CL-")


def check(data: dict[str, Any], doc_type: str = "invoice",
          rule_sets: tuple[str, ...] = ("CEN", "PEPPOL")) -> list[Finding]:
    model, _ = json_to_model(data, doc_type)
    return [f for f in run_rules(model, doc_type, rule_sets) if f.rule_id.startswith(MINE)]


def fatal(findings: list[Finding]) -> dict[str, list[str | None]]:
    found: dict[str, list[str | None]] = {}
    for f in findings:
        if f.severity is Severity.FATAL:
            found.setdefault(f.rule_id, []).append(f.json_pointer)
    return found


def test_sample_invoice_is_clean() -> None:
    assert fatal(check(invoice_json())) == {}


def test_self_billing_sample_with_a_self_billing_type_code_is_clean() -> None:
    data = invoice_json() | {"type_code": "389"}
    assert fatal(check(data, "self-billing-invoice", ("CEN", "PEPPOL-SB"))) == {}


def test_type_codes_follow_the_flavour() -> None:
    assert "PEPPOL-EN16931-P0100" in fatal(check(invoice_json(), "self-billing-invoice",
                                                 ("CEN", "PEPPOL-SB")))
    assert fatal(check(invoice_json() | {"type_code": "389"}))["PEPPOL-EN16931-P0100"] == [
        "/type_code"]


def test_p0112_exists_only_in_billing() -> None:
    ids = {(r.rule_set, r.rule_id) for r in all_rules()}
    assert ("PEPPOL", "PEPPOL-EN16931-P0112") in ids
    assert ("PEPPOL-SB", "PEPPOL-EN16931-P0112") not in ids
    assert ("PEPPOL-SB", "PEPPOL-EN16931-R051") in ids


def test_customization_id_of_the_other_flavour_is_refused() -> None:
    data = invoice_json() | {
        "customization_id": "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:"
                            "billing:3.0"}
    found = fatal(check(data | {"type_code": "389"}, "self-billing-invoice",
                        ("CEN", "PEPPOL-SB")))
    assert found["PEPPOL-EN16931-R004"] == ["/customization_id"]


def test_foreign_currency_amount_points_at_its_currency() -> None:
    data = invoice_json()
    data["lines"][0]["line_extension_amount"] = "2800.00"
    data["lines"][0]["line_extension_amount_currency"] = "USD"
    assert fatal(check(data))["PEPPOL-EN16931-R051"] == ["/lines/0/line_extension_amount_currency"]


def test_vat_subtotal_currency_is_checked_by_billing_only() -> None:
    model, _ = json_to_model(invoice_json(), "invoice")
    breakdown = model.tax_totals[0].vat_breakdown[0]
    odd = breakdown.model_copy(update={"tax_amount_currency": "SEK"})
    total = model.tax_totals[0].model_copy(
        update={"vat_breakdown": [odd, *model.tax_totals[0].vat_breakdown[1:]]})
    model = model.model_copy(update={"tax_totals": [total]})
    billing = {f.rule_id for f in run_rules(model, "invoice", ["PEPPOL"]) if f.is_fatal}
    self_billing = {f.rule_id for f in run_rules(model, "self-billing-invoice", ["PEPPOL-SB"])
                    if f.is_fatal}
    assert "PEPPOL-EN16931-R051" in billing
    assert "PEPPOL-EN16931-R051" not in self_billing


def test_empty_element_text_is_r008_but_an_empty_attribute_is_not() -> None:
    data = invoice_json()
    data["notes"] = [" \n "]
    data["buyer"]["endpoint_scheme_id"] = ""
    found = fatal(check(data))
    assert found["PEPPOL-EN16931-R008"] == ["/notes/0"]
    assert found["PEPPOL-EN16931-CL008"] == ["/buyer/endpoint_scheme_id"]


@pytest.mark.parametrize(
    ("legal_id", "fires"), [("5560360793", False), ("5560360794", True), ("556036079", True)]
)
def test_swedish_organisation_number(legal_id: str, fires: bool) -> None:
    data = invoice_json()
    data["seller"]["legal_registration_id"] = legal_id
    data["seller"]["legal_registration_id_scheme_id"] = "0007"
    found = fatal(check(data))
    assert ("PEPPOL-COMMON-R049" in found) is fires
    if fires:
        assert found["PEPPOL-COMMON-R049"] == ["/seller/legal_registration_id"]


def test_scheme_comparison_is_exact() -> None:
    data = invoice_json()
    data["seller"]["legal_registration_id"] = "not a number"
    data["seller"]["legal_registration_id_scheme_id"] = " 0007"
    assert "PEPPOL-COMMON-R049" not in fatal(check(data))


def test_italian_identifier_rules_are_warnings() -> None:
    data = invoice_json()
    data["buyer"]["identifiers"] = [{"id": "TOO-LONG-IPA", "scheme_id": "0201"}]
    findings = check(data)
    warnings = {f.rule_id for f in findings if f.severity is Severity.WARNING}
    assert "PEPPOL-COMMON-R044" in warnings
    assert "PEPPOL-COMMON-R044" not in fatal(findings)


def test_sepa_creditor_id_is_allowed_for_the_seller_only() -> None:
    data = invoice_json()
    data["seller"]["identifiers"].append({"id": "DE98ZZZ09999999999", "scheme_id": "SEPA"})
    assert "BR-CL-10" not in fatal(check(data))
    data["buyer"]["identifiers"] = [{"id": "DE98ZZZ09999999999", "scheme_id": "SEPA"}]
    assert fatal(check(data))["BR-CL-10"] == ["/buyer/identifiers/0/scheme_id"]


@pytest.mark.parametrize(
    ("note", "fires"),
    [("#AAI#Text", False), ("#XYZ#Text", True), ("No code", False), ("#TOOLONG#x", False),
     ("#AB#x", False)],
)
def test_note_subject_code(note: str, fires: bool) -> None:
    data = invoice_json() | {"notes": [note]}
    assert ("BR-CL-08" in fatal(check(data))) is fires


def test_percentage_without_base_is_r041_and_nothing_else() -> None:
    data = invoice_json()
    charge = data["allowance_charges"][1]
    del charge["base_amount"]
    charge["amount"] = "20.00"
    found = fatal(check(data))
    assert found["PEPPOL-EN16931-R041"] == ["/allowance_charges/1/base_amount"]
    assert "PEPPOL-EN16931-R040" not in found


def test_allowance_amount_must_match_percentage_within_two_cents() -> None:
    data = invoice_json()
    data["allowance_charges"][1]["amount"] = "20.03"
    assert fatal(check(data))["PEPPOL-EN16931-R040"] == ["/allowance_charges/1/amount"]


def test_line_net_amount() -> None:
    data = invoice_json()
    data["lines"][0]["line_extension_amount"] = "2800.03"
    found = fatal(check(data))
    assert found["PEPPOL-EN16931-R120"] == ["/lines/0/line_extension_amount"]


def test_unknown_code_values_name_the_field() -> None:
    data = invoice_json() | {"currency_code": "EURO"}
    data["lines"][0]["unit_code"] = "DAYS"
    found = fatal(check(data))
    assert found["BR-CL-04"] == ["/currency_code"]
    assert found["BR-CL-23"] == ["/lines/0/unit_code"]
    assert "PEPPOL-EN16931-CL007" in found
