"""JSON Lines exchange of ledger snapshots, payments and advices (the cash-application benchmark's
file format, `../shared/bench/remittance/README.md`).

- customers: `customer_id, name, ibans[], other_accounts[], parent_id, vat_id`
- invoices (open items): `invoice_id, number, type (invoice|credit_note), customer_id,
  issue_date, due_date, currency, open_amount, creditor_reference, po_number,
  discount {pct, until}`
- payments: camt.05x field names (`Amt, Ccy, CdtDbtInd, BookgDt, ValDt, Dbtr.Nm, DbtrAcct.IBAN,
  DbtrAcct.Othr, EndToEndId, Ustrd, CdtrRefInf {Tp, Ref}, RfrdDocInf, AmtDtls.InstdAmt
  {Amt, Ccy}, AcctSvcrRef`)
- advices: `advice_id, format, payer_name, EndToEndId, advice_date, total_amount, currency, fee,
  lines [{doc_number, doc_type, remitted_amount, discount_amount, adjustment_amount,
  adjustment_reason}]`

Amounts are JSON strings; a JSON float is refused. Every error names the file and line.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import orjson

from gateway.errors import InputError
from gateway.remittance.matching.ledger import Customer, DiscountTerms, OpenItem
from gateway.remittance.model import (
    Adjustment,
    CreditDebit,
    DocumentAmounts,
    LineKind,
    Party,
    ReferredDocument,
    RemittanceLine,
    SourceLocation,
    StructuredRemittance,
)
from gateway.remittance.references import classify

T = TypeVar("T")


class _RowError(ValueError):
    pass


def read_jsonl(path: Path, convert: Callable[[dict[str, Any], str], T]) -> Iterator[T]:
    """Convert each JSON object line of `path`; errors name the file and line number.

    orjson parses (several times faster than the standard library on a million lines); it
    reads JSON numbers with a fraction as binary floats, which the converters refuse for
    amounts, as `gateway.jsonio` does.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                row = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                if not raw.strip():
                    continue
                raise InputError(f"{path.name} line {number}: malformed JSON: {exc}") from None
            if type(row) is not dict:
                raise InputError(f"{path.name} line {number}: expected a JSON object")
            try:
                yield convert(row, f"{path.name} line {number}")
            except (_RowError, KeyError, TypeError, ValueError, ArithmeticError) as exc:
                raise InputError(f"{path.name} line {number}: {_describe(exc)}") from None


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return str(exc)


def _decimal(row: dict[str, Any], key: str) -> Decimal | None:
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, float):
        raise _RowError(f"{key}: amounts must be JSON strings (\"{value}\"), not JSON numbers")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _RowError(f"{key}: expected a decimal string, got {value!r}")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise _RowError(f"{key}: {value!r} is not a decimal number") from None
    if not result.is_finite():
        raise _RowError(f"{key}: {value!r} is not a finite number")
    return result


def _required_decimal(row: dict[str, Any], key: str) -> Decimal:
    value = _decimal(row, key)
    if value is None:
        raise _RowError(f"missing field {key!r}")
    return value


