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

from collections.abc import Iterator, Sequence
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
from gateway.remittance.matching.payer import PayerDirectory
from gateway.remittance.matching.result import Reason
from gateway.remittance.matching.subsets import subset_sums
from gateway.remittance.matching.text import Mention, MentionKind
from gateway.remittance.model import ReferredDocument, ReferenceScheme
from gateway.remittance.references import is_valid_rf

MAX_EXACT_OPTIONS = 5
MAX_FUZZY_OPTIONS = 80


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
        options = self.advices.by_amount_candidates(ctx.line)
        if len(options) > 1:
            options = [o for o in options if self._same_payer(ctx, o)]
        return options[0] if len(options) == 1 else None

    def _same_payer(self, ctx: PaymentContext, link: LinkedAdvice) -> bool:
        name = link.advice.debtor.name
        if not name:
            return False
        named, _exact = self.payers.by_name(name)
        identity = ctx.identity
        known = {identity.account_customer} if identity.account_customer else set(
            identity.name_customers)
        groups: set[str] = set()
        for customer in known:
            groups |= self.ledger.group(customer)
        return bool(groups & set(named))

    def _from_documents(self, ctx: PaymentContext, documents: Sequence[ReferredDocument],
                        charges: Decimal | None, stated_total: Decimal | None,
                        base: Reason) -> list[Candidate]:
        picks: list[int] = []
        grosses: list[int | None] = []
        reasons = [base]
        for document in documents:
            item, gross, reason = self._resolve(ctx, document)
            if reason is not None:
                reasons.append(reason)
            if item is not None:
                picks.append(item)
                grosses.append(gross)
        if not picks:
            return []
        items = _unique(picks)
        fit, agree = self._advice_fit(ctx, picks, grosses, charges, stated_total)
        if agree:
            reasons.append(Reason("advice_amounts_agree", self.w.amount_exact,
                                  "each document amount and the total agree with the payment"))
            candidate = Candidate(self.name, items, fit,
                                  [*reasons, *self.evidence.payer(ctx.identity, items)])
            settled = self.evidence.settled(items)
            if settled:
                candidate.reasons.append(settled)
            return [candidate]
        fit = reconcile(self.ledger, items, ctx.payment, self.config)
        return [self._candidate(ctx, items, fit, reasons)]

    def _resolve(self, ctx: PaymentContext,
                 document: ReferredDocument) -> tuple[int | None, int | None, Reason | None]:
        """The item a listed document means, its stated gross amount, and any doubt."""
        number = compact(document.number or "")
        gross = _document_gross(document, ctx.payment.currency)
        if not number:
            return None, gross, Reason("document_unresolved", -3.0, "document without number")
        exact = self.ledger.by_number(number) or self.ledger.by_short(
            "".join(ch for ch in number if ch.isdigit()))
        confirmed = [i for i in exact if gross is not None and abs(
            self.ledger.open_minor[i]) == abs(gross)]
        if len(exact) == 1 and (gross is None or confirmed):
            return exact[0], gross, None
        if len(confirmed) == 1:
            return confirmed[0], gross, None
        digits = "".join(ch for ch in number if ch.isdigit())
        fuzzy = self.ledger.fuzzy(digits, self.ledger.numbers) if len(digits) >= 4 else ()
        fuzzy_confirmed = [i for i in fuzzy if gross is not None
                           and abs(self.ledger.open_minor[i]) == abs(gross)]
        if len(fuzzy_confirmed) == 1:
            return fuzzy_confirmed[0], gross, Reason(
                "document_corrected", -0.5, f"{document.number} read as "
                f"{self.ledger.items[fuzzy_confirmed[0]].number} (amount confirms)")
        if exact:
            return exact[0], gross, Reason("document_amount_differs", -1.0,
                                           f"{document.number}: amount differs from open item")
        return None, gross, Reason("document_unresolved", -3.0,
                                   f"{document.number} not found among open items")

    def _advice_fit(self, ctx: PaymentContext, items: list[int], grosses: list[int | None],
                    charges: Decimal | None,
                    stated_total: Decimal | None) -> tuple[Reconciliation, bool]:
        """Allocations as the advice states them, and whether every amount agrees."""
        currency = ctx.payment.currency
        allocations = []
        residuals = []
        lines_agree = True
        for item, gross in zip(items, grosses, strict=True):
            open_minor = self.ledger.open_minor[item]
            if gross is None or abs(gross) == abs(open_minor):
                allocations.append((item, open_minor))
                lines_agree = lines_agree and gross is not None
                continue
            lines_agree = False
            applied = gross if (gross > 0) == (open_minor > 0) else -gross
            allocations.append((item, applied))
            residuals.append(ResidualMinor(ResidualKind.OPEN_REST, open_minor - applied,
                                           currency, item, "advice remits less"))
        fee = _minor_or_zero(charges, currency)
        if fee:
            residuals.append(ResidualMinor(ResidualKind.BANK_FEE, fee, currency,
                                           note="stated in the advice"))
        total = _minor_or_zero(stated_total, currency)
        total_agrees = total == ctx.payment.minor and (
            ctx.line.currency is None or ctx.line.currency == currency)
        fit = Fit.EXACT if not residuals else Fit.DEDUCTION
        if len(set(items)) != len(items):
            lines_agree = False
        return Reconciliation(fit, tuple(allocations), tuple(residuals)), (
            lines_agree and total_agrees)


