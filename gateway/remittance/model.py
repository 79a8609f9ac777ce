"""The remittance line: one incoming payment (or one stand-alone advice) as every format reports it.

Every format module (`gateway.remittance.formats.*`) turns its bytes into `RemittanceLine`s and the
matcher only ever sees these, so a new bank format never changes matching (DESIGN section 2,
"A remittance format"). Field names follow ISO 20022 camt.05x, the richest of the formats:

- `amount`/`currency`: the booked amount of the transaction (camt `TxDtls/Amt`, `AmtDtls/TxAmt`,
  or `Ntry/Amt` when the entry has one transaction), always positive; the direction is
  `credit_debit` (camt `CdtDbtInd`, MT940 `:61:` mark).
- `instructed_amount`: what the payer instructed (camt `AmtDtls/InstdAmt`), which differs from
  the booked amount after currency conversion or deducted charges.
- `unstructured`: camt `RmtInf/Ustrd` (SEPA: one line of at most 140 characters), MT940 `SVWZ+`
  or `/REMI/USTD//`, a CSV label.
- `structured`: camt/remt `RmtInf/Strd` blocks: referred documents (`RfrdDocInf` + `RfrdDocAmt`)
  and the creditor reference (`CdtrRefInf`: ISO 11649 RF, Swiss QR reference...).

Money is Decimal. Dates are calendar dates (bank booking days have no time zone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any


class CreditDebit(StrEnum):
    """camt `CdtDbtInd`: money in (CRDT) or out (DBIT) of the reported account."""

    CREDIT = "CRDT"
    DEBIT = "DBIT"


class LineKind(StrEnum):
    """A bank transaction carries money; an advice only announces it (remt.001, UBL)."""

    BANK_TRANSACTION = "bank_transaction"
    ADVICE = "advice"


class ReferenceScheme(StrEnum):
    """Schemes of a creditor reference (camt `CdtrRefInf/Tp/CdOrPrtry`)."""

    ISO11649 = "SCOR"  # ISO 11649 "RF" + 2 check digits + up to 21 alphanumerics
    SWISS_QR = "QRR"  # Swiss QR-bill reference: 27 digits, mod-10 recursive check digit
    SWISS_ISR = "ISR"  # the older Swiss ISR/ESR reference (same check digit algorithm)
    NL_CURRENCE = "CUR"  # Dutch "betalingskenmerk" (MT940 /REMI/STRD/CUR/)
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where a line came from, for error messages and the audit trail."""

    format: str  # e.g. "camt.054.001.08", "mt940", "csv", "ubl-remittance-advice"
    pointer: str  # e.g. "Ntfctn[1]/Ntry[3]/NtryDtls/TxDtls[2]" or "line 14"

    def __str__(self) -> str:
        return f"{self.format} {self.pointer}"


@dataclass(frozen=True, slots=True)
class CreditorReference:
    """camt `Strd/CdtrRefInf`: the reference the creditor (us) asked the payer to quote."""

    reference: str
    scheme: ReferenceScheme = ReferenceScheme.OTHER
    issuer: str | None = None
    type_code: str | None = None  # the raw `Cd` or `Prtry` value


@dataclass(frozen=True, slots=True)
class Adjustment:
    """camt `RfrdDocAmt/AdjstmntAmtAndRsn`: an amount the payer deducted (or added) and why."""

    amount: Decimal
    reason_code: str | None = None
    reason_text: str | None = None
    credit_debit: CreditDebit | None = None


@dataclass(frozen=True, slots=True)
class DocumentAmounts:
    """camt `RfrdDocAmt` (and the UBL RemittanceAdviceLine amounts)."""

    due: Decimal | None = None  # DuePyblAmt
    discount: Decimal | None = None  # DscntApldAmt
    credit_note: Decimal | None = None  # CdtNoteAmt
    tax: Decimal | None = None  # TaxAmt
    adjustments: tuple[Adjustment, ...] = ()  # AdjstmntAmtAndRsn
    remitted: Decimal | None = None  # RmtdAmt
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class ReferredDocument:
    """camt `Strd/RfrdDocInf`: a document (invoice, credit note...) the payment settles."""

    number: str | None
    type_code: str | None = None  # CINV, CREN, DEBN, ... or a proprietary value
    date: date | None = None
    amounts: DocumentAmounts | None = None


@dataclass(frozen=True, slots=True)
class StructuredRemittance:
    """One camt `RmtInf/Strd` block."""

    documents: tuple[ReferredDocument, ...] = ()
    creditor_reference: CreditorReference | None = None
    invoicer: str | None = None
    invoicee: str | None = None
    additional_info: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Party:
    """The payer (camt `RltdPties/Dbtr` + `DbtrAcct` + `DbtrAgt`) or the ultimate debtor."""

    name: str | None = None
    iban: str | None = None
    account: str | None = None  # a non-IBAN account number (camt `Acct/Id/Othr/Id`, BBAN)
    bic: str | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.iban or self.account or self.bic)


@dataclass(frozen=True, slots=True)
class RemittanceLine:
    """One payment line (camt TxDtls, falling back to the entry) or one stand-alone advice."""

    line_id: str
    source: SourceLocation
    kind: LineKind = LineKind.BANK_TRANSACTION
    amount: Decimal | None = None
    currency: str | None = None
    credit_debit: CreditDebit = CreditDebit.CREDIT
    booking_date: date | None = None
    value_date: date | None = None
    status: str | None = None  # camt Sts: BOOK, PDNG, INFO
    reversal: bool = False  # camt RvslInd, MT940 RC/RD marks
    returned: bool = False  # camt RtrInf or an RRTN-family transaction code
    return_reason: str | None = None
    bank_transaction_code: str | None = None  # "PMNT/RCDT/ESCT", or proprietary, or SWIFT "NTRF"
    end_to_end_id: str | None = None
    transaction_id: str | None = None
    instruction_id: str | None = None
    mandate_id: str | None = None
    uetr: str | None = None
    account_servicer_ref: str | None = None
    instructed_amount: Decimal | None = None
    instructed_currency: str | None = None
    charges: Decimal | None = None
    debtor: Party = field(default_factory=Party)  # the payer (of a credit)
    ultimate_debtor: Party | None = None
    creditor: Party | None = None  # the payee, when reported (of a debit: the counterparty)
    unstructured: tuple[str, ...] = ()
    structured: tuple[StructuredRemittance, ...] = ()
    additional_info: str | None = None  # camt AddtlNtryInf/AddtlTxInf, MT940 booking text
    entry_amount: Decimal | None = None  # the camt entry total when this line is one of a batch
    batch_size: int | None = None  # camt NtryDtls/Btch/NbOfTxs

    @property
    def creditor_references(self) -> tuple[CreditorReference, ...]:
        return tuple(s.creditor_reference for s in self.structured if s.creditor_reference)

    @property
    def documents(self) -> tuple[ReferredDocument, ...]:
        return tuple(d for s in self.structured for d in s.documents)

    @property
    def is_booked(self) -> bool:
        return self.status in (None, "BOOK")

    @property
    def text(self) -> str:
        """All free text a payer may have written references into, one space apart."""
        parts = [*self.unstructured]
        for block in self.structured:
            parts.extend(block.additional_info)
        return " ".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (Decimal and dates as strings, empty values left out)."""
        data: dict[str, Any] = _compact(_as_dict(self))
        return data


def _as_dict(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple | list):
        return [_as_dict(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _as_dict(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def _compact(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _compact(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {}, False)}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value
