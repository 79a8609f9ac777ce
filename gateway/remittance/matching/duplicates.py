"""Recognising a payment that repeats an earlier one (the customer paid the same thing twice).

Two lines are duplicates when the amount, currency, payer (account, else name), EndToEndId and
remittance (text and references) are all the same and they were booked within
`duplicate_window_days`; the bank's own reference (AcctSvcrRef) differs on a genuine second
payment, so it is left out. The later line is flagged and never applied automatically.
"""

from __future__ import annotations

from datetime import date

from gateway.remittance.matching.payer import compact_account, name_key
from gateway.remittance.model import RemittanceLine

_NOT_PROVIDED = frozenset(("", "NOTPROVIDED", "NONREF"))


def fingerprint(line: RemittanceLine) -> tuple[object, ...]:
    debtor = line.debtor
    payer = compact_account(debtor.iban or debtor.account or "") or name_key(debtor.name or "")
    e2e = (line.end_to_end_id or "").strip().upper()
    refs = tuple(sorted(r.reference.upper() for r in line.creditor_references))
    docs = tuple(sorted((d.number or "").upper() for d in line.documents))
    text = " ".join(line.text.upper().split())
    return (line.amount, line.currency, payer, "" if e2e in _NOT_PROVIDED else e2e, refs, docs,
            text)


class DuplicateGuard:
    def __init__(self, window_days: int) -> None:
        self.window_days = window_days
        self._seen: dict[tuple[object, ...], tuple[str, date | None]] = {}

    def check(self, line: RemittanceLine) -> str | None:
        """The id of the earlier line this one repeats, else None (and remember this one)."""
        key = fingerprint(line)
        earlier = self._seen.get(key)
        if earlier is not None:
            earlier_id, earlier_date = earlier
            if (earlier_date is None or line.booking_date is None
                    or abs((line.booking_date - earlier_date).days) <= self.window_days):
                return earlier_id
        self._seen[key] = (line.line_id, line.booking_date)
        return None
