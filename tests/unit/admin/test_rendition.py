"""The human-readable rendering of canonical JSON (invoice and order shapes)."""

from __future__ import annotations

from gateway.admin.rendition import render_document


def test_invoice_parts() -> None:
    rendition = render_document({
        "id": "INV-1", "issue_date": "2026-01-02", "currency_code": "EUR",
        "seller": {"name": "Seller AS", "endpoint_id": "987654325", "endpoint_scheme_id": "0192",
                   "address": {"street_name": "Gate 1", "city_name": "Oslo",
                               "postal_zone": "0150", "country_code": "NO"},
                   "tax_schemes": [{"company_id": "NO987654325MVA"}]},
        "buyer": {"legal_entity": {"registration_name": "Buyer AB"}},
        "lines": [{"id": "1", "quantity": "2", "unit_code": "EA", "line_extension_amount": "20",
                   "item": {"name": "Widget", "vat_category_code": "S", "vat_rate": "25"},
                   "price": {"amount": "10"}}],
        "tax_totals": [{"tax_amount": "5", "vat_breakdown": [
            {"vat_category_code": "S", "vat_rate": "25", "taxable_amount": "20",
             "tax_amount": "5"}]}],
        "totals": {"line_extension_amount": "20", "tax_exclusive_amount": "20",
                   "tax_inclusive_amount": "25", "payable_amount": "25"},
    }, "invoice")
    assert rendition.number == "INV-1"
    seller, buyer = rendition.parties
    assert (seller.name, seller.address) == ("Seller AS", ("Gate 1", "0150 Oslo", "NO"))
    assert ("Electronic address", "0192:987654325") in seller.details
    assert ("VAT identifier", "NO987654325MVA") in seller.details
    assert buyer.name == "Buyer AB"
    line = rendition.lines[0]
    assert (line.name, line.quantity, line.unit, line.price, line.net_amount, line.vat) == (
        "Widget", "2", "EA", "10", "20", "S 25 %")
    assert rendition.totals == (
        ("Sum of line net amounts (BT-106)", "20"), ("Total without VAT (BT-109)", "20"),
        ("Total VAT amount (BT-110)", "5"), ("Total with VAT (BT-112)", "25"),
        ("Amount due for payment (BT-115)", "25"))
    assert rendition.vat_breakdown == (("S", "25", "20", "5"),)


def test_order_shape_and_odd_values() -> None:
    rendition = render_document({
        "id": "PO-9", "order_type_code": "220", "tax_amount": "3",
        "buyer": {"name": "Buyer", "postal_address": {"city_name": "Lund"}},
        "seller": "not an object", "lines": [{"quantity_unit_code": "KGM", "item": None}, 7],
    }, "order")
    assert [p.role for p in rendition.parties] == ["Buyer (BG-7)"]
    assert rendition.parties[0].address == ("Lund",)
    assert ("Type code (BT-3)", "220") in rendition.facts
    assert rendition.lines[0].unit == "KGM"
    assert rendition.lines[1].name == ""
    assert rendition.totals == (("Total VAT amount (BT-110)", "3"),)
