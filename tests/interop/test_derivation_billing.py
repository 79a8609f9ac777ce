"""Derivation agrees with every official billing example.

For each example, the JSON form without its totals (BG-22, keeping the paid and rounding
amounts, which are inputs) and without the VAT total and breakdown (BT-110, BG-23) is
completed by `json_to_model`; the derived values must equal the ones the example states.
The line net amounts of the Peppol examples (all valid under PEPPOL-EN16931-R120) must be
within that rule's 0.02 tolerance of the computed ones.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from gateway.documents.convert import json_to_model, model_to_json, xml_to_model
from gateway.model import calc
from tests.interop.test_roundtrip_billing import EXAMPLES

TOTALS = ("line_extension_amount", "allowance_total_amount", "charge_total_amount",
          "tax_exclusive_amount", "tax_inclusive_amount", "payable_amount")


def _vat(document: object) -> list[tuple[object, ...]]:
    first = document.tax_totals[0]  # type: ignore[attr-defined]
    rows = [(b.vat_category_code, b.vat_rate, b.taxable_amount, b.tax_amount)
            for b in first.vat_breakdown]
    return sorted(rows, key=str)


@pytest.mark.parametrize("name", EXAMPLES)
def test_derived_totals_and_vat_breakdown_equal_the_official_ones(
    name: str, standards_dir: Path
) -> None:
    doc_type, given, _ = xml_to_model((standards_dir / name).read_bytes())
    data = model_to_json(given)
    totals = data.pop("totals")
    data["totals"] = {k: totals[k] for k in ("prepaid_amount", "payable_rounding_amount")
                      if k in totals}
    del data["tax_totals"][0]["vat_breakdown"], data["tax_totals"][0]["tax_amount"]

    derived, findings = json_to_model(data, doc_type)

    assert findings, "something was derived"
    for field in TOTALS:
        stated = getattr(given.totals, field)
        computed = getattr(derived.totals, field)
        if stated is not None and computed is None:
            assert stated == 0, field  # an explicit zero sum where nothing was to be summed
        else:
            assert computed == stated, field
    assert derived.tax_totals[0].tax_amount == given.tax_totals[0].tax_amount
    assert _vat(derived) == _vat(given)


@pytest.mark.parametrize("name", [n for n in EXAMPLES if n.startswith("peppol-bis-billing-3")])
def test_line_net_amounts_agree_within_the_peppol_tolerance(
    name: str, standards_dir: Path
) -> None:
    _, given, _ = xml_to_model((standards_dir / name).read_bytes())
    for line in given.lines:
        expected = calc.line_net_amount(line)
        assert expected is not None
        assert abs(expected - line.line_extension_amount) <= Decimal("0.02"), line.id
