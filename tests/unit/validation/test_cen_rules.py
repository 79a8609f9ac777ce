"""Own EN 16931 core rules (rule set CEN) on canonical JSON, without the official artefacts.

The differential tests in tests/interop judge the rules against the official corpus; these
pin the XPath semantics the rules reproduce and the JSON pointers they report.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from gateway.documents.convert import json_to_model
from gateway.findings import Finding, Severity
from gateway.validation.rules import registry
from gateway.validation.rules._helpers import (
    double_shift,
    fraction_digits,
    has_text,
    is_vat_scheme,
    normalize_space,
    xpath_round,
    xpath_round2,
)
from gateway.validation.rules.registry import RULE_SET_CEN, RuleContext, Violation, run_rules

VAT_S = {"vat_category_code": "S", "vat_rate": "25"}

INVOICE: dict[str, Any] = {
    "id": "INV-1",
    "issue_date": "2026-11-01",
    "type_code": "380",
    "currency_code": "EUR",
    "seller": {
        "name": "Seller AS",
        "address": {"country_code": "NO"},
        "tax_schemes": [{"company_id": "NO999999999MVA"}],
        "legal_registration_id": "999999999",
    },
    "buyer": {"name": "Buyer AB", "address": {"country_code": "SE"}},
    "allowance_charges": [
        {"charge_indicator": True, "reason": "Freight", "amount": "10.00", **VAT_S},
    ],
    "tax_totals": [{
        "tax_amount": "52.50",
        "vat_breakdown": [{"taxable_amount": "210.00", "tax_amount": "52.50", **VAT_S}],
    }],
    "totals": {
        "line_extension_amount": "200.00", "charge_total_amount": "10.00",
        "tax_exclusive_amount": "210.00", "tax_inclusive_amount": "262.50",
        "payable_amount": "262.50",
    },
    "lines": [
        {"id": "1", "quantity": "1", "unit_code": "C62", "line_extension_amount": "150.00",
         "item": {"name": "Widget", **VAT_S}, "price": {"amount": "150.00"}},
        {"id": "2", "quantity": "2", "unit_code": "C62", "line_extension_amount": "50.00",
         "item": {"name": "Nut", **VAT_S}, "price": {"amount": "25.00"}},
    ],
}


def _findings(data: dict[str, Any]) -> list[Finding]:
    model, _ = json_to_model(data, "en16931-invoice", complete=False)
    return [f for f in run_rules(model, "en16931-invoice", [RULE_SET_CEN])
            if f.rule_id.startswith("BR-") and not f.rule_id.startswith("BR-CL-")]


def _fatal(data: dict[str, Any]) -> dict[str, Finding]:
    return {f.rule_id: f for f in _findings(data) if f.severity is Severity.FATAL}


def _changed(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(INVOICE)
    for dotted, value in changes.items():
        target: Any = data
        *parents, last = dotted.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is None:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return data


# --- XPath semantics ------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "rounded"), [
    ("0.005", "0.01"), ("-0.005", "0.00"), ("-0.015", "-0.01"), ("2.675", "2.68"),
    ("-2.675", "-2.67"), ("1436.504", "1436.50"),
])
def test_xpath_round2_rounds_halves_towards_positive_infinity(value: str, rounded: str) -> None:
    assert xpath_round2(Decimal(value)) == Decimal(rounded)


def test_xpath_round_to_integer() -> None:
    assert xpath_round(Decimal("0.4")) == 0
    assert xpath_round(Decimal("-0.5")) == 0
    assert xpath_round(Decimal("0.5")) == 1


@pytest.mark.parametrize(("text", "digits"), [
    ("100", 0), ("100.", 0), ("1.5", 1), ("1.50", 2), (".00", 2), ("1.500", 3), ("-0.001", 3),
])
def test_fraction_digits_counts_what_was_written(text: str, digits: int) -> None:
    assert fraction_digits(Decimal(text)) == digits


def test_tolerance_shift_is_binary_floating_point() -> None:
    """`xs:decimal(cbc:TaxableAmount - 1)`: 100.10 - 1 is just below 99.10 in xs:double."""
    assert double_shift(Decimal("100.10"), -1) < Decimal("99.10")
    assert double_shift(Decimal("100.10"), 1) < Decimal("101.10")


def test_text_helpers_follow_normalize_space() -> None:
    assert not has_text(None)
    assert not has_text(" \t\r\n")
    assert has_text("\u00a0")  # not XML whitespace
    assert normalize_space("  S \n") == "S"
    assert normalize_space("a \t b") == "a b"
    assert is_vat_scheme(None)  # the mapping implies VAT
    assert is_vat_scheme(" vat ")
    assert not is_vat_scheme("GST")


# --- rules on canonical JSON ----------------------------------------------------------------


def test_a_consistent_invoice_raises_nothing() -> None:
    assert _fatal(INVOICE) == {}


def test_missing_terms_point_at_the_json_field() -> None:
    fatal = _fatal(_changed(seller__name=None, lines__1__item__name="  "))
    assert fatal["BR-06"].json_pointer == "/seller/name"
    assert fatal["BR-25"].json_pointer == "/lines/1/item/name"


def test_line_total_mismatch_names_expected_and_found() -> None:
    fatal = _fatal(_changed(totals__line_extension_amount="200.01"))
    finding = fatal["BR-CO-10"]
    assert finding.json_pointer == "/totals/line_extension_amount"
    assert "Expected 200.00, found 200.01" in finding.message
    assert "BR-CO-13" in fatal  # 200.01 + 10.00 is not 210.00 either


def test_three_decimals_fire_the_decimal_rule() -> None:
    fatal = _fatal(_changed(lines__0__line_extension_amount="150.000"))
    assert fatal["BR-DEC-23"].json_pointer == "/lines/0/line_extension_amount"
    assert "BR-CO-10" not in fatal  # 150.000 + 50.00 is still 200.00


def test_vat_breakdown_tolerance_and_category_rules() -> None:
    within = _changed(tax_totals__0__vat_breakdown__0__taxable_amount="209.01")
    assert "BR-S-08" not in _fatal(within)
    outside = _fatal(_changed(tax_totals__0__vat_breakdown__0__taxable_amount="209.00"))
    assert "BR-S-08" in outside
    assert "sum to 210.00" in outside["BR-S-08"].message


def test_exempt_line_needs_its_own_breakdown_and_reason() -> None:
    data = _changed(lines__1__item__vat_category_code="E", lines__1__item__vat_rate="0")
    fatal = _fatal(data)
    assert {"BR-E-01", "BR-S-08"} <= set(fatal)
    data["tax_totals"][0]["vat_breakdown"].append(
        {"taxable_amount": "50.00", "tax_amount": "0", "vat_category_code": "E", "vat_rate": "0"}
    )
    data["tax_totals"][0]["vat_breakdown"][0]["taxable_amount"] = "160.00"
    data["tax_totals"][0]["vat_breakdown"][0]["tax_amount"] = "40.00"
    data["tax_totals"][0]["tax_amount"] = "40.00"
    data["totals"]["tax_inclusive_amount"] = data["totals"]["payable_amount"] = "250.00"
    assert set(_fatal(data)) == {"BR-E-10"}
    data["tax_totals"][0]["vat_breakdown"][1]["exemption_reason"] = "Exempt"
    assert _fatal(data) == {}


@pytest.mark.parametrize(("company_id", "fires"), [
    ("EL123", False), ("XI123", False), ("1A123", False), ("XX123", True), ("123", True),
])
def test_vat_identifier_prefix(company_id: str, fires: bool) -> None:
    data = _changed(seller__tax_schemes=[{"company_id": company_id}])
    assert ("BR-CO-09" in _fatal(data)) is fires


def test_not_subject_to_vat_forbids_vat_identifiers() -> None:
    o_line = {"vat_category_code": "O"}
    data = _changed(lines__0__item={"name": "Service", **o_line},
                    lines__1__item={"name": "Service", **o_line},
                    allowance_charges=None)
    assert "BR-O-02" in _fatal(data)


def test_card_number_warning() -> None:
    data = _changed(payment_means=[{"code": "48", "card": {"primary_account_number":
                                                           "1234567890123456"}}])
    warnings = [f for f in _findings(data) if f.severity is Severity.WARNING]
    assert [f.rule_id for f in warnings] == ["BR-51"]


# --- the runner -----------------------------------------------------------------------------


def test_runner_accepts_generators_and_reports_crashing_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry.all_rules()  # load the rule modules before isolating the registry
    monkeypatch.setattr(registry, "_RULES", dict(registry._RULES))
    monkeypatch.setattr(registry, "_SELECTIONS", {})

    def generated(ctx: RuleContext[Any]) -> Any:
        yield Violation(("id",), "from a generator")

    def crashing(ctx: RuleContext[Any]) -> Any:
        raise ZeroDivisionError("boom")

    registry.rule("TEST-GEN", "m", rule_set="TEST")(generated)
    registry.rule("TEST-CRASH", "m", rule_set="TEST")(crashing)
    findings = run_rules(object(), "invoice", ["TEST"])
    by_id = {f.rule_id: f for f in findings}
    assert by_id["TEST-GEN"].message == "from a generator"
    assert by_id["TEST-GEN"].json_pointer == "/id"
    assert by_id["TEST-CRASH"].severity is Severity.WARNING
    assert "ZeroDivisionError" in by_id["TEST-CRASH"].message
