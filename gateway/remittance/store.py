"""The receivables side of remittance: open items in the database, files matched against them.

`import_file` parses an uploaded file (nothing is stored when it is malformed), matches its
lines against the open items with the I/O-free `Matcher` and stores the file, its lines with
their decisions, and the automatic applications in one transaction. A file is stored once per
SHA-256: the same bytes again return the first import. Lines the matcher could not decide wait
in the review queue for `confirm`, `split` or `reject`. See docs/remittance.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import audit
from gateway.db.base import require_aware
from gateway.db.database import Database
from gateway.db.repos._common import page
from gateway.db.tables.remittance import (
    OpenItemRow,
    PayerIdentity,
    RemittanceFile,
    RemittanceLineRow,
)
from gateway.errors import Conflict, InputError, NotFound
from gateway.jsonio import JsonFloat
from gateway.remittance.formats import parse_bytes
from gateway.remittance.matching import (
    Customer,
    Decision,
    Flag,
    Ledger,
    Matcher,
    MatchResult,
    OpenItem,
)
from gateway.remittance.matching.amounts import Fit
from gateway.remittance.matching.duplicates import fingerprint
from gateway.remittance.matching.payer import compact_account
from gateway.remittance.model import LineKind, RemittanceLine

CENT = Decimal("0.01")
MAX_OPEN_ITEMS_PER_LOAD = 10_000
Progress = Callable[[int, int], None]
"""Called after each line with (lines matched so far, lines in the file)."""

_STATE_OF = {Decision.AUTO: "auto_applied", Decision.REVIEW: "in_review",
             Decision.NONE: "unmatched"}


@dataclass(frozen=True, slots=True)
class Imported:
    file: RemittanceFile
    lines: list[RemittanceLineRow]
    created: bool


@dataclass(frozen=True, slots=True)
class Booking:
    """An amount to take off one open item's balance."""

    item_id: str
    amount: Decimal


# --- open items -------------------------------------------------------------------------------


def money(value: object, name: str) -> Decimal:
    """A JSON amount: a string or an integer (JSON floats are refused), at most two decimals."""
    if isinstance(value, bool | JsonFloat) or not isinstance(value, str | int | Decimal):
        raise InputError(f"{name} must be an amount as a string or an integer, got {value!r}")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InputError(f"{name}: {value!r} is not an amount") from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise InputError(f"{name}: {value!r} is not an amount with at most two decimals")
    return amount.quantize(CENT)


