"""A small, complete invoice in the canonical JSON form (the shape of the Peppol base example)."""

from __future__ import annotations

import copy
from typing import Any

_INVOICE: dict[str, Any] = {
    "id": "INV-1",
    "issue_date": "2024-03-01",
    "due_date": "2024-03-31",
    "type_code": "380",
    "notes": ["Thanks for your order"],
    "currency_code": "EUR",
    "buyer_reference": "REF-7",
    "seller": {
        "endpoint_id": "7300010000001", "endpoint_scheme_id": "0088",
        "identifiers": [{"id": "99887766"}],
        "trading_name": "Seller Ltd",
        "address": {"street_name": "Main street 1", "city_name": "London",
                    "postal_zone": "GB 123 EW", "country_code": "GB"},
        "tax_schemes": [{"company_id": "GB1232434"}],
        "name": "Seller Official Ltd",
        "legal_registration_id": "GB983294",
    },
    "buyer": {
        "endpoint_id": "FR23342", "endpoint_scheme_id": "0002",
        "address": {"city_name": "Stockholm", "postal_zone": "456 34", "country_code": "SE"},
        "name": "Buyer AB",
        "contact": {"name": "Lisa", "email": "lj@buyer.se"},
    },
    "payment_means": [{"code": "30", "payment_id": "RF18539007547034",
                       "payee_account": {"id": "SE4550000000058398257466"}}],
    "payment_terms": "Net 30",
    "allowance_charges": [
        {"charge_indicator": True, "reason": "Insurance", "amount": "25",
         "vat_category_code": "S", "vat_rate": "25.0"},
        {"charge_indicator": False, "reason_code": "95", "base_amount": "200.00",
         "multiplier_factor": "10", "vat_category_code": "S", "vat_rate": "25"},
    ],
    "lines": [
        {"id": "1", "quantity": "7", "unit_code": "DAY",
         "item": {"name": "Consulting", "vat_category_code": "S", "vat_rate": "25"},
         "price": {"amount": "400"}},
        {"id": "2", "quantity": "-3", "unit_code": "DAY",
         "allowance_charges": [{"charge_indicator": False, "reason": "Discount",
                                "amount": "10.00"}],
         "item": {"name": "Refund", "vat_category_code": "S", "vat_rate": "25"},
         "price": {"amount": "500", "base_quantity": "2", "base_quantity_unit_code": "DAY"}},
        {"id": "3", "quantity": "1.5", "unit_code": "H87",
         "item": {"name": "Book", "vat_category_code": "Z", "vat_rate": "0"},
         "price": {"amount": "33.33",
                   "discount": {"amount": "1.67", "base_amount": "35.00"}}},
    ],
}


def invoice_json() -> dict[str, Any]:
    """A fresh copy: totals, VAT breakdown and line net amounts left out (to be derived)."""
    return copy.deepcopy(_INVOICE)