def _document_gross(document: ReferredDocument, currency: str) -> int | None:
    """What the document's open item should be: remitted + discount + adjustments."""
    amounts = document.amounts
    if amounts is None or amounts.remitted is None:
        return None
    total = amounts.remitted + (amounts.discount or 0) + sum(a.amount for a in amounts.adjustments)
    return to_minor(total, amounts.currency or currency)


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
        fallback = self._fallback(ctx, mentions)
        return [fallback] if fallback else []

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
        """Assignments with the fewest typo corrections whose amounts fit."""
        for level in range(self.config.max_fuzzy_substitutions + 1):
            found: dict[frozenset[int], Candidate] = {}
            for picks, fuzzy_flags in self._assignments(mentions, level):
                items = _unique(picks)
                if not self._may_fit(ctx, items):
                    continue
                fit = reconcile(self.ledger, items, ctx.payment, self.config)
                if not fit.fit.explained:
                    continue
                key = frozenset(items)
                if key in found:
                    continue
                weakest = min((self._weight(m, f) for m, f in zip(mentions, fuzzy_flags,
                                                                  strict=True)),
                              key=lambda r: r.weight)
                candidate = self._candidate(ctx, items, fit, [weakest],
                                            strict_only=level > 0 or weakest.weight < self.w.full_number)
                if weakest.weight < self.w.full_number:
                    common = self.evidence.common_amount(items)
                    if common:
                        candidate.reasons.append(common)
                found[key] = candidate
            if found:
                return list(found.values())
        return []

    def _may_fit(self, ctx: PaymentContext, items: tuple[int, ...]) -> bool:
        """Cheap test before reconciling: an explained fit needs gross >= paid, within bounds."""
        if any(self.ledger.items[i].currency != ctx.payment.currency for i in items):
            return True
        gross = sum(self.ledger.open_minor[i] for i in items)
        slack = sum(self.ledger.discount_minor[i] for i in items)
        slack += max(ctx.payment.stated_minor, default=0)
        slack += to_minor(self.config.bank_fee_max, ctx.payment.currency)
        return ctx.payment.minor <= gross <= ctx.payment.minor + slack

    def _assignments(self, mentions: list[Mention],
                     level: int) -> Iterator[tuple[tuple[int, ...], tuple[bool, ...]]]:
        """Item choices with exactly `level` mentions resolved through typo candidates."""
        ledger = self.ledger
        budget = self.config.max_alternatives
        lacking = [i for i, m in enumerate(mentions) if not m.exact]
        if len(lacking) > level:
            return
        others = [i for i, m in enumerate(mentions) if m.exact]
        for chosen in combinations(others, level - len(lacking)):
            fuzzy_positions = set(lacking) | set(chosen)
            options: list[tuple[int, ...]] = []
            for i, mention in enumerate(mentions):
                if i in fuzzy_positions:
                    options.append(mention.fuzzy(ledger)[:MAX_FUZZY_OPTIONS])
                else:
                    options.append(mention.exact[:MAX_EXACT_OPTIONS])
            flags = tuple(i in fuzzy_positions for i in range(len(mentions)))
            for combo in _bounded_product(options, budget):
                budget -= 1
                yield combo, flags
            if budget <= 0:
                return

    def _fallback(self, ctx: PaymentContext, mentions: list[Mention]) -> Candidate | None:
        """No fit: the items as written (partial payment, short payment, overpayment)."""
        resolved = [m for m in mentions if m.exact]
        if not resolved:
            return None
        items = _unique([m.exact[0] for m in resolved])
        fit = reconcile(self.ledger, items, ctx.payment, self.config)
        weakest = min((self._weight(m, False) for m in resolved), key=lambda r: r.weight)
        reasons = [weakest]
        if len(resolved) < len(mentions):
            reasons.append(Reason("mention_unresolved", self.w.unresolved_reference,
                                  "some documents in the text match no open item"))
        if any(len(m.exact) > 1 for m in resolved):
            reasons.append(Reason("mention_ambiguous", self.w.alternative_candidates,
                                  "a number in the text fits several open items"))
        if self._has_neighbours(ctx, resolved):
            reasons.append(Reason("typo_neighbour", self.w.alternative_candidates,
                                  "another open item of this payer is one digit away"))
        return self._candidate(ctx, items, fit, reasons)

    def _has_neighbours(self, ctx: PaymentContext, mentions: list[Mention]) -> bool:
        """Could a typo have turned the intended number into the one found?"""
        identity = ctx.identity
        if not identity.account_customer:
            return False
        group = self.ledger.group(identity.account_customer)
        return any(self.ledger.customer_of(i) in group and self.ledger.is_open(i)
                   for m in mentions for i in m.fuzzy(self.ledger))


