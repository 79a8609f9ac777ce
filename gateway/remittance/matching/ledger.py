"""The in-memory open-item ledger the matcher works against.

Pure data: the caller (the CLI reading JSONL, or a service reading the receivables tables) builds
`OpenItem`s and `Customer`s, the `Ledger` indexes them, and `apply` lowers open amounts as matches
are applied so that later payments in the same run see the new balances. Nothing here does I/O.

Indexes (all built once, in one pass):
- document numbers under their full keys and short forms (`numbering`), creditor references
  (ISO 11649 RF), purchase-order numbers;
- items per customer, and how many open items share each amount, per customer and over the whole
  ledger (an amount that many items share confirms nothing).
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple, TypeVar

from gateway.remittance.matching.money import to_minor
from gateway.remittance.matching.numbering import (
    NumberShape,
    compact,
    digit_variants,
    index_keys,
)


class DiscountTerms(NamedTuple):
    """Early-payment discount: `percent` off when paid on or before `until` (UBL PaymentTerms)."""

    percent: Decimal
    until: date


class OpenItem(NamedTuple):
    """An open receivable: an invoice (positive) or a credit note (negative open amount).

    A NamedTuple rather than a frozen dataclass: a ledger holds a million of them and a tuple
    is built several times faster.
    """

    item_id: str
    number: str
    customer_id: str
    currency: str
    open_amount: Decimal
    issue_date: date | None = None
    due_date: date | None = None
    is_credit_note: bool = False
    creditor_reference: str | None = None
    po_number: str | None = None
    discount: DiscountTerms | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    """Master data used to recognise a payer: accounts, name, aliases and the parent company."""

    customer_id: str
    name: str
    ibans: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    parent_id: str | None = None
    aliases: tuple[str, ...] = ()
    vat_id: str | None = None


Index = dict[str, int | list[int]]
K = TypeVar("K")


def _add(index: dict[K, int | list[int]], key: K, item: int) -> None:
    present = index.get(key)
    if present is None:
        index[key] = item
    elif isinstance(present, int):
        if present != item:
            index[key] = [present, item]
    elif item not in present:
        present.append(item)


def _get(index: Index, key: str) -> tuple[int, ...]:
    found = index.get(key)
    if found is None:
        return ()
    if isinstance(found, int):
        return (found,)
    return tuple(found)


class Ledger:
    """Open items and their indexes; `open_minor[i]` is item i's current open amount."""

    def __init__(self, items: Iterable[OpenItem], customers: Iterable[Customer]) -> None:
        self.customers: dict[str, Customer] = {c.customer_id: c for c in customers}
        self.children: dict[str, list[str]] = {}
        for customer in self.customers.values():
            if customer.parent_id:
                self.children.setdefault(customer.parent_id, []).append(customer.customer_id)
        self.items: list[OpenItem] = list(items)
        # Columns built in bulk passes: a million items must load in seconds.
        self.start_minor: list[int] = [to_minor(i.open_amount, i.currency) for i in self.items]
        self.open_minor: list[int] = list(self.start_minor)
        # due date (else issue date) as an ordinal: payers settle the oldest items first
        self.due_order: list[int] = [
            (i.due_date or i.issue_date or date.min).toordinal() for i in self.items]
        self.discount_minor: list[int] = [
            _discount_minor(item, minor) if item.discount else 0
            for item, minor in zip(self.items, self.start_minor, strict=True)]
        self.by_customer: dict[str, list[int]] = defaultdict(list)
        self.numbers: Index = {}
        self.shorts: Index = {}
        self.references: Index = {}
        self.purchase_orders: Index = {}
        self._index_items()
        due = self.due_order.__getitem__
        self.by_customer = {c: sorted(items, key=due) for c, items in self.by_customer.items()}
        self.amount_count: Counter[tuple[str, int]] = Counter(
            zip((i.currency for i in self.items), self.start_minor, strict=True))
        # (customer, open amount at the start) -> item(s): amount look-ups per payer
        self.by_amount: dict[tuple[str, int], int | list[int]] = {}
        by_amount = self.by_amount
        for index, key in enumerate(zip((i.customer_id for i in self.items), self.start_minor,
                                        strict=True)):
            if by_amount.setdefault(key, index) != index:
                _add(by_amount, key, index)
        self.settled_by: dict[int, str] = {}
        self.shape = NumberShape.learn(item.number for item in self.items)
        self._groups: dict[str, frozenset[str]] = {}

    def _index_items(self) -> None:
        numbers, shorts = self.numbers, self.shorts
        references, orders = self.references, self.purchase_orders
        by_customer = self.by_customer
        for index, item in enumerate(self.items):
            by_customer[item.customer_id].append(index)
            full, short = index_keys(item.number)
            for key in full:
                if numbers.setdefault(key, index) != index:
                    _add(numbers, key, index)
            for key in short:
                if shorts.setdefault(key, index) != index:
                    _add(shorts, key, index)
            reference = item.creditor_reference
            if reference:
                key = reference if reference.isalnum() and reference.isupper() else compact(
                    reference)
                if references.setdefault(key, index) != index:
                    _add(references, key, index)
            if item.po_number:
                _add(orders, compact(item.po_number), index)

    def items_with_amount(self, customer_id: str, currency: str, minor: int) -> list[int]:
        """The customer's items in `currency` whose open amount at the start was `minor`."""
        found = self.by_amount.get((customer_id, minor))
        if found is None:
            return []
        hits = [found] if isinstance(found, int) else found
        return [i for i in hits if self.items[i].currency == currency]

    # ------------------------------------------------------------------ look-ups
    def by_number(self, key: str) -> tuple[int, ...]:
        return _get(self.numbers, key)

    def by_short(self, key: str) -> tuple[int, ...]:
        return _get(self.shorts, key.lstrip("0"))

    def by_reference(self, reference: str) -> tuple[int, ...]:
        return _get(self.references, compact(reference))

    def by_po(self, key: str) -> tuple[int, ...]:
        return _get(self.purchase_orders, key)

    def fuzzy(self, written: str, index: Index) -> tuple[int, ...]:
        """Items whose key is one digit edit away from `written` (never `written` itself)."""
        found: dict[int, None] = {}
        get = index.get
        for variant in digit_variants(written):
            hit = get(variant)
            if hit is None:
                continue
            if isinstance(hit, int):
                found[hit] = None
            else:
                found.update(dict.fromkeys(hit))
        return tuple(found)

    def group(self, customer_id: str) -> frozenset[str]:
        """The customer and its subsidiaries: a parent company pays for its group."""
        cached = self._groups.get(customer_id)
        if cached is None:
            members = {customer_id}
            stack = list(self.children.get(customer_id, ()))
            while stack:
                child = stack.pop()
                if child not in members:
                    members.add(child)
                    stack.extend(self.children.get(child, ()))
            cached = self._groups[customer_id] = frozenset(members)
        return cached

    def group_items(self, customer_id: str) -> Iterator[int]:
        for member in self.group(customer_id):
            yield from self.by_customer.get(member, ())

    def oldest_open(self, customer_ids: Iterable[str], below: int, limit: int,
                    exclude: frozenset[int] = frozenset()) -> list[int]:
        """Up to `limit` open items of the customers with 0 < open < `below`, oldest due first."""
        found: list[int] = []
        open_minor = self.open_minor
        for customer_id in customer_ids:
            taken = 0
            for item in self.by_customer.get(customer_id, ()):
                if 0 < open_minor[item] < below and item not in exclude:
                    found.append(item)
                    taken += 1
                    if taken >= limit:
                        break
        if len(found) > limit:
            found = heapq.nsmallest(limit, found, key=self.due_order.__getitem__)
        return found

    def customer_of(self, item: int) -> str:
        return self.items[item].customer_id

    def is_open(self, item: int) -> bool:
        return self.open_minor[item] != 0

    # ------------------------------------------------------------------ changes
    def apply(self, item: int, minor: int, payment_id: str) -> None:
        """Lower item's open amount by `minor` (a match was applied)."""
        self.open_minor[item] -= minor
        if self.open_minor[item] == 0 or (
                self.items[item].open_amount > 0) != (self.open_minor[item] > 0):
            self.settled_by[item] = payment_id

    def write_off(self, item: int, payment_id: str) -> None:
        """Close the item's remaining balance (discount, deduction or fee booked as residual)."""
        self.open_minor[item] = 0
        self.settled_by[item] = payment_id


def _discount_minor(item: OpenItem, open_minor: int) -> int:
    """The early-payment discount on the open amount, rounded half-up to the minor unit."""
    if item.discount is None or open_minor <= 0:
        return 0
    value = Decimal(open_minor) * item.discount.percent / 100
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))
