"""Small hand-made ledgers and payment lines for the matching tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from gateway.remittance.matching.ledger import Customer, DiscountTerms, Ledger, OpenItem
from gateway.remittance.model import (
    CreditDebit,
    Party,
    RemittanceLine,
    SourceLocation,
    StructuredRemittance,
)
from gateway.remittance.references import classify, make_rf

BOOKED = date(2025, 6, 3)
MUELLER_IBAN = "DE89370400440532013000"
PARENT_IBAN = "DE02120300000000202051"


def item(number: str, amount: str, customer: str = "C1", *, currency: str = "EUR",
         discount: tuple[str, date] | None = None, po: str | None = None,
         due: date = date(2025, 6, 30)) -> OpenItem:
    core = "".join(ch for ch in number if ch.isdigit())
    return OpenItem(
        item_id="I-" + number, number=number, customer_id=customer, currency=currency,
        open_amount=Decimal(amount), issue_date=date(2025, 5, 1), due_date=due,
        is_credit_note=Decimal(amount) < 0, creditor_reference=make_rf(core), po_number=po,
        discount=DiscountTerms(Decimal(discount[0]), discount[1]) if discount else None)


CUSTOMERS = [
    Customer("C1", "Mueller Logistik GmbH", ibans=(MUELLER_IBAN,)),
    Customer("C2", "Alpen Bau AG", ibans=("AT611904300234573201",)),
    Customer("C3", "Nordwind Handel GmbH", parent_id="C9"),
    Customer("C9", "Nordwind Holding AG", ibans=(PARENT_IBAN,)),
]


def default_items() -> list[OpenItem]:
    return [
        item("INV-2025-0004711", "1190.00"),
        item("INV-2025-0004712", "595.00", discount=("2.00", date(2025, 6, 10))),
        item("INV-2025-0004713", "238.00"),
        item("INV-2025-0004801", "777.77", "C2"),
        item("INV-2025-0004802", "100.00", "C2"),
        item("INV-2025-0004803", "250.00", "C2"),
        item("INV-2025-0004900", "1500.00", "C3"),
        item("INV-2025-0005000", "840.00", "C2", currency="USD"),
        item("INV-2025-0005100", "-119.00", "C1"),
    ]


@pytest.fixture
def ledger() -> Ledger:
    return Ledger(default_items(), CUSTOMERS)


LineFactory = Callable[..., RemittanceLine]


@pytest.fixture
def payment() -> LineFactory:
    counter = iter(range(1, 10_000))

    def make(amount: str, text: str | None = None, *, iban: str | None = MUELLER_IBAN,
             name: str | None = "MUELLER LOGISTIK GMBH", currency: str = "EUR",
             rf: str | None = None, e2e: str | None = None, booked: date = BOOKED,
             **extra: Any) -> RemittanceLine:
        number = next(counter)
        structured = (StructuredRemittance(creditor_reference=classify(rf, "SCOR")),) if rf else ()
        extra.setdefault("credit_debit", CreditDebit.CREDIT)
        return RemittanceLine(
            line_id=f"P{number}", source=SourceLocation("test", f"line {number}"),
            amount=Decimal(amount), currency=currency,
            booking_date=booked, end_to_end_id=e2e, debtor=Party(name=name, iban=iban),
            unstructured=(text,) if text else (), structured=structured, **extra)

    return make