# ---------------------------------------------------------------------- 4. amount and payer
class AmountStrategy(_Base):
    name = "amount"

    def candidates(self, ctx: PaymentContext) -> list[Candidate]:
        if ctx.facts.has_references or ctx.line.creditor_references or ctx.line.documents:
            return []
        customers = self._payer_customers(ctx)
        if not customers:
            return []
        pool = [i for c in customers for i in self.ledger.group_items(c)
                if self.ledger.is_open(i) and self.ledger.items[i].currency == ctx.payment.currency]
        singles = self._singles(ctx, customers, pool)
        if singles:
            return singles
        return self._combination(ctx, pool)

    def _payer_customers(self, ctx: PaymentContext) -> list[str]:
        identity = ctx.identity
        if identity.account_customer:
            return [identity.account_customer]
        if identity.text_customers:
            return list(identity.text_customers)
        return list(identity.name_customers) if len(identity.name_customers) <= 3 else []

    def _singles(self, ctx: PaymentContext, customers: list[str],
                 pool: list[int]) -> list[Candidate]:
        paid = ctx.payment.minor
        exact = [i for i in pool if self.ledger.open_minor[i] == paid]
        if not exact:
            return []
        members = {m for c in customers for m in self.ledger.group(c)}
        at_start = sum(self.ledger.customer_amount_count[(m, ctx.payment.currency, paid)]
                       for m in members)
        reason = Reason("amount_only", self.w.amount_only, "no reference: amount and payer")
        found = []
        for item in exact:
            fit = reconcile(self.ledger, (item,), ctx.payment, self.config)
            candidate = self._candidate(ctx, (item,), fit, [reason])
            if at_start > 1 or len(exact) > 1:
                candidate.reasons.append(Reason(
                    "amount_not_unique", self.w.alternative_candidates,
                    f"{max(at_start, len(exact))} open items of the payer have this amount"))
            found.append(candidate)
        return found

    def _combination(self, ctx: PaymentContext, pool: list[int]) -> list[Candidate]:
        by_due = sorted(pool, key=lambda i: self.ledger.items[i].due_date or
                        self.ledger.items[i].issue_date or ctx.line.booking_date or 0)
        considered = by_due[: self.config.subset_max_items]
        solutions = subset_sums([(i, self.ledger.open_minor[i]) for i in considered],
                                ctx.payment.minor, max_size=self.config.subset_max_size,
                                budget=self.config.subset_node_budget)
        reason = Reason("amount_combination", self.w.amount_combination,
                        "open items of the payer that add up to the payment")
        found = []
        for solution in solutions:
            items = tuple(solution)
            fit = reconcile(self.ledger, items, ctx.payment, self.config)
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
