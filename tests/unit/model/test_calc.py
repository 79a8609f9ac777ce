"""Derivation and expected values of EN 16931 totals and VAT breakdown."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.documents.convert import json_to_model
from gateway.model import calc
from gateway.model.invoice import Invoice, InvoiceLine, LineAllowanceCharge, Price
from tests.unit.model.invoice_samples import invoice_json

D = Decimal


def derived_invoice() -> Invoice:
    model, _ = json_to_model(invoice_json(), "invoice")
    assert isinstance(model, Invoice)
    return model


def test_line_net_amounts_are_derived_with_price_base_quantity_and_line_allowances() -> None:
    lines = derived_invoice().lines
    assert [line.line_extension_amount for line in lines] == [D("2800.00"), D("-760.00"),
                                                              D("50.00")]


def test_rounding_is_half_up_to_two_decimals() -> None:
    assert calc.round_amount(D("49.995")) == D("50.00")
    assert calc.round_amount(D("-0.005")) == D("-0.01")
    assert calc.vat_category_tax_amount(D("10.10"), D("12.5")) == D("1.26")


def test_allowance_amount_from_base_and_percentage() -> None:
    model = derived_invoice()
    assert model.allowance_charges[1].amount == D("20.00")
    assert model.allowance_charges[0].amount == D("25")  # given: kept as written


def test_vat_breakdown_groups_by_category_and_rate() -> None:
    (total,) = derived_invoice().tax_totals
    breakdown = [(b.vat_category_code, b.vat_rate, b.taxable_amount, b.tax_amount)
                 for b in total.vat_breakdown]
    assert breakdown == [("S", D("25"), D("2045.00"), D("511.25")),
                         ("Z", D("0"), D("50.00"), D("0.00"))]
    assert total.tax_amount == D("511.25")


def test_document_totals_are_derived() -> None:
    totals = derived_invoice().totals
    assert totals is not None
    assert totals.line_extension_amount == D("2090.00")
    assert totals.allowance_total_amount == D("20.00")
    assert totals.charge_total_amount == D("25.00")
    assert totals.tax_exclusive_amount == D("2095.00")
    assert totals.tax_inclusive_amount == D("2606.25")
    assert totals.payable_amount == D("2606.25")


def test_given_values_are_kept_even_when_wrong() -> None:
    data = invoice_json()
    data["totals"] = {"line_extension_amount": "1.00", "prepaid_amount": "100.00",
                      "payable_rounding_amount": "0.01"}
    data["tax_totals"] = [{"tax_amount": "7.00"}]
    model, findings = json_to_model(data, "invoice")
    assert model.totals.line_extension_amount == D("1.00")
    assert model.tax_totals[0].tax_amount == D("7.00")
    # the rest follows from what was given: 1.00 - 20 + 25, + 7.00, - 100 + 0.01
    assert model.totals.tax_exclusive_amount == D("6.00")
    assert model.totals.tax_inclusive_amount == D("13.00")
    assert model.totals.payable_amount == D("-86.99")
    # and the expected values show the disagreement the rules report (BR-CO-10)
    expected = calc.expected_totals(model)
    assert expected.line_extension_amount == D("2090.00")
    derived = {f.json_pointer for f in findings}
    assert "/totals/line_extension_amount" not in derived
    assert "/totals/payable_amount" in derived
    assert all(f.rule_id == calc.RULE_DERIVED for f in findings)


def test_nothing_is_derived_without_complete() -> None:
    model, findings = json_to_model(invoice_json(), "invoice", complete=False)
    assert model.totals is None
    assert model.tax_totals == []
    assert findings == []


def test_missing_inputs_give_no_line_amount() -> None:
    assert calc.line_net_amount(InvoiceLine(quantity=D("2"))) is None
    assert calc.line_net_amount(InvoiceLine(price=Price(amount=D("2")))) is None
    zero_base = InvoiceLine(quantity=D("1"), price=Price(amount=D("2"), base_quantity=D("0")))
    assert calc.line_net_amount(zero_base) is None


@pytest.mark.parametrize(
    ("quantity", "price", "base", "charges", "expected"),
    [
        ("3", "10", None, [], "30.00"),
        ("3", "10", "4", [], "7.50"),
        ("1", "100", None, [(False, "5"), (True, "2.50")], "97.50"),
        ("-2", "9.99", None, [], "-19.98"),
    ],
)
def test_line_net_amount_formula(quantity: str, price: str, base: str | None,
                                 charges: list[tuple[bool, str]], expected: str) -> None:
    line = InvoiceLine(
        quantity=D(quantity),
        price=Price(amount=D(price), base_quantity=None if base is None else D(base)),
        allowance_charges=[LineAllowanceCharge(charge_indicator=c, amount=D(a))
                           for c, a in charges],
    )
    assert calc.line_net_amount(line) == D(expected)
