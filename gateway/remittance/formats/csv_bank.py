"""Bank statement exports as CSV, read through a per-bank column mapping (`CsvProfile`).

There is no standard (notes/remittance.md section 1.4): banks differ in delimiter, date format,
decimal separator ("1.234,56" or "1,234.56"), one signed amount column or separate debit and
credit columns, a debit/credit mark column, meta rows above the header and sign-inverted card
statements. A profile names the columns; it is a small dataclass and can be loaded from YAML
(`CsvProfile.from_mapping(yaml.safe_load(...))`). `DEFAULT_PROFILE` reads the Odoo/OCA sheet
exports (`Date, Label, Currency, Amount, Amount Currency, Partner Name, Bank Account`).
CSV carries no structured reference: the label becomes the remittance text.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.errors import InputError
from gateway.remittance.model import CreditDebit, Party, RemittanceLine, SourceLocation

FORMAT = "csv"
_NUMBER = re.compile(r"^[+-]?[\d.,' ]+$")


@dataclass(frozen=True, slots=True)
class CsvProfile:
    """Which column holds what, for one bank's export."""

    name: str = "default"
    date_column: str = "Date"
    date_formats: tuple[str, ...] = ("%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")
    amount_column: str | None = "Amount"  # signed: positive = money in
    debit_column: str | None = None  # or separate unsigned columns
    credit_column: str | None = None
    mark_column: str | None = "D/C"  # optional debit/credit mark beside an unsigned amount
    debit_marks: tuple[str, ...] = ("D", "DBIT", "DR", "S", "SOLL", "DEBIT")
    currency_column: str | None = "Currency"
    default_currency: str | None = None
    original_amount_column: str | None = "Amount Currency"  # amount in the original currency
    text_columns: tuple[str, ...] = ("Label",)
    name_column: str | None = "Partner Name"
    account_column: str | None = "Bank Account"
    reference_column: str | None = None  # an end-to-end reference, if the bank exports one
    id_column: str | None = None
    delimiter: str | None = None  # None: detected
    decimal_comma: bool | None = None  # None: decided per value
    skip_rows: int = 0  # meta rows above the header
    invert_sign: bool = False  # card statements report spending as positive
    encoding: str = "utf-8-sig"

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> CsvProfile:
        """A profile from a mapping (e.g. parsed YAML); unknown keys are refused by name."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(f"CSV profile: unknown keys {', '.join(unknown)}")
        converted: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        return cls(**converted)


DEFAULT_PROFILE = CsvProfile()


def parse(data: bytes, profile: CsvProfile = DEFAULT_PROFILE) -> list[RemittanceLine]:
    try:
        text = data.decode(profile.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputError(f"CSV: cannot decode as {profile.encoding}: {exc}") from None
    rows = text.splitlines()[profile.skip_rows:]
    if not rows:
        raise InputError("CSV: no header row")
    delimiter = profile.delimiter or _delimiter(rows[0])
    reader = csv.DictReader(io.StringIO("\n".join(rows)), delimiter=delimiter)
    header = list(reader.fieldnames or [])
    _check_columns(profile, header)
    lines = []
    for number, row in enumerate(reader, start=profile.skip_rows + 2):
        if not any((v or "").strip() for v in row.values()):
            continue
        lines.append(_line(row, profile, number))
    return lines


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t", "|")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _check_columns(profile: CsvProfile, header: list[str]) -> None:
    needed = [profile.date_column]
    if profile.amount_column and profile.amount_column in header:
        pass
    elif profile.debit_column and profile.credit_column:
        needed += [profile.debit_column, profile.credit_column]
    else:
        needed.append(profile.amount_column or "Amount")
    missing = [c for c in needed if c not in header]
    if missing:
        raise InputError(f"CSV profile {profile.name!r}: column(s) {', '.join(missing)} not in "
                         f"the header ({', '.join(header)})")


def _line(row: dict[str, str | None], profile: CsvProfile, number: int) -> RemittanceLine:
    where = f"line {number}"

    def cell(column: str | None) -> str | None:
        if not column:
            return None
        value = (row.get(column) or "").strip()
        return value or None

    amount, indicator = _amount_and_direction(row, profile, where, cell)
    original = cell(profile.original_amount_column)
    original_amount = _decimal(original, profile, f"{where} {profile.original_amount_column}") \
        if original else None
    currency = cell(profile.currency_column) or profile.default_currency
    text = " ".join(v for c in profile.text_columns if (v := cell(c)))
    account = cell(profile.account_column)
    return RemittanceLine(
        line_id=cell(profile.id_column) or where, source=SourceLocation(FORMAT, where),
        amount=amount, currency=currency, credit_debit=indicator,
        booking_date=_date(cell(profile.date_column), profile, where),
        end_to_end_id=cell(profile.reference_column),
        instructed_amount=abs(original_amount) if original_amount else None,
        instructed_currency=currency if original_amount else None,
        debtor=Party(name=cell(profile.name_column),
                     iban=account if account and account[:2].isalpha() else None,
                     account=account if account and not account[:2].isalpha() else None),
        unstructured=(text,) if text else ())


def _amount_and_direction(row: dict[str, str | None], profile: CsvProfile, where: str,
                          cell: Any) -> tuple[Decimal, CreditDebit]:
    if profile.amount_column and cell(profile.amount_column) is not None:
        value = _decimal(cell(profile.amount_column), profile, f"{where} {profile.amount_column}")
        mark = (cell(profile.mark_column) or "").upper()
        debit = mark in profile.debit_marks if mark else (value < 0) != profile.invert_sign
        return abs(value), CreditDebit.DEBIT if debit else CreditDebit.CREDIT
    debit_text = cell(profile.debit_column)
    credit_text = cell(profile.credit_column)
    if debit_text:
        return abs(_decimal(debit_text, profile, f"{where} {profile.debit_column}")), \
            CreditDebit.DEBIT
    if credit_text:
        return abs(_decimal(credit_text, profile, f"{where} {profile.credit_column}")), \
            CreditDebit.CREDIT
    raise InputError(f"CSV {where}: no amount")


def _decimal(raw: str | None, profile: CsvProfile, where: str) -> Decimal:
    value = (raw or "").replace("\u00a0", "").strip()
    if not value or not _NUMBER.match(value):
        raise InputError(f"CSV {where}: {raw!r} is not an amount")
    value = value.replace(" ", "").replace("'", "")
    comma = profile.decimal_comma
    if comma is None:
        last = max(value.rfind(","), value.rfind("."))
        comma = last >= 0 and value[last] == "," and len(value) - last - 1 in (1, 2)
    value = value.replace(".", "").replace(",", ".") if comma else value.replace(",", "")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise InputError(f"CSV {where}: {raw!r} is not an amount") from None


def _date(raw: str | None, profile: CsvProfile, where: str) -> date:
    if raw is None:
        raise InputError(f"CSV {where}: {profile.date_column} is empty")
    for pattern in profile.date_formats:
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise InputError(f"CSV {where}: {raw!r} is not a date in {', '.join(profile.date_formats)}")
