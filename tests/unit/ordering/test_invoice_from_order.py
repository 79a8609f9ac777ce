"""Invoices built from an Order and its Order Response."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from stdnum import iso11649

from gateway.demo.scenario import seller_account
from gateway.documents.convert import model_to_json_bytes, model_to_xml
from gateway.errors import InputError
from gateway.exchange.analysis import JSON_MEDIA_TYPE, XML_MEDIA_TYPE, DocumentAnalyzer
from gateway.model.common import TaxCategory
from gateway.model.invoice import Invoice
from gateway.model.order import Order
from gateway.ordering.invoice_from_order import (
    InvoiceTerms,
    SellerAccount,
    creditor_reference,
    invoice_from_order,
)
from gateway.ordering.responses import (
    LineChange,
    ResponseHeader,
    accept_order,
    conditionally_accept_order,
)
from gateway.validation.pipeline import Validator
from tests.unit.ordering.conftest import ORDER_DATE

INVOICE_DATE = date(2024, 12, 2)
TERMS = InvoiceTerms("INV-2024-10042", INVOICE_DATE, delivery_date=date(2024, 11, 30))
HEADER = ResponseHeader("OR-0042", ORDER_DATE, sales_order_id="SO-77810")


def fatal_findings(invoice: Invoice) -> list[str]:
    analyzer = DocumentAnalyzer(Validator())
    results = [analyzer.analyze(model_to_xml(invoice, "invoice"), XML_MEDIA_TYPE),
               analyzer.analyze(model_to_json_bytes(invoice), JSON_MEDIA_TYPE, "invoice")]
    return [f"{f.rule_id}: {f.message}" for r in results for f in r.findings if f.is_fatal]


def test_the_invoice_of_an_accepted_order(order: Order) -> None:
    invoice = invoice_from_order(order, seller_account(), TERMS,
                                 response=accept_order(order, HEADER))
    assert invoice.id == "INV-2024-10042"
    assert invoice.type_code == "380"
    assert invoice.due_date == date(2025, 1, 1)
    assert invoice.purchase_order_reference == order.id
    assert invoice.sales_order_reference == "SO-77810"
    assert invoice.buyer_reference == "4B-0042"
    assert invoice.contract_reference == "FA-2024-117"
    assert [line.order_line_reference for line in invoice.lines] == ["1", "2", "3", "4"]
    assert [line.line_extension_amount for line in invoice.lines] == [
        Decimal("3401.00"), Decimal("3720.00"), Decimal("2268.00"), Decimal("778.00")]
    breakdown = {b.vat_rate: (b.taxable_amount, b.tax_amount)
                 for b in invoice.tax_totals[0].vat_breakdown}
    assert breakdown == {Decimal("25"): (Decimal("9584.00"), Decimal("2396.00")),
                         Decimal("6"): (Decimal("778.00"), Decimal("46.68"))}
    assert invoice.totals is not None
    assert invoice.totals.line_extension_amount == Decimal("10167.00")
    assert invoice.totals.charge_total_amount == Decimal("195.00")
    assert invoice.totals.payable_amount == Decimal("12804.68")
    assert order.totals is not None
    assert invoice.totals.payable_amount == \
        order.totals.payable_amount
    assert invoice.delivery is not None
    assert invoice.delivery.location_id == "7350001112220"
    assert fatal_findings(invoice) == []


def test_the_payment_reference_is_an_iso_11649_creditor_reference(order: Order) -> None:
    invoice = invoice_from_order(order, seller_account(), TERMS)
    means = invoice.payment_means[0]
    assert means.payment_id == "RF94INV202410042"
    assert iso11649.is_valid(means.payment_id)
    assert means.payee_account is not None
    assert means.payee_account.id == "SE7280000810340009783242"
    assert invoice.payment_terms is not None
    assert "RF94 INV2 0241 0042" in invoice.payment_terms


def test_creditor_reference_matches_the_published_example() -> None:
    # ISO 11649's example: the core 539007547034 has the check digits 18.
    assert creditor_reference("5390 0754 7034") == "RF18539007547034"
    # by hand: "INV20247RF00" as digits 18233120247271500 mod 97 = 23, 98 - 23 = 75
    assert creditor_reference("inv/2024-7") == "RF75INV20247"
    with pytest.raises(InputError, match="ISO 11649"):
        creditor_reference("INV-2024-000000000000000042")
    with pytest.raises(InputError, match="ISO 11649"):
        creditor_reference("---")


def test_a_conditional_acceptance_is_invoiced_as_confirmed(order: Order) -> None:
    response = conditionally_accept_order(order, HEADER, {
        "1": LineChange(quantity=Decimal("20")),
        "2": LineChange(quantity=Decimal("50")),
        "4": LineChange(not_accepted=True),
    })
    invoice = invoice_from_order(order, seller_account(), TERMS, response=response)
    lines = {str(line.id): line for line in invoice.lines}
    assert sorted(lines) == ["1", "2", "3"]
    gloves = lines["1"]
    # the 5 % volume discount follows the new quantity: 20 x 89.50 = 1790.00, 5 % = 89.50
    assert gloves.allowance_charges[0].base_amount == Decimal("1790.00")
    assert gloves.allowance_charges[0].amount == Decimal("89.50")
    assert gloves.line_extension_amount == Decimal("1700.50")
    assert lines["2"].line_extension_amount == Decimal("3100.00")
    assert [b.vat_rate for b in invoice.tax_totals[0].vat_breakdown] == [Decimal("25")]
    assert fatal_findings(invoice) == []


def test_an_order_for_another_seller_is_refused(order: Order) -> None:
    other = replace(seller_account(), endpoint_id="5561234567")
    with pytest.raises(InputError, match="addressed to seller 0007:5567912349"):
        invoice_from_order(order, other, TERMS)


def test_missing_invoice_data_is_named(order: Order) -> None:
    first = order.lines[0]
    assert first.item is not None
    assert first.price is not None
    no_vat = first.model_copy(update={"item": first.item.model_copy(
        update={"tax_category": None})})
    with pytest.raises(InputError, match="BT-151"):
        invoice_from_order(order.model_copy(update={"lines": [no_vat]}), seller_account(),
                           TERMS)
    no_price = first.model_copy(update={"price": None})
    with pytest.raises(InputError, match="BT-146"):
        invoice_from_order(order.model_copy(update={"lines": [no_price]}), seller_account(),
                           TERMS)
    with pytest.raises(InputError, match="BT-5"):
        invoice_from_order(order.model_copy(update={"currency_code": None}), seller_account(),
                           TERMS)


def test_exempt_lines_need_a_reason(order: Order) -> None:
    book = order.lines[3]
    assert book.item is not None
    exempt = book.model_copy(update={"item": book.item.model_copy(update={
        "tax_category": TaxCategory(code="E", percent=Decimal("0"), tax_scheme_id="VAT")})})
    exempt_order = order.model_copy(update={"lines": [*order.lines[:3], exempt]})
    with pytest.raises(InputError, match="BR-E-10"):
        invoice_from_order(exempt_order, seller_account(), TERMS)
    terms = replace(TERMS, vat_exemption_reasons={"E": "Exempt: educational material"})
    invoice = invoice_from_order(exempt_order, seller_account(), terms)
    exempt_breakdown = [b for b in invoice.tax_totals[0].vat_breakdown
                        if b.vat_category_code == "E"]
    assert exempt_breakdown[0].exemption_reason == "Exempt: educational material"
    assert exempt_breakdown[0].tax_amount == Decimal("0.00")


def test_a_bad_iban_is_refused() -> None:
    account = seller_account()
    with pytest.raises(InputError, match="BT-84"):
        SellerAccount(name=account.name, vat_id=account.vat_id, address=account.address,
                      endpoint_id=account.endpoint_id,
                      endpoint_scheme_id=account.endpoint_scheme_id,
                      iban="SE7280000810340009783243")
