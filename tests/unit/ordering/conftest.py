"""The demo scenario's order: realistic content, two VAT rates, a line discount, a charge."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.demo.scenario import build_order
from gateway.model.order import Order

ORDER_DATE = date(2024, 11, 28)


@pytest.fixture
def order() -> Order:
    return build_order("PO-20241128-0042", ORDER_DATE, "09:15:00")