def _date(value: object, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def _text(entry: Mapping[str, Any], key: str, where: str, *, required: bool = False,
          max_length: int = 200) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise InputError(f"{where}.{key} must be a text of 1-{max_length} characters")
    return value.strip()


def _open_item(entry: object, index: int, now: datetime) -> OpenItemRow:
    where = f"items[{index}]"
    if not isinstance(entry, Mapping):
        raise InputError(f"{where} must be an object")
    unknown = set(entry) - {"number", "customer_id", "customer_name", "partner_id", "currency",
                            "amount", "open_amount", "issue_date", "due_date",
                            "creditor_reference"}
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    currency = _text(entry, "currency", where, required=True, max_length=3)
    assert currency is not None
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise InputError(f"{where}.currency must be an ISO 4217 code such as EUR")
    amount = money(entry.get("amount"), f"{where}.amount")
    open_amount = money(entry.get("open_amount", entry.get("amount")), f"{where}.open_amount")
    if amount <= 0 or not 0 < open_amount <= amount:
        raise InputError(f"{where}: amount must be positive and 0 < open_amount <= amount")
    return OpenItemRow(
        number=_text(entry, "number", where, required=True),
        customer_id=_text(entry, "customer_id", where, required=True),
        customer_name=_text(entry, "customer_name", where, max_length=500),
        partner_id=_text(entry, "partner_id", where, max_length=36), currency=currency,
        amount=amount, open_amount=open_amount,
        issue_date=_date(entry.get("issue_date"), f"{where}.issue_date"),
        due_date=_date(entry.get("due_date"), f"{where}.due_date"),
        creditor_reference=_text(entry, "creditor_reference", where, max_length=64),
        state="open" if open_amount == amount else "partially_paid",
        created_at=now, updated_at=now,
    )


async def load_open_items(session: AsyncSession, entries: Sequence[object], *, now: datetime,
                          actor: str) -> list[OpenItemRow]:
    """Add open items (all or none); a number that exists already is a Conflict."""
    now = require_aware(now, "now")
    if not 1 <= len(entries) <= MAX_OPEN_ITEMS_PER_LOAD:
        raise InputError(f"items must list 1-{MAX_OPEN_ITEMS_PER_LOAD} open items")
    rows = [_open_item(entry, n, now) for n, entry in enumerate(entries)]
    numbers = [row.number for row in rows]
    if len(set(numbers)) != len(numbers):
        raise InputError("items: an invoice number appears twice")
    existing = (await session.scalars(
        select(OpenItemRow.number).where(OpenItemRow.number.in_(numbers)))).all()
    if existing:
        raise Conflict(f"open item(s) {', '.join(sorted(existing)[:10])} exist already")
    session.add_all(rows)
    await session.flush()
    audit.record(session, actor=actor, action="open_items.loaded", subject_type="open_items",
                 subject_id=rows[0].id, at=now, data={"count": len(rows)})
    return rows


async def list_open_items(session: AsyncSession, *, state: str | None, after: str | None,
                          limit: int) -> list[OpenItemRow]:
    stmt = select(OpenItemRow)
    if state is not None:
        stmt = stmt.where(OpenItemRow.state == state)
    return list((await session.scalars(page(stmt, OpenItemRow.id, after=after,
                                            limit=limit))).all())


def _book(row: OpenItemRow, amount: Decimal, *, close: bool, now: datetime) -> None:
    """Lower the open balance; `close` writes off a remainder the matcher explained."""
    row.open_amount = Decimal(0) if close else max(row.open_amount - amount, Decimal(0))
    row.state = "paid" if row.open_amount == 0 else "partially_paid"
    row.updated_at = now


# --- import -----------------------------------------------------------------------------------


async def _file_by_checksum(session: AsyncSession, sha256: str) -> RemittanceFile | None:
    found: RemittanceFile | None = await session.scalar(
        select(RemittanceFile).where(RemittanceFile.sha256 == sha256))
    return found


async def lines_of(session: AsyncSession, file_id: str) -> list[RemittanceLineRow]:
    rows = await session.scalars(select(RemittanceLineRow).where(
        RemittanceLineRow.file_id == file_id).order_by(RemittanceLineRow.position))
    return list(rows.all())


async def get_file(session: AsyncSession, file_id: str) -> RemittanceFile:
    row = await session.get(RemittanceFile, file_id)
    if row is None:
        raise NotFound(f"remittance file {file_id} not found")
    return row


async def _identities(session: AsyncSession) -> dict[str, dict[str, list[str]]]:
    """customer id -> {"account": [...], "name": [...]} learned so far."""
    found: dict[str, dict[str, list[str]]] = {}
    for row in (await session.scalars(select(PayerIdentity))).all():
        found.setdefault(row.customer_id, {"account": [], "name": []})[row.kind].append(
            row.value)
    return found


def _ledger(rows: Iterable[OpenItemRow], learned: Mapping[str, dict[str, list[str]]]) -> Ledger:
    items: list[OpenItem] = []
    names: dict[str, str] = {}
    for row in rows:
        items.append(OpenItem(row.id, row.number, row.customer_id, row.currency,
                              row.open_amount, row.issue_date, row.due_date,
                              creditor_reference=row.creditor_reference))
        names.setdefault(row.customer_id, row.customer_name or row.customer_id)
    customers = []
    for cid, name in names.items():
        known = learned.get(cid, {})
        customers.append(Customer(cid, name, ibans=tuple(known.get("account", ())),
                                  aliases=tuple(known.get("name", ()))))
    return Ledger(items, customers)


async def _remember(session: AsyncSession, customer_id: str, kind: str, value: str,
                    now: datetime) -> None:
    """Learn an account or a name for a customer unless it is known (for anyone) already."""
    value = value.strip()[:500]
    known = await session.scalar(select(PayerIdentity.id).where(
        PayerIdentity.kind == kind, PayerIdentity.value == value))
    if value and known is None:
        session.add(PayerIdentity(customer_id=customer_id, kind=kind, value=value,
                                  created_at=now))
        await session.flush()


async def _teach(session: AsyncSession, row: RemittanceLineRow, now: datetime) -> None:
    """A confirmed line teaches its payer: the debtor's account and name (one customer only)."""
    ids = [a["open_item_id"] for a in row.allocations]
    customers = set((await session.scalars(select(OpenItemRow.customer_id).where(
        OpenItemRow.id.in_(ids)))).all())
    debtor = row.line.get("debtor") or {}
    if len(customers) != 1:
        return
    customer_id = customers.pop()
    for account in (debtor.get("iban"), debtor.get("account")):
        if account:
            await _remember(session, customer_id, "account", compact_account(account), now)
    if debtor.get("name"):
        await _remember(session, customer_id, "name", debtor["name"], now)


def _with_numbers(match: dict[str, Any], numbers: Mapping[str, str]) -> dict[str, Any]:
    for allocation in match.get("allocations", []):
        allocation["open_item_id"] = allocation.pop("invoice_id")
        allocation["number"] = numbers.get(allocation["open_item_id"])
    for residual in match.get("residuals", []):
        if "invoice_id" in residual:
            residual["open_item_id"] = residual.pop("invoice_id")
    return match


def _fingerprint(line: RemittanceLine) -> str | None:
    if line.kind is not LineKind.BANK_TRANSACTION or line.amount is None:
        return None
    return hashlib.sha256(repr(fingerprint(line)).encode()).hexdigest()


async def _earlier_import(session: AsyncSession, line: RemittanceLine, window_days: int
                          ) -> MatchResult | None:
    """The same payment stored from an earlier file (a camt.053 repeating a camt.054...):
    review, never applied twice."""
    key = _fingerprint(line)
    if key is None:
        return None
    stmt = select(RemittanceLineRow.id, RemittanceLineRow.booking_date).where(
        RemittanceLineRow.fingerprint == key, RemittanceLineRow.state != "rejected")
    if line.booking_date is not None:
        window = timedelta(days=window_days)
        stmt = stmt.where(
            (RemittanceLineRow.booking_date.is_(None))
            | RemittanceLineRow.booking_date.between(line.booking_date - window,
                                                     line.booking_date + window))
    earlier = (await session.execute(stmt.order_by(RemittanceLineRow.id).limit(1))).first()
    if earlier is None:
        return None
    return MatchResult(line.line_id, Decision.REVIEW, flags=(Flag.DUPLICATE,),
                       duplicate_of=earlier.id,
                       note=f"repeats line {earlier.id} of an earlier import")


def _line_row(file_id: str, position: int, line: RemittanceLine, result: MatchResult,
              numbers: Mapping[str, str], now: datetime) -> RemittanceLineRow:
    match = _with_numbers(result.match.to_dict(), numbers) if result.match else None
    reasons = list(match["reasons"]) if match else []
    if result.note:
        reasons.append({"code": "note", "weight": 0.0, "detail": result.note})
    state = _STATE_OF[result.decision]
    applied = match["allocations"] if match and state == "auto_applied" else []
    return RemittanceLineRow(
        file_id=file_id, position=position, line=line.to_dict(), decision=result.decision.value,
        confidence=result.match.confidence if result.match else None, match=match,
        reasons=reasons, candidates=[_with_numbers(c.to_dict(), numbers)
                                     for c in result.candidates],
        flags=list(dict.fromkeys(f.value for f in result.flags)), duplicate_of=result.duplicate_of,
        fingerprint=_fingerprint(line), booking_date=line.booking_date, allocations=applied,
        state=state, created_at=now, updated_at=now)


async def _result(session: AsyncSession, matcher: Matcher, line: RemittanceLine
                  ) -> MatchResult:
    if line.kind is not LineKind.BANK_TRANSACTION:
        return MatchResult(line.line_id, Decision.NONE,
                           note="an advice: it explains payments, it is not one")
    repeated = await _earlier_import(session, line, matcher.config.duplicate_window_days)
    return repeated if repeated is not None else matcher.match(line)


async def _match_and_store(session: AsyncSession, file: RemittanceFile,
                           lines: Sequence[RemittanceLine], now: datetime,
                           progress: Progress | None) -> list[RemittanceLineRow]:
    # FOR UPDATE: two imports at once must not both apply a payment to the same balance.
    open_rows = (await session.scalars(select(OpenItemRow).where(
        OpenItemRow.state != "paid").order_by(OpenItemRow.id).with_for_update())).all()
    by_id = {row.id: row for row in open_rows}
    numbers = {row.id: row.number for row in open_rows}
    payments = [line for line in lines if line.kind is LineKind.BANK_TRANSACTION]
    advices = [line for line in lines if line.kind is LineKind.ADVICE]
    matcher = Matcher(_ledger(open_rows, await _identities(session)), advices=advices,
                      payments=payments)
    stored: list[RemittanceLineRow] = []
    for position, line in enumerate(lines):
        result = await _result(session, matcher, line)
        if result.decision is Decision.AUTO and result.match is not None:
            close = Fit(result.match.fit).explained
            for allocation in result.match.allocations:
                _book(by_id[allocation.item_id], allocation.amount, close=close, now=now)
        row = _line_row(file.id, position, line, result, numbers, now)
        session.add(row)
        stored.append(row)
        if progress is not None:
            progress(position + 1, len(lines))
    for account, customer_id in matcher.payers.learned_accounts.items():
        await _remember(session, customer_id, "account", account, now)
    await session.flush()
    return stored


async def import_file(database: Database, raw: bytes, *, filename: str, now: datetime,
                      actor: str, partner_id: str | None = None,
                      progress: Progress | None = None) -> Imported:
    """Parse, match and store a remittance file once; the same bytes again: the first import.

    InputError (naming the line or element) when the file is malformed: nothing is stored.
    """
    now = require_aware(now, "now")
    sha256 = hashlib.sha256(raw).hexdigest()
    async with database.read() as session:
        existing = await _file_by_checksum(session, sha256)
        if existing is not None:
            return Imported(existing, await lines_of(session, existing.id), created=False)
    format_name, lines = parse_bytes(raw)
    try:
        async with database.transaction() as session:
            file = RemittanceFile(partner_id=partner_id, filename=filename[:255],
                                  format=lines[0].source.format if lines else format_name,
                                  sha256=sha256, raw=raw, line_count=len(lines), created_at=now)
            session.add(file)
            await session.flush()  # a concurrent import of the same bytes stops here
            stored = await _match_and_store(session, file, lines, now, progress)
            audit.record(session, actor=actor, action="remittance.imported",
                         subject_type="remittance_file", subject_id=file.id, at=now,
                         data={"sha256": sha256, "lines": len(lines)})
    except IntegrityError:
        async with database.read() as session:
            existing = await _file_by_checksum(session, sha256)
            if existing is None:
                raise
            return Imported(existing, await lines_of(session, existing.id), created=False)
    return Imported(file, stored, created=True)


# --- review -----------------------------------------------------------------------------------


async def review_queue(session: AsyncSession, *, after: str | None,
                       limit: int) -> list[RemittanceLineRow]:
    stmt = select(RemittanceLineRow).where(RemittanceLineRow.state == "in_review")
    return list((await session.scalars(page(stmt, RemittanceLineRow.id, after=after,
                                            limit=limit))).all())


async def _line_in_review(session: AsyncSession, line_id: str) -> RemittanceLineRow:
    row: RemittanceLineRow | None = await session.scalar(
        select(RemittanceLineRow).where(RemittanceLineRow.id == line_id).with_for_update())
    if row is None:
        raise NotFound(f"remittance line {line_id} not found")
    if row.state != "in_review":
        raise Conflict(f"remittance line {line_id} is {row.state}, not in review")
    return row


def bookings(entries: object, *, name: str = "allocations") -> list[Booking]:
    """[{open_item_id, amount}] from a request body."""
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{name} must list at least one {{open_item_id, amount}}")
    found = []
    for n, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("open_item_id"), str):
            raise InputError(f"{name}[{n}] must be {{open_item_id, amount}}")
        amount = money(entry.get("amount"), f"{name}[{n}].amount")
        if amount <= 0:
            raise InputError(f"{name}[{n}].amount must be positive")
        found.append(Booking(entry["open_item_id"], amount))
    if len({b.item_id for b in found}) != len(found):
        raise InputError(f"{name}: an open item appears twice")
    return found


