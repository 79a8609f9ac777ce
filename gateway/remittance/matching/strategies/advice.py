"""Strategy 2: documents listed in an advice linked to the payment (or in the payment's own
camt `RfrdDocInf`), each confirmed by its own amount."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from gateway.remittance.matching.advice import AdviceBook, LinkedAdvice
from gateway.remittance.matching.amounts import (
    Fit,
    Reconciliation,
    ResidualKind,
    ResidualMinor,
    reconcile,
)
from gateway.remittance.matching.config import MatchConfig
from gateway.remittance.matching.evidence import Candidate, Evidence, PaymentContext
from gateway.remittance.matching.ledger import Ledger
from gateway.remittance.matching.money import to_minor
from gateway.remittance.matching.numbering import compact
from gateway.remittance.matching.payer import PayerDirectory, PayerIdentity
from gateway.remittance.matching.result import Reason
from gateway.remittance.matching.strategies._common import Base, unique
from gateway.remittance.model import ReferredDocument, RemittanceLine


class AdviceStrategy(Base):
    name = "advice"

    def __init__(self, ledger: Ledger, config: MatchConfig, evidence: Evidence,
                 advices: AdviceBook, payers: PayerDirectory) -> None:
        super().__init__(ledger, config, evidence)
        self.advices = advices
        self.payers = payers
        self.last_link: LinkedAdvice | None = None
        self._identities: dict[str, PayerIdentity] = {}

    def candidates(self, ctx: PaymentContext) -> list[Candidate]:
        self.last_link = None
        found: list[Candidate] = []
        own = ctx.line.documents
        if own:
            reason = Reason("documents_in_payment", self.w.full_number,
                            "documents listed in the payment (RfrdDocInf)")
            found += self._from_documents(ctx, own, ctx.line.charges, ctx.line.amount, reason)
        link = self.advices.linked(ctx.line) or self._link_by_amount(ctx)
        if link is not None:
            self.last_link = link
            if link.by_reference:
                reason = Reason("advice_linked", self.w.advice_linked,
                                f"advice {link.advice.line_id} quotes the EndToEndId")
            else:
                reason = Reason("advice_by_amount", self.w.advice_by_amount,
                                f"advice {link.advice.line_id} has this amount, date and payer")
            found += self._from_documents(ctx, link.advice.documents, link.advice.charges,
                                          link.advice.amount, reason)
        return found

    def _link_by_amount(self, ctx: PaymentContext) -> LinkedAdvice | None:
        options = [o for o in self.advices.by_amount_candidates(ctx.line)
                   if self._same_payer(ctx.identity, o)]
        if len(options) != 1:
            return None
        for rival in self.advices.rival_payments(options[0], ctx.line):
            if self._same_payer(self._identity(rival), options[0]):
                return None
        return options[0]

    def _identity(self, line: RemittanceLine) -> PayerIdentity:
        identity = self._identities.get(line.line_id)
        if identity is None:
            identity = self._identities[line.line_id] = self.payers.identify(
                line.debtor, line.ultimate_debtor)
        return identity

    def _same_payer(self, identity: PayerIdentity, link: LinkedAdvice) -> bool:
        name = link.advice.debtor.name
        if not name:
            return False
        named, _exact = self.payers.by_name(name)
        if identity.account_customer:
            return not named.isdisjoint(self.ledger.group(identity.account_customer))
        return not (named.isdisjoint(identity.name_customers)
                    and named.isdisjoint(identity.text_customers))

    def _from_documents(self, ctx: PaymentContext, documents: Sequence[ReferredDocument],
                        charges: Decimal | None, stated_total: Decimal | None,
                        base: Reason) -> list[Candidate]:
        lines: list[_DocumentLine] = []
        reasons = [base]
        complete = True
        for document in documents:
            item, reason = self._resolve(ctx, document)
            if reason is not None:
                reasons.append(reason)
            if item is None:
                complete = False
                continue
            lines.append(_DocumentLine(item, *_document_amounts(document, ctx.payment.currency)))
        if not lines:
            return []
        items = unique([line.item for line in lines])
        fit, agree = self._advice_fit(ctx, lines, charges, stated_total)
        if agree and complete and len(items) == len(lines):
            full = all(line.gross == self.ledger.open_minor[line.item] for line in lines)
            reasons.append(Reason(
                "advice_amounts_agree", self.w.amount_exact if full else
                self.w.explained_difference / 2,
                "each document amount and the total agree with the payment" if full else
                "the advice states the partial amounts and the total agrees"))
            candidate = Candidate(self.name, items, fit,
                                  [*reasons, *self.evidence.payer(ctx.identity, items)])
            settled = self.evidence.settled(items)
            if settled:
                candidate.reasons.append(settled)
            return [candidate]
        fit = reconcile(self.ledger, items, ctx.payment, self.config)
        return [self._candidate(ctx, items, fit, reasons)]

    def _resolve(self, ctx: PaymentContext,
                 document: ReferredDocument) -> tuple[int | None, Reason | None]:
        """The open item a listed document means, and any doubt about it.

        The number decides when it is found as written; a number one digit off is accepted
        only when exactly one such neighbour has the document's own amount.
        """
        number = compact(document.number or "")
        if not number:
            return None, Reason("document_unresolved", -3.0, "document without number")
        expected = _expected_open(document, ctx.payment.currency)
        digits = "".join(ch for ch in number if ch.isdigit())
        exact = self.ledger.by_number(number) or self.ledger.by_short(digits)
        confirmed = [i for i in exact if self.ledger.open_minor[i] == expected]
        if len(confirmed) == 1:
            return confirmed[0], None
        # Not confirmed as written: an OCR slip may have hit another open number.
        fuzzy = self.ledger.fuzzy(digits, self.ledger.numbers) if len(digits) >= 4 else ()
        corrected = [i for i in fuzzy if expected is not None
                     and self.ledger.open_minor[i] == expected]
        if len(corrected) == 1:
            return corrected[0], Reason(
                "document_corrected", -0.5, f"{document.number} read as "
                f"{self.ledger.items[corrected[0]].number} (its amount confirms)")
        if len(exact) == 1:
            return exact[0], None
        if exact:
            return exact[0], Reason("document_ambiguous", self.w.alternative_candidates,
                                    f"{document.number} fits {len(exact)} open items")
        return None, Reason("document_unresolved", -3.0,
                            f"{document.number} not found among open items")

    def _advice_fit(self, ctx: PaymentContext, lines: list[_DocumentLine],
                    charges: Decimal | None,
                    stated_total: Decimal | None) -> tuple[Reconciliation, bool]:
        """Allocations as the advice states them, and whether all its amounts agree."""
        currency = ctx.payment.currency
        allocations: list[tuple[int, int]] = []
        residuals: list[ResidualMinor] = []
        agree = True
        partial = False
        for line in lines:
            open_minor = self.ledger.open_minor[line.item]
            if line.gross is None:
                allocations.append((line.item, open_minor))
                agree = False
                continue
            residuals += line.residuals(currency)
            if line.gross == open_minor:
                allocations.append((line.item, open_minor))
            elif 0 < abs(line.gross) < abs(open_minor) and (line.gross > 0) == (open_minor > 0):
                partial = True
                allocations.append((line.item, line.gross))
                residuals.append(ResidualMinor(ResidualKind.OPEN_REST, open_minor - line.gross,
                                               currency, line.item, "the advice pays part"))
            else:
                agree = False
                allocations.append((line.item, open_minor))
        fee = _minor_or_zero(charges, currency)
        if fee:
            residuals.append(ResidualMinor(ResidualKind.BANK_FEE, fee, currency,
                                           note="stated in the advice"))
        agree = agree and _minor_or_zero(stated_total, currency) == ctx.payment.minor and (
            ctx.line.currency is None or ctx.line.currency == currency)
        if partial:
            fit = Fit.UNDERPAID
        elif any(r.kind is not ResidualKind.BANK_FEE for r in residuals):
            fit = Fit.DEDUCTION
        else:
            fit = Fit.FEE if fee else Fit.EXACT
        return Reconciliation(fit, tuple(allocations), tuple(residuals)), agree


@dataclass(frozen=True, slots=True)
class _DocumentLine:
    """One resolved document of an advice: its item and the amounts the advice states."""

    item: int
    gross: int | None  # remitted + discount + adjustments: what the item should be
    discount: int
    adjustment: int
    reason: str | None

    def residuals(self, currency: str) -> list[ResidualMinor]:
        found = []
        if self.discount:
            found.append(ResidualMinor(ResidualKind.DISCOUNT, self.discount, currency, self.item,
                                       "stated in the advice"))
        if self.adjustment:
            found.append(ResidualMinor(ResidualKind.DEDUCTION, self.adjustment, currency,
                                       self.item, self.reason or "stated in the advice"))
        return found


def _document_amounts(document: ReferredDocument,
                      currency: str) -> tuple[int | None, int, int, str | None]:
    amounts = document.amounts
    if amounts is None or amounts.remitted is None:
        return None, 0, 0, None
    ccy = amounts.currency or currency
    discount = to_minor(amounts.discount or Decimal(0), ccy)
    adjustment = to_minor(sum((a.amount for a in amounts.adjustments), Decimal(0)), ccy)
    gross = to_minor(amounts.remitted, ccy) + discount + adjustment
    reason = next((a.reason_text or a.reason_code for a in amounts.adjustments
                   if a.reason_text or a.reason_code), None)
    if _is_credit_note(document) and gross > 0:
        gross = -gross
    return gross, discount, adjustment, reason


def _is_credit_note(document: ReferredDocument) -> bool:
    return (document.type_code or "").upper() in ("CREN", "CRN", "381", "CREDIT_NOTE")


def _expected_open(document: ReferredDocument, currency: str) -> int | None:
    return _document_amounts(document, currency)[0]


def _minor_or_zero(value: Decimal | None, currency: str) -> int:
    return to_minor(value, currency) if value is not None else 0
