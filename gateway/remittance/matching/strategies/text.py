"""Strategy 3: document numbers in free text, exact first, then with up to
`max_fuzzy_substitutions` typo corrections, accepted only where the amounts fit."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

from gateway.remittance.matching.amounts import Fit, Reconciliation, reconcile
from gateway.remittance.matching.evidence import Candidate, PaymentContext
from gateway.remittance.matching.ledger import Ledger
from gateway.remittance.matching.result import Reason
from gateway.remittance.matching.strategies._common import (
    MAX_EXACT_OPTIONS,
    MAX_FUZZY_OPTIONS,
    Base,
    bounded_product,
    mark_alternatives,
    unique,
)
from gateway.remittance.matching.subsets import subset_sums
from gateway.remittance.matching.text import Mention, MentionKind

MAX_MENTIONS_TWO_TYPOS = 12
TYPO_NEIGHBOUR = -1.0  # a typo turning one open number into another is rare
TRUNCATED_TEXT = 135  # SEPA Ustrd holds 140 characters


class TextReferenceStrategy(Base):
    name = "text_reference"

    def candidates(self, ctx: PaymentContext) -> list[Candidate]:
        mentions = list(ctx.facts.mentions)
        if not mentions:
            return []
        fits = self._search(ctx, mentions)
        if fits:
            return mark_alternatives(fits, self.w.alternative_candidates)
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
        for combo in bounded_product(options, self.config.max_alternatives):
            items = unique(combo)
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
            for combo in bounded_product(alternatives, budget[0]):
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
        items = unique([m.exact[0] for m in resolved])
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
        return mark_alternatives(found, self.w.alternative_candidates)

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