def _proposed(row: RemittanceLineRow) -> list[Booking]:
    if not row.match or not row.match.get("allocations"):
        raise InputError(f"remittance line {row.id} has no proposed match: "
                         "name the allocations to confirm")
    return [Booking(a["open_item_id"], Decimal(a["amount"])) for a in row.match["allocations"]]


def payment_amount(row: RemittanceLineRow) -> Decimal:
    amount = row.line.get("amount")
    if amount is None:
        raise InputError(f"remittance line {row.id} carries no amount")
    return Decimal(amount)


async def _apply(session: AsyncSession, row: RemittanceLineRow, chosen: Sequence[Booking],
                 now: datetime) -> None:
    currency = row.line.get("currency")
    applied = []
    for booking in chosen:
        item = await session.get(OpenItemRow, booking.item_id, with_for_update=True)
        if item is None:
            raise NotFound(f"open item {booking.item_id} not found")
        if item.state == "paid":
            raise Conflict(f"open item {item.number} is paid already")
        if item.currency != currency:
            raise InputError(f"open item {item.number} is in {item.currency}, "
                             f"the payment in {currency}")
        if booking.amount > item.open_amount:
            raise InputError(f"{booking.amount} is more than the {item.open_amount} "
                             f"open on {item.number}")
        _book(item, booking.amount, close=False, now=now)
        applied.append({"open_item_id": item.id, "number": item.number,
                        "amount": format(booking.amount, "f")})
    row.allocations = applied


