"""The matcher: gate, de-duplicate, run the strategies, decide, apply.

I/O-free: it reads `RemittanceLine`s and an in-memory `Ledger` and returns `MatchResult`s; an
automatic match lowers the ledger's open amounts at once so that later lines see them. A caller
that persists results (review queue, receivables) drives it line by line in booking order.

Decision (DESIGN section 7): the best candidate is applied automatically only when its
confidence reaches `auto_threshold`, every item it names receives money, nothing it names was
settled already, and no different candidate is nearly as plausible (`rival_threshold`).
Otherwise it goes to review with the candidates, or to "none" when there is nothing to propose
(not a receivable: outgoing, returned, not booked, or no payer and no reference).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from gateway.remittance.matching.advice import AdviceBook
from gateway.remittance.matching.amounts import Payment
from gateway.remittance.matching.config import MatchConfig
from gateway.remittance.matching.duplicates import DuplicateGuard
from gateway.remittance.matching.evidence import Candidate, Evidence, PaymentContext
from gateway.remittance.matching.fx import FxRates
from gateway.remittance.matching.ledger import Ledger
from gateway.remittance.matching.money import from_minor, to_minor
from gateway.remittance.matching.payer import PayerDirectory
from gateway.remittance.matching.result import (
    Allocation,
    Decision,
    Flag,
    Match,
    MatchResult,
    Reason,
    Residual,
)
from gateway.remittance.matching.strategies import (
    AdviceStrategy,
    AmountStrategy,
    StructuredReferenceStrategy,
    TextReferenceStrategy,
)
from gateway.remittance.matching.text import TextReader
from gateway.remittance.model import CreditDebit, ReferenceScheme, RemittanceLine

STRONG_STRATEGIES = frozenset(("structured_reference", "advice", "text_reference"))


class Matcher:
    def __init__(self, ledger: Ledger, *, config: MatchConfig | None = None,
                 advices: Sequence[RemittanceLine] = (), fx_rates: FxRates | None = None,
                 payments: Sequence[RemittanceLine] = (), keep_candidates: bool = True) -> None:
        """`payments`: the batch about to be matched, if known in advance; it lets advices
        without an EndToEndId be linked by amount only where the link is unique."""
        self.ledger = ledger
        self.config = config or MatchConfig()
        self.keep_candidates = keep_candidates  # the alternatives a reviewer sees
        self.payers = PayerDirectory(ledger)
        self.text = TextReader(ledger, self.config)
        self.evidence = Evidence(ledger, self.config)
        self.fx = fx_rates or FxRates()
        self.duplicates = DuplicateGuard(self.config.duplicate_window_days)
        self.advice_book = AdviceBook(advices, self.config, payments)
        self.advice_strategy = AdviceStrategy(ledger, self.config, self.evidence,
                                              self.advice_book, self.payers)
        self.strategies = (
            StructuredReferenceStrategy(ledger, self.config, self.evidence),
            self.advice_strategy,
            TextReferenceStrategy(ledger, self.config, self.evidence),
            AmountStrategy(ledger, self.config, self.evidence),
        )

    def match_all(self, lines: Iterable[RemittanceLine]) -> Iterator[MatchResult]:
        for line in lines:
            yield self.match(line)

    def match(self, line: RemittanceLine) -> MatchResult:
        gated = _gate(line)
        if gated is not None:
            return gated
        earlier = self.duplicates.check(line)
        if earlier is not None:
            return MatchResult(line.line_id, Decision.REVIEW, flags=(Flag.DUPLICATE,),
                               duplicate_of=earlier,
                               note=f"repeats {earlier}: same amount, payer and remittance")
        ctx = self._context(line)
        candidates: list[Candidate] = []
        for strategy in self.strategies:
            candidates += strategy.candidates(ctx)
        return self._decide(ctx, candidates)

    # ------------------------------------------------------------------ preparation
    def _context(self, line: RemittanceLine) -> PaymentContext:
        assert line.amount is not None
        assert line.currency is not None
        text_parts = [line.text, line.additional_info or ""]
        text_parts += [r.reference for r in line.creditor_references
                       if r.scheme is ReferenceScheme.OTHER and not r.reference.upper()
                       .startswith("RF")]
        facts = self.text.read(" ".join(p for p in text_parts if p))
        stated = tuple(to_minor(a, line.currency) for a in facts.stated_amounts
                       ) if facts.deduction_hint else ()
        instructed = (to_minor(line.instructed_amount, line.instructed_currency)
                      if line.instructed_amount is not None else None)
        payment = Payment(to_minor(line.amount, line.currency), line.currency, line.booking_date,
                          instructed, line.instructed_currency, stated, self.fx)
        identity = self.payers.identify(line.debtor, line.ultimate_debtor,
                                        facts.customer_numbers)
        return PaymentContext(line, payment, facts, identity)

    # ------------------------------------------------------------------ decision
    def _decide(self, ctx: PaymentContext, candidates: list[Candidate]) -> MatchResult:
        line_id = ctx.line.line_id
        flags = self._flags(ctx, candidates)
        if not candidates:
            if ctx.facts.non_ar_keyword or not ctx.identity.known:
                return MatchResult(line_id, Decision.NONE, flags=(*flags, Flag.NOT_RECEIVABLE),
                                   note="no payer and no reference: not a receivable")
            return MatchResult(line_id, Decision.REVIEW, flags=flags,
                               note="payer known, no open item fits: on account")
        ranked = _ranked(candidates)
        best = ranked[0]
        rivals = [c for c in ranked[1:] if c.confidence >= self.config.rival_threshold]
        if rivals and not any(r.code == "alternatives" for r in best.reasons):
            best.reasons.append(Reason("alternatives", self.config.weights.alternative_candidates,
                                       f"{len(rivals)} other candidate(s) from other strategies"))
        auto = (best.confidence >= self.config.auto_threshold and not best.fit.unfunded
                and Flag.SETTLED_REFERENCE not in flags)
        match = self._public(best)
        others = tuple(self._public(c) for c in ranked[1:4]) if self.keep_candidates else ()
        if auto:
            self._apply(ctx, best)
            return MatchResult(line_id, Decision.AUTO, match, others, flags)
        if Flag.AMBIGUOUS not in flags and len({c.key for c in ranked}) > 1:
            flags = (*flags, Flag.AMBIGUOUS)
        decision = (Decision.REVIEW if best.confidence >= self.config.review_threshold
                    or ctx.identity.known else Decision.NONE)
        return MatchResult(line_id, decision, match, others, flags)

    def _flags(self, ctx: PaymentContext, candidates: list[Candidate]) -> tuple[Flag, ...]:
        flags: list[Flag] = []
        if any(r.code == "settled_reference" for c in candidates for r in c.reasons):
            flags.append(Flag.SETTLED_REFERENCE)
        if ctx.facts.unresolved:
            flags.append(Flag.UNRESOLVED_REFERENCE)
        if ctx.facts.non_ar_keyword and not candidates:
            flags.append(Flag.NOT_RECEIVABLE)
        return tuple(dict.fromkeys(flags))

    def _public(self, candidate: Candidate) -> Match:
        ledger = self.ledger
        allocations = tuple(
            Allocation(ledger.items[i].item_id, from_minor(m, ledger.items[i].currency),
                       ledger.items[i].currency) for i, m in candidate.fit.allocations)
        residuals = tuple(
            Residual(r.kind.value, from_minor(r.minor, r.currency), r.currency,
                     ledger.items[r.item].item_id if r.item is not None else None, r.note)
            for r in candidate.fit.residuals)
        return Match(candidate.strategy, candidate.confidence, candidate.fit.fit.value,
                     allocations, residuals, tuple(candidate.reasons))

    # ------------------------------------------------------------------ applying
    def _apply(self, ctx: PaymentContext, candidate: Candidate) -> None:
        ledger = self.ledger
        line_id = ctx.line.line_id
        close = candidate.fit.fit.explained
        for item, minor in candidate.fit.allocations:
            ledger.apply(item, minor, line_id)
            if close:
                ledger.write_off(item, line_id)
        if candidate.strategy == "advice" and self.advice_strategy.last_link is not None:
            self.advice_book.consume(self.advice_strategy.last_link)
        self._learn(ctx, candidate)

    def _learn(self, ctx: PaymentContext, candidate: Candidate) -> None:
        """A new account or name seen on a confident reference match is remembered."""
        identity = ctx.identity
        if (not self.config.learn_payers or identity.account_shared
                or (identity.account_customer and not identity.account_learned)
                or candidate.strategy not in STRONG_STRATEGIES or not candidate.fit.fit.strict):
            return
        customers = {self.ledger.customer_of(i) for i in candidate.items}
        if len(customers) == 1:
            self.payers.learn(customers.pop(), ctx.line.debtor)


def _gate(line: RemittanceLine) -> MatchResult | None:
    """Lines that are never customer payments to match."""
    if line.credit_debit is CreditDebit.DEBIT:
        return MatchResult(line.line_id, Decision.NONE, flags=(Flag.OUTGOING,),
                           note="debit: money out")
    if line.reversal or line.returned:
        return MatchResult(line.line_id, Decision.NONE, flags=(Flag.RETURN,),
                           note=line.return_reason or "returned or reversed payment")
    if not line.is_booked:
        return MatchResult(line.line_id, Decision.NONE, flags=(Flag.NOT_BOOKED,),
                           note=f"status {line.status}")
    if line.amount is None or not line.currency:
        return MatchResult(line.line_id, Decision.REVIEW,
                           note="no amount of its own (part of a batch without details)")
    return None


def _ranked(candidates: list[Candidate]) -> list[Candidate]:
    """Highest confidence first, one candidate per distinct item set."""
    best: dict[frozenset[int], Candidate] = {}
    for candidate in candidates:
        present = best.get(candidate.key)
        if present is None or candidate.confidence > present.confidence:
            best[candidate.key] = candidate
    return sorted(best.values(), key=lambda c: -c.confidence)
