"""The matching strategies, in the order the engine runs them (DESIGN section 7).

1. `StructuredReferenceStrategy`: creditor references (ISO 11649 RF, Swiss QR) whose check digits
   hold; a reference one digit off is corrected only to a variant whose check digits hold.
2. `AdviceStrategy`: documents listed in an advice linked to the payment (or in the payment's own
   camt `RfrdDocInf`), each confirmed by its own amount.
3. `TextReferenceStrategy`: document numbers in free text, exact first, then with up to
   `max_fuzzy_substitutions` typo corrections, accepted only where the amounts fit.
4. `AmountStrategy`: no reference at all: the identified payer's open items whose amount (or
   combination of amounts, bounded subset sum) equals the payment.

Each returns `Candidate`s with their reasons; the engine decides.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations, product
from typing import Protocol

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
from gateway.remittance.matching.numbering import compact, digit_variants
from gateway.remittance.matching.payer import PayerDirectory, PayerIdentity
from gateway.remittance.matching.result import Reason
from gateway.remittance.matching.subsets import subset_sums
from gateway.remittance.matching.text import Mention, MentionKind
from gateway.remittance.model import ReferenceScheme, ReferredDocument, RemittanceLine
from gateway.remittance.references import is_valid_rf

MAX_EXACT_OPTIONS = 5
MAX_FUZZY_OPTIONS = 80
MAX_MENTIONS_TWO_TYPOS = 12
TYPO_NEIGHBOUR = -1.0  # a typo turning one open number into another is rare
TRUNCATED_TEXT = 135  # SEPA Ustrd holds 140 characters


class Strategy(Protocol):
    name: str

    def candidates(self, ctx: PaymentContext) -> list[Candidate]: ...


def _unique(items: Sequence[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(items))


class _Base:
    name = "base"

    def __init__(self, ledger: Ledger, config: MatchConfig, evidence: Evidence) -> None:
        self.ledger = ledger
        self.config = config
        self.evidence = evidence
        self.w = config.weights

    def _candidate(self, ctx: PaymentContext, items: tuple[int, ...], fit: Reconciliation,
                   reasons: list[Reason], *, strict_only: bool = False) -> Candidate:
        all_reasons = [*reasons, self.evidence.amount(fit, strict_only=strict_only)]
        all_reasons += self.evidence.payer(ctx.identity, items)
        for extra in (self.evidence.settled(items),):
            if extra:
                all_reasons.append(extra)
        all_reasons += self.evidence.context(ctx)
        return Candidate(self.name, items, fit, all_reasons)


# ---------------------------------------------------------------------- 1. structured references
class StructuredReferenceStrategy(_Base):
    name = "structured_reference"

    def candidates(self, ctx: PaymentContext) -> list[Candidate]:
        written = [r.reference for r in ctx.line.creditor_references
                   if r.scheme is not ReferenceScheme.OTHER or r.reference.upper().startswith("RF")]
        written += [*ctx.facts.rf_references, *ctx.facts.invalid_rf]
        if not written:
            return []
        options: list[tuple[int, ...]] = []
        corrected = False
        for reference in dict.fromkeys(compact(r) for r in written):
            found = self.ledger.by_reference(reference)
            if not found and reference.startswith("RF") and not is_valid_rf(reference):
                found = self._corrected(reference)
                corrected = corrected or bool(found)
            if found:
                options.append(found[:MAX_FUZZY_OPTIONS])
        if not options:
            return []
        return self._evaluate(ctx, options, corrected)

    def _corrected(self, reference: str) -> tuple[int, ...]:
        """Open items whose RF is one digit edit away and has valid check digits."""
        found: list[int] = []
        for variant in digit_variants(reference):
            if variant.startswith("RF") and is_valid_rf(variant):
                found.extend(self.ledger.by_reference(variant))
        return _unique(found)

    def _evaluate(self, ctx: PaymentContext, options: list[tuple[int, ...]],
                  corrected: bool) -> list[Candidate]:
        base = Reason("structured_reference", self.w.structured_reference,
                      "creditor reference with valid check digits")
        if corrected:
            base = Reason("structured_reference_corrected", self.w.fuzzy_full_number,
                          "creditor reference one digit off, corrected by its check digits")
        found: list[Candidate] = []
        for combo in _bounded_product(options, self.config.max_alternatives):
            items = _unique(combo)
            fit = reconcile(self.ledger, items, ctx.payment, self.config)
            found.append(self._candidate(ctx, items, fit, [base], strict_only=corrected))
        return _mark_alternatives(found, self.w.alternative_candidates)


# ---------------------------------------------------------------------- 2. advices
class AdviceStrategy(_Base):
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
        known = {identity.account_customer} if identity.account_customer else set(
            identity.name_customers) | set(identity.text_customers)
        groups: set[str] = set()
        for customer in known:
            groups |= self.ledger.group(customer)
        return bool(groups & set(named))

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
        items = _unique([line.item for line in lines])
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


# ---------------------------------------------------------------------- 3. text references
class TextReferenceStrategy(_Base):
    name = "text_reference"

    def candidates(self, ctx: PaymentContext) -> list[Candidate]:
        mentions = list(ctx.facts.mentions)
        if not mentions:
            return []
        fits = self._search(ctx, mentions)
        if fits:
            return _mark_alternatives(fits, self.w.alternative_candidates)
        return self._fallback(ctx, mentions)

    def _weight(self, mention: Mention, fuzzy: bool) -> Reason:
        if mention.kind is MentionKind.PURCHASE_ORDER:
            return Reason("purchase_order", self.w.purchase_order, mention.written)
        if mention.kind is MentionKind.FULL:
            if fuzzy:
                return Reason("fuzzy_number", self.w.fuzzy_full_number, mention.written)
            return Reason("document_number", self.w.full_number, mention.written)
        if fuzzy:
            return Reason("fuzzy_short_number", self.w.fuzzy_short_number, mention.written)
        return Reason("short_number", self.w.short_number, mention.written)

    def _search(self, ctx: PaymentContext, mentions: list[Mention]) -> list[Candidate]:
        """Assignments with the fewest typo corrections whose amounts fit.

        As written (level 0) any explained fit counts; with typo corrections only a strict fit
        (exact sum, discount terms, stated deduction) does, because a fee or FX tolerance
        would let some neighbouring number fit by chance. Strict fits push looser ones aside.
        """
        found = self._as_written(ctx, mentions)
        for level in range(1, self.config.max_fuzzy_substitutions + 1):
            if found:
                break
            found = self._corrected(ctx, mentions, level)
        strict = [c for c in found if c.fit.fit.strict]
        return strict or found

    def _as_written(self, ctx: PaymentContext, mentions: list[Mention]) -> list[Candidate]:
        options = [m.exact[:MAX_EXACT_OPTIONS] for m in mentions]
        found: dict[frozenset[int], Candidate] = {}
        for combo in _bounded_product(options, self.config.max_alternatives):
            items = _unique(combo)
            key = frozenset(items)
            if key in found:
                continue
            fit = reconcile(self.ledger, items, ctx.payment, self.config)
            if fit.fit.explained:
                found[key] = self._scored(ctx, mentions, (False,) * len(mentions), items, fit)
        return list(found.values())

    def _corrected(self, ctx: PaymentContext, mentions: list[Mention],
                   level: int) -> list[Candidate]:
        """Sets with exactly `level` mentions replaced by a one-digit-off neighbour.

        Only neighbours that bring the sum into the strict window [paid, paid + discounts +
        stated deduction] are reconciled; the window test is arithmetic on precomputed sums
        (and a binary search for the second neighbour), so wide texts stay cheap.
        """
        lacking = [i for i, m in enumerate(mentions) if not m.exact]
        if len(lacking) > level or (level > 1 and len(mentions) > MAX_MENTIONS_TWO_TYPOS):
            return []
        ledger = self.ledger
        base = [m.exact[0] if m.exact else -1 for m in mentions]
        present = [i for i in base if i >= 0]
        window = _Window(
            gross=sum(ledger.open_minor[i] for i in present),
            discount=sum(ledger.discount_minor[i] for i in present),
            paid=ctx.payment.minor,
            slack=max(ctx.payment.stated_minor, default=0) + len(mentions),
            foreign=any(ledger.items[i].currency != ctx.payment.currency for i in present))
        budget = [self.config.max_alternatives]
        found: dict[frozenset[int], Candidate] = {}
        others = [i for i in range(len(mentions)) if i not in lacking]
        for chosen in combinations(others, level - len(lacking)):
            positions = (*lacking, *chosen)
            alternatives = [mentions[p].fuzzy(ledger)[:MAX_FUZZY_OPTIONS] for p in positions]
            removed = [base[p] for p in positions if base[p] >= 0]
            for picks in self._picks(window.without(ledger, removed), alternatives, budget):
                items = list(base)
                for position, pick in zip(positions, picks, strict=True):
                    items[position] = pick
                key = frozenset(items)
                if len(key) != len(items) or key in found:
                    continue
                fit = reconcile(ledger, items, ctx.payment, self.config)
                if fit.fit.strict:
                    flags = tuple(i in positions for i in range(len(mentions)))
                    found[key] = self._scored(ctx, mentions, flags, tuple(items), fit)
            if budget[0] <= 0:
                break
        return list(found.values())

    def _picks(self, window: _Window, alternatives: list[tuple[int, ...]],
               budget: list[int]) -> Iterator[tuple[int, ...]]:
        """Neighbour choices (one per replaced mention) whose sum can land in the window."""
        ledger = self.ledger
        open_minor = ledger.open_minor
        discount_minor = ledger.discount_minor
        if window.foreign or len(alternatives) > 2:
            for combo in _bounded_product(alternatives, budget[0]):
                budget[0] -= 1
                yield combo
            return
        if len(alternatives) == 1:
            for a in alternatives[0]:
                budget[0] -= 1
                if window.fits(open_minor[a], discount_minor[a]):
                    yield (a,)
            return
        seconds = sorted(alternatives[1], key=lambda b: open_minor[b])
        amounts = [open_minor[b] for b in seconds]
        widest = max((discount_minor[b] for b in seconds), default=0)
        for a in alternatives[0]:
            budget[0] -= 1
            low = window.paid - window.gross - open_minor[a]
            high = low + window.discount + discount_minor[a] + widest + window.slack
            for k in range(bisect_left(amounts, low), bisect_right(amounts, high)):
                b = seconds[k]
                if window.fits(open_minor[a] + open_minor[b],
                               discount_minor[a] + discount_minor[b]):
                    yield (a, b)

    def _scored(self, ctx: PaymentContext, mentions: list[Mention],
                fuzzy_flags: tuple[bool, ...], items: tuple[int, ...],
                fit: Reconciliation) -> Candidate:
        weakest = min((self._weight(m, f) for m, f in zip(mentions, fuzzy_flags, strict=True)),
                      key=lambda r: r.weight)
        strict_only = any(fuzzy_flags) or weakest.weight < self.w.full_number
        candidate = self._candidate(ctx, items, fit, [weakest], strict_only=strict_only)
        if weakest.weight < self.w.full_number:
            common = self.evidence.common_amount(items)
            if common:
                candidate.reasons.append(common)
        return candidate

    def _fallback(self, ctx: PaymentContext, mentions: list[Mention]) -> list[Candidate]:
        """No fit: the items as written (partial payment, short payment, overpayment)."""
        resolved = [m for m in mentions if m.exact]
        if not resolved:
            return []
        items = _unique([m.exact[0] for m in resolved])
        fit = reconcile(self.ledger, items, ctx.payment, self.config)
        weakest = min((self._weight(m, False) for m in resolved), key=lambda r: r.weight)
        reasons = [weakest]
        if len(resolved) < len(mentions):
            reasons.append(Reason("mention_unresolved", self.w.unresolved_reference,
                                  "some documents in the text match no open item"))
        if any(m.kind is MentionKind.PURCHASE_ORDER for m in resolved):
            reasons.append(Reason("purchase_order_open", self.w.unresolved_reference,
                                  "a purchase order may cover further invoices"))
        if any(len(m.exact) > 1 for m in resolved):
            reasons.append(Reason("mention_ambiguous", self.w.alternative_candidates,
                                  "a number in the text fits several open items"))
        if self._has_neighbours(ctx, resolved):
            reasons.append(Reason("typo_neighbour", TYPO_NEIGHBOUR,
                                  "another open item of this payer is one digit away"))
        if len(ctx.line.text) >= TRUNCATED_TEXT:
            reasons.append(Reason("text_truncated", self.w.unresolved_reference,
                                  "the remittance text fills the 140 characters: cut off?"))
        found = [self._candidate(ctx, items, fit, reasons)]
        if fit.fit is Fit.OVERPAID:
            found += self._completions(ctx, items)
        return _mark_alternatives(found, self.w.alternative_candidates)

    def _completions(self, ctx: PaymentContext, items: tuple[int, ...]) -> list[Candidate]:
        """An overpayment may pay further open items of the payer that the text does not name."""
        ledger = self.ledger
        surplus = ctx.payment.minor - sum(ledger.open_minor[i] for i in items)
        customers = {ledger.customer_of(i) for i in items}
        if ctx.identity.account_customer:
            customers.add(ctx.identity.account_customer)
        members = {m for c in customers for m in ledger.group(c)}
        candidates = ledger.oldest_open(members, surplus + 1, self.config.subset_max_items,
                                        frozenset(items))
        pool = [(i, ledger.open_minor[i]) for i in candidates
                if ledger.items[i].currency == ctx.payment.currency]
        solutions = subset_sums(pool, surplus,
                                max_size=self.config.subset_max_size,
                                budget=self.config.subset_node_budget)
        reason = Reason("amount_combination", self.w.amount_combination,
                        "further open items of the payer add up to the surplus")
        found = []
        for solution in solutions:
            combined = (*items, *solution)
            fit = reconcile(ledger, combined, ctx.payment, self.config)
            named = Reason("partly_referenced", 1.0, f"the text names {len(items)} of them")
            found.append(self._candidate(ctx, combined, fit, [named, reason]))
        return found

    def _has_neighbours(self, ctx: PaymentContext, mentions: list[Mention]) -> bool:
        """Could a typo have turned the intended number into the one found?"""
        identity = ctx.identity
        if not identity.account_customer:
            return False
        group = self.ledger.group(identity.account_customer)
        return any(self.ledger.customer_of(i) in group and self.ledger.is_open(i)
                   for m in mentions for i in m.fuzzy(self.ledger))


@dataclass(frozen=True, slots=True)
class _Window:
    """The strict amount window for typo corrections: paid <= gross <= paid + discounts + slack."""

    gross: int  # of the items kept as written
    discount: int
    paid: int
    slack: int  # a stated deduction and one minor unit of rounding per item
    foreign: bool  # items in another currency: no arithmetic pre-test

    def without(self, ledger: Ledger, removed: list[int]) -> _Window:
        return _Window(self.gross - sum(ledger.open_minor[i] for i in removed),
                       self.discount - sum(ledger.discount_minor[i] for i in removed),
                       self.paid, self.slack, self.foreign)

    def fits(self, added_gross: int, added_discount: int) -> bool:
        short = self.gross + added_gross - self.paid
        return 0 <= short <= self.discount + added_discount + self.slack


# ---------------------------------------------------------------------- 4. amount and payer
class AmountStrategy(_Base):
    name = "amount"

    def candidates(self, ctx: PaymentContext) -> list[Candidate]:
        if ctx.facts.has_references or ctx.line.creditor_references or ctx.line.documents:
            return []
        customers = self._payer_customers(ctx)
        if not customers:
            return []
        members = {m for c in customers for m in self.ledger.group(c)}
        singles = self._singles(ctx, members)
        if singles:
            return singles
        return self._combination(ctx, members)

    def _payer_customers(self, ctx: PaymentContext) -> list[str]:
        identity = ctx.identity
        if identity.account_customer:
            return [identity.account_customer]
        if identity.text_customers:
            return list(identity.text_customers)
        return list(identity.name_customers) if len(identity.name_customers) <= 3 else []

    def _singles(self, ctx: PaymentContext, members: set[str]) -> list[Candidate]:
        """Open items of the payer whose amount is the payment (unique at the window start)."""
        ledger = self.ledger
        paid = ctx.payment.minor
        same = [i for m in members
                for i in ledger.items_with_amount(m, ctx.payment.currency, paid)]
        exact = [i for i in same if ledger.open_minor[i] == paid]
        if not exact:
            return []
        reason = Reason("amount_only", self.w.amount_only, "no reference: amount and payer")
        rivals = self._rival_combinations(ctx, members, exact)
        found = []
        for item in exact:
            fit = reconcile(ledger, (item,), ctx.payment, self.config)
            candidate = self._candidate(ctx, (item,), fit, [reason])
            if len(same) > 1:
                candidate.reasons.append(Reason(
                    "amount_not_unique", self.w.alternative_candidates,
                    f"{len(same)} open items of the payer have this amount"))
            if rivals:
                candidate.reasons.append(Reason(
                    "amount_combination_rival", self.w.alternative_candidates,
                    "other open items of the payer add up to the same amount"))
            found.append(candidate)
        return found

    def _rival_combinations(self, ctx: PaymentContext, members: set[str],
                            singles: list[int]) -> bool:
        """Do two or more other open items of the payer also add up to the payment?"""
        ledger = self.ledger
        paid = ctx.payment.minor
        pool = ledger.oldest_open(members, paid, self.config.subset_max_items,
                                  frozenset(singles))  # payers settle the oldest items first
        amounts = [(i, ledger.open_minor[i]) for i in pool
                   if ledger.items[i].currency == ctx.payment.currency]
        return bool(subset_sums(amounts, paid, max_size=self.config.subset_max_size, limit=1,
                                budget=self.config.subset_node_budget))

    def _combination(self, ctx: PaymentContext, members: set[str]) -> list[Candidate]:
        """A bounded subset sum over the payer's open items (a suggestion for review)."""
        ledger = self.ledger
        limit = self.config.subset_max_items
        if sum(len(ledger.by_customer.get(m, ())) for m in members) > 4 * limit:
            return []
        pool = [i for m in members for i in ledger.by_customer.get(m, ())
                if ledger.open_minor[i] > 0 and ledger.items[i].currency == ctx.payment.currency]
        if len(pool) > limit:
            return []
        solutions = subset_sums([(i, ledger.open_minor[i]) for i in pool], ctx.payment.minor,
                                max_size=self.config.subset_max_size,
                                budget=self.config.subset_node_budget)
        reason = Reason("amount_combination", self.w.amount_combination,
                        "open items of the payer that add up to the payment")
        found = []
        for solution in solutions:
            items = tuple(solution)
            fit = reconcile(ledger, items, ctx.payment, self.config)
            found.append(self._candidate(ctx, items, fit, [reason]))
        return _mark_alternatives(found, self.w.alternative_candidates)


# ---------------------------------------------------------------------- helpers
def _bounded_product(options: list[tuple[int, ...]], budget: int) -> Iterator[tuple[int, ...]]:
    if any(not o for o in options):
        return
    for count, combo in enumerate(product(*options)):
        if count >= budget:
            return
        yield combo


def _mark_alternatives(candidates: list[Candidate], weight: float) -> list[Candidate]:
    """When several different item sets fit equally, none of them is certain."""
    distinct = {c.key for c in candidates}
    if len(distinct) > 1:
        for candidate in candidates:
            candidate.reasons.append(Reason("alternatives", weight,
                                            f"{len(distinct)} different sets fit"))
    return candidates
