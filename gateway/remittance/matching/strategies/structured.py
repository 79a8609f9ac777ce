"""Strategy 1: creditor references (ISO 11649 RF, Swiss QR) whose check digits hold; a
reference one digit off is corrected only to a variant whose check digits hold."""

from __future__ import annotations

from gateway.remittance.matching.amounts import reconcile
from gateway.remittance.matching.evidence import Candidate, PaymentContext
from gateway.remittance.matching.numbering import compact, digit_variants
from gateway.remittance.matching.result import Reason
from gateway.remittance.matching.strategies._common import (
    MAX_FUZZY_OPTIONS,
    Base,
    bounded_product,
    mark_alternatives,
    unique,
)
from gateway.remittance.model import ReferenceScheme
from gateway.remittance.references import is_valid_rf


class StructuredReferenceStrategy(Base):
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
        return unique(found)

    def _evaluate(self, ctx: PaymentContext, options: list[tuple[int, ...]],
                  corrected: bool) -> list[Candidate]:
        base = Reason("structured_reference", self.w.structured_reference,
                      "creditor reference with valid check digits")
        if corrected:
            base = Reason("structured_reference_corrected", self.w.fuzzy_full_number,
                          "creditor reference one digit off, corrected by its check digits")
        found: list[Candidate] = []
        for combo in bounded_product(options, self.config.max_alternatives):
            items = unique(combo)
            fit = reconcile(self.ledger, items, ctx.payment, self.config)
            found.append(self._candidate(ctx, items, fit, [base], strict_only=corrected))
        return mark_alternatives(found, self.w.alternative_candidates)