def _date(row: dict[str, Any], key: str) -> date | None:
    value = row.get(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _RowError(f"{key}: {value!r} is not a date (YYYY-MM-DD)") from None


def _text(row: dict[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _RowError(f"{key}: expected a string, got {value!r}")
    return value


# ---------------------------------------------------------------------- master data and ledger
def customer_from_row(row: dict[str, Any], where: str) -> Customer:
    return Customer(
        customer_id=sys.intern(row["customer_id"]), name=row["name"],
        ibans=tuple(row.get("ibans") or ()), accounts=tuple(row.get("other_accounts") or ()),
        parent_id=row.get("parent_id"), aliases=tuple(row.get("aliases") or ()),
        vat_id=row.get("vat_id"))


def item_from_row(row: dict[str, Any], where: str) -> OpenItem:
    try:
        return _item_fast(row)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return _item_checked(row)  # the same conversion, with a message naming the field


def _item_fast(row: dict[str, Any]) -> OpenItem:
    discount = row.get("discount")
    issue = row.get("issue_date")
    due = row.get("due_date")
    amount = row.get("open_amount")
    value = Decimal(amount) if isinstance(amount, str) else None
    if value is None or not value.is_finite():
        raise TypeError("take the checked path")
    return OpenItem(
        row["invoice_id"], row["number"], sys.intern(row["customer_id"]),
        sys.intern(row["currency"]), value,
        date.fromisoformat(issue) if issue is not None else None,
        date.fromisoformat(due) if due is not None else None,
        row.get("type") == "credit_note", row.get("creditor_reference"), row.get("po_number"),
        DiscountTerms(Decimal(discount["pct"]), date.fromisoformat(discount["until"]))
        if discount else None)


def _item_checked(row: dict[str, Any]) -> OpenItem:
    discount = row.get("discount")
    terms = None
    if discount:
        until = _date(discount, "until")
        percent = _decimal(discount, "pct")
        if until is None or percent is None:
            raise _RowError("discount needs pct and until")
        terms = DiscountTerms(percent, until)
    open_amount = _decimal(row, "open_amount")
    if open_amount is None:
        open_amount = _required_decimal(row, "amount")
    return OpenItem(
        item_id=row["invoice_id"], number=row["number"],
        customer_id=sys.intern(row["customer_id"]), currency=sys.intern(row["currency"]),
        open_amount=open_amount, issue_date=_date(row, "issue_date"),
        due_date=_date(row, "due_date"), is_credit_note=row.get("type") == "credit_note",
        creditor_reference=row.get("creditor_reference"), po_number=row.get("po_number"),
        discount=terms)


# ---------------------------------------------------------------------- payments and advices
def payment_from_row(row: dict[str, Any], where: str) -> RemittanceLine:
    currency = _text(row, "Ccy")
    instructed = row.get("AmtDtls.InstdAmt") or {}
    structured = []
    reference = row.get("CdtrRefInf")
    if reference:
        structured.append(StructuredRemittance(creditor_reference=classify(
            reference["Ref"], reference.get("Tp"), reference.get("Issr"))))
    documents = row.get("RfrdDocInf") or []
    if isinstance(documents, dict):
        documents = [documents]
    if documents:
        structured.append(StructuredRemittance(documents=tuple(
            _document(d, currency) for d in documents)))
    text = _text(row, "Ustrd")
    indicator = _text(row, "CdtDbtInd") or "CRDT"
    if indicator not in ("CRDT", "DBIT"):
        raise _RowError(f"CdtDbtInd: {indicator!r} is neither CRDT nor DBIT")
    return RemittanceLine(
        line_id=row["payment_id"], source=SourceLocation("jsonl", where),
        amount=_required_decimal(row, "Amt"), currency=currency,
        credit_debit=CreditDebit(indicator), booking_date=_date(row, "BookgDt"),
        value_date=_date(row, "ValDt"), status=_text(row, "Sts"),
        reversal=bool(row.get("RvslInd")), bank_transaction_code=_text(row, "BkTxCd"),
        end_to_end_id=_text(row, "EndToEndId"), account_servicer_ref=_text(row, "AcctSvcrRef"),
        instructed_amount=_decimal(instructed, "Amt"), instructed_currency=instructed.get("Ccy"),
        debtor=Party(name=_text(row, "Dbtr.Nm"), iban=_text(row, "DbtrAcct.IBAN"),
                     account=_text(row, "DbtrAcct.Othr")),
        unstructured=(text,) if text else (), structured=tuple(structured),
        additional_info=_text(row, "AddtlNtryInf"))


def _document(row: dict[str, Any], currency: str | None) -> ReferredDocument:
    return ReferredDocument(
        number=row.get("Nb") or row.get("doc_number"), type_code=row.get("Tp"),
        amounts=DocumentAmounts(remitted=_decimal(row, "RmtdAmt"),
                                discount=_decimal(row, "DscntApldAmt"), currency=currency))


def advice_from_row(row: dict[str, Any], where: str) -> RemittanceLine:
    currency = _text(row, "currency")
    documents = []
    for line in row.get("lines") or ():
        adjustment = _decimal(line, "adjustment_amount")
        adjustments = (Adjustment(adjustment, reason_text=line.get("adjustment_reason")),
                       ) if adjustment is not None else ()
        documents.append(ReferredDocument(
            number=line.get("doc_number"), type_code=line.get("doc_type"),
            amounts=DocumentAmounts(remitted=_decimal(line, "remitted_amount"),
                                    discount=_decimal(line, "discount_amount"),
                                    adjustments=adjustments, currency=currency)))
    return RemittanceLine(
        line_id=row["advice_id"], source=SourceLocation(row.get("format") or "advice", where),
        kind=LineKind.ADVICE, amount=_decimal(row, "total_amount"), currency=currency,
        booking_date=_date(row, "advice_date"), end_to_end_id=_text(row, "EndToEndId"),
        charges=_decimal(row, "fee"), debtor=Party(name=_text(row, "payer_name")),
        structured=(StructuredRemittance(documents=tuple(documents)),) if documents else ())