async def confirm(session: AsyncSession, line_id: str, chosen: Sequence[Booking] | None, *,
                  now: datetime, actor: str, split: bool = False) -> RemittanceLineRow:
    """Book a line in review: the proposed match, the chosen allocations, or (split) several
    allocations that must add up to the payment exactly. The payer is learned (`_teach`)."""
    now = require_aware(now, "now")
    row = await _line_in_review(session, line_id)
    allocations = list(chosen) if chosen is not None else _proposed(row)
    total = sum((b.amount for b in allocations), Decimal(0))
    if split and total != payment_amount(row):
        raise InputError(f"the allocations add up to {total}, the payment is "
                         f"{payment_amount(row)}: a split must account for all of it")
    if total > payment_amount(row):
        raise InputError(f"the allocations add up to {total}, more than the payment "
                         f"{payment_amount(row)}")
    await _apply(session, row, allocations, now)
    await _teach(session, row, now)
    row.state, row.updated_at = "confirmed", now
    audit.record(session, actor=actor, action="remittance.line.split" if split
                 else "remittance.line.confirmed", subject_type="remittance_line",
                 subject_id=row.id, at=now, data={"allocations": row.allocations})
    await session.flush()
    return row


async def reject(session: AsyncSession, line_id: str, *, now: datetime, actor: str,
                 reason: str | None = None) -> RemittanceLineRow:
    """Not a payment of these open items (or not a receivable at all): nothing is booked."""
    now = require_aware(now, "now")
    row = await _line_in_review(session, line_id)
    row.state, row.updated_at = "rejected", now
    audit.record(session, actor=actor, action="remittance.line.rejected",
                 subject_type="remittance_line", subject_id=row.id, at=now,
                 data={"reason": reason})
    await session.flush()
    return row
