"""Strategy 4: no reference at all: the identified payer's open items whose amount (or a
combination of amounts, bounded subset sum, proposed for review only) equals the payment."""

from __future__ import annotations

from gateway.remittance.matching.amounts import reconcile
from gateway.remittance.matching.evidence import Candidate, PaymentContext
from gateway.remittance.matching.result import Reason
from gateway.remittance.matching.strategies._common import Base, mark_alternatives
from gateway.remittance.matching.subsets import subset_sums


class AmountStrategy(Base):
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
        names = identity.name_customers
        return sorted(names) if len(names) <= 3 else []

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
        return mark_alternatives(found, self.w.alternative_candidates)
