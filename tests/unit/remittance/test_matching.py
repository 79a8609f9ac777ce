"""The matching strategies and the decision on small hand-made cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gateway.remittance.matching.config import MatchConfig
from gateway.remittance.matching.engine import Matcher
from gateway.remittance.matching.fx import FxRates
from gateway.remittance.matching.ledger import Ledger
from gateway.remittance.matching.result import Decision, Flag, MatchResult
from gateway.remittance.model import (
    CreditDebit,
    DocumentAmounts,
    LineKind,
    Party,
    ReferredDocument,
    RemittanceLine,
    SourceLocation,
    StructuredRemittance,
)
from gateway.remittance.references import make_rf
from tests.unit.remittance.conftest import PARENT_IBAN, LineFactory


def allocated(result: MatchResult) -> dict[str, str]:
    assert result.match is not None
    return {a.item_id: str(a.amount) for a in result.match.allocations}


def reasons(result: MatchResult) -> set[str]:
    assert result.match is not None
    return {r.code for r in result.match.reasons}


def residuals(result: MatchResult) -> dict[str, str]:
    assert result.match is not None
    return {r.kind: str(r.amount) for r in result.match.residuals}


# ---------------------------------------------------------------------- references
def test_structured_reference_exact(ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(payment("1190.00", rf=make_rf("20250004711")))
    assert result.decision is Decision.AUTO
    assert allocated(result) == {"I-INV-2025-0004711": "1190.00"}
    assert {"structured_reference", "amount_exact", "payer_account"} <= reasons(result)
    assert ledger.open_minor[0] == 0  # applied to the ledger


def test_structured_reference_typo_is_corrected_by_check_digits(
        ledger: Ledger, payment: LineFactory) -> None:
    good = make_rf("20250004713")
    typo = good[:-1] + "9"  # one digit off: the check digits no longer hold
    result = Matcher(ledger).match(payment("238.00", rf=typo))
    assert result.decision is Decision.AUTO
    assert allocated(result) == {"I-INV-2025-0004713": "238.00"}
    assert "structured_reference_corrected" in reasons(result)


def test_full_number_in_text_with_discount_within_terms(
        ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(payment("583.10", "Rechnung INV-2025-0004712 abzgl. Skonto"))
    assert result.decision is Decision.AUTO
    assert allocated(result) == {"I-INV-2025-0004712": "595.00"}
    assert residuals(result) == {"discount": "11.90"}


def test_discount_after_the_date_is_unearned(ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(
        payment("583.10", "INV-2025-0004712", booked=date(2025, 6, 20)))
    assert result.match is not None
    assert result.match.fit == "unearned_discount"
    assert residuals(result) == {"discount_unearned": "11.90"}


def test_typo_in_number_is_corrected_when_the_amount_confirms(
        ledger: Ledger, payment: LineFactory) -> None:
    # 0004711 written 0004171 (transposition); no open item has that number.
    result = Matcher(ledger).match(payment("1190.00", "Invoice INV-2025-0004171"))
    assert result.decision is Decision.AUTO
    assert allocated(result) == {"I-INV-2025-0004711": "1190.00"}
    assert "fuzzy_number" in reasons(result)


def test_typo_hitting_another_open_number_is_corrected_by_the_amount(
        ledger: Ledger, payment: LineFactory) -> None:
    # 4713 written as 4712 (an open item of 595.00); the amount is 4713's.
    result = Matcher(ledger).match(payment("238.00", "INV-2025-0004712"))
    assert allocated(result) == {"I-INV-2025-0004713": "238.00"}


def test_short_number_with_known_payer(ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(payment("1190.00", "RE 4711 vom 01.05.2025"))
    assert result.decision is Decision.AUTO
    assert "short_number" in reasons(result)


def test_several_invoices_and_a_credit_note_netted(ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(
        payment("1309.00", "INV-2025-0004711, INV-2025-0004713, Gutschrift 5100"))
    assert result.decision is Decision.AUTO
    assert allocated(result) == {"I-INV-2025-0004711": "1190.00", "I-INV-2025-0004713": "238.00",
                                 "I-INV-2025-0005100": "-119.00"}


def test_purchase_order_number(payment: LineFactory) -> None:
    from tests.unit.remittance.conftest import CUSTOMERS, item

    ledger = Ledger([item("INV-2025-0000001", "480.00", po="PO77112233"),
                     item("INV-2025-0000002", "990.00")], CUSTOMERS)
    result = Matcher(ledger).match(payment("480.00", "PO PO77112233"))
    assert result.decision is Decision.AUTO
    assert "purchase_order" in reasons(result)


# ---------------------------------------------------------------------- residuals
def test_partial_payment_leaves_the_rest_open(ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(payment("400.00", "Abschlag INV-2025-0004711"))
    assert result.decision is Decision.AUTO
    assert allocated(result) == {"I-INV-2025-0004711": "400.00"}
    assert residuals(result) == {"open_rest": "790.00"}
    assert ledger.open_minor[0] == 79000
    rest = Matcher(ledger).match(payment("790.00", "Restzahlung INV-2025-0004711"))
    assert rest.decision is Decision.AUTO
    assert ledger.open_minor[0] == 0


def test_bank_fee_within_tolerance(ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(payment("1175.00", "INV-2025-0004711"))
    assert result.decision is Decision.AUTO
    assert residuals(result) == {"bank_fee": "15.00"}


def test_stated_deduction(ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(
        payment("1130.50", "INV-2025-0004711 minus damaged goods 59,50", iban=None,
                name="Unknown Payer Ltd"))
    assert result.decision is Decision.AUTO
    assert residuals(result) == {"deduction": "59.50"}


def test_overpayment_is_kept_on_account(ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(payment("1200.00", "INV-2025-0004711"))
    assert result.decision is Decision.AUTO
    assert residuals(result) == {"overpayment": "-10.00"}


def test_foreign_currency_with_instructed_amount(ledger: Ledger, payment: LineFactory) -> None:
    line = payment("772.80", "INV-2025-0005000", iban="AT611904300234573201",
                   name="Alpen Bau AG", instructed_amount=Decimal("840.00"),
                   instructed_currency="USD")
    result = Matcher(ledger).match(line)
    assert result.decision is Decision.AUTO
    assert result.match is not None
    assert result.match.fit == "fx"
    assert allocated(result) == {"I-INV-2025-0005000": "840.00"}


def test_foreign_currency_at_a_reference_rate(ledger: Ledger, payment: LineFactory) -> None:
    rates = FxRates({("USD", "EUR"): Decimal("0.92")})
    line = payment("776.00", "INV-2025-0005000", iban="AT611904300234573201", name="Alpen Bau")
    result = Matcher(ledger, fx_rates=rates).match(line)
    assert result.match is not None
    assert result.match.fit == "fx"
    assert result.decision is Decision.AUTO


# ---------------------------------------------------------------------- payers and amounts
def test_parent_company_pays_for_its_subsidiary(ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(payment("1500.00", None, iban=PARENT_IBAN,
                                           name="NORDWIND HOLDING"))
    assert result.decision is Decision.AUTO
    assert allocated(result) == {"I-INV-2025-0004900": "1500.00"}
    assert {"amount_only", "payer_account"} <= reasons(result)


def test_amount_alone_needs_a_known_account(ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(payment("777.77", None, iban="DE44500105175407324931",
                                           name="Alpen Bau"))
    assert result.decision is Decision.REVIEW  # a name is a hint, not an identity


def test_amount_combination_is_only_proposed(ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(payment("350.00", "Sammelzahlung",
                                           iban="AT611904300234573201", name="Alpen Bau AG"))
    assert result.decision is Decision.REVIEW
    assert allocated(result) == {"I-INV-2025-0004802": "100.00", "I-INV-2025-0004803": "250.00"}
    assert "amount_combination" in reasons(result)


def test_same_amount_twice_goes_to_review(payment: LineFactory) -> None:
    from tests.unit.remittance.conftest import CUSTOMERS, item

    ledger = Ledger([item("INV-2025-0000001", "99.00"), item("INV-2025-0000002", "99.00")],
                    CUSTOMERS)
    result = Matcher(ledger).match(payment("99.00", "Payment June"))
    assert result.decision is Decision.REVIEW
    assert Flag.AMBIGUOUS in result.flags
    assert "amount_not_unique" in reasons(result)


# ---------------------------------------------------------------------- never automatic
def test_reference_to_a_closed_invoice(ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(payment("1234.56", "Invoice INV-2024-0000815"))
    assert result.decision is not Decision.AUTO
    assert Flag.UNRESOLVED_REFERENCE in result.flags


def test_duplicate_payment_is_flagged(ledger: Ledger, payment: LineFactory) -> None:
    matcher = Matcher(ledger)
    first = payment("238.00", "INV-2025-0004713", e2e="E2E-1")
    again = RemittanceLine(**{**{f: getattr(first, f) for f in first.__dataclass_fields__},
                              "line_id": "P-again", "booking_date": date(2025, 6, 5)})
    assert matcher.match(first).decision is Decision.AUTO
    second = matcher.match(again)
    assert second.decision is Decision.REVIEW
    assert Flag.DUPLICATE in second.flags
    assert second.duplicate_of == first.line_id


def test_settled_item_is_not_applied_twice(ledger: Ledger, payment: LineFactory) -> None:
    matcher = Matcher(ledger)
    assert matcher.match(payment("238.00", "INV-2025-0004713")).decision is Decision.AUTO
    later = matcher.match(payment("238.00", "Invoice INV-2025-0004713 again"))
    assert later.decision is Decision.REVIEW
    assert Flag.SETTLED_REFERENCE in later.flags


def test_not_a_receivable(ledger: Ledger, payment: LineFactory) -> None:
    result = Matcher(ledger).match(payment("45.12", "ZINSEN 2. QUARTAL", iban=None,
                                           name="Sparkasse"))
    assert result.decision is Decision.NONE
    assert Flag.NOT_RECEIVABLE in result.flags


def test_debits_and_returns_are_gated(ledger: Ledger, payment: LineFactory) -> None:
    matcher = Matcher(ledger)
    debit = payment("1190.00", "INV-2025-0004711", credit_debit=CreditDebit.DEBIT)
    returned = payment("1190.00", "INV-2025-0004711", returned=True, return_reason="AC01")
    assert matcher.match(debit).flags == (Flag.OUTGOING,)
    assert matcher.match(returned).flags == (Flag.RETURN,)
    assert ledger.open_minor[0] == 119000


def test_threshold_is_configurable(ledger: Ledger, payment: LineFactory) -> None:
    strict = Matcher(ledger, config=MatchConfig(auto_threshold=0.9999))
    assert strict.match(payment("1190.00", "RE 4711")).decision is Decision.REVIEW


# ---------------------------------------------------------------------- advices
def advice(advice_id: str, total: str, documents: list[tuple[str, str]], *,
           e2e: str | None = None, payer: str = "Mueller Logistik GmbH") -> RemittanceLine:
    return RemittanceLine(
        line_id=advice_id, source=SourceLocation("test", advice_id), kind=LineKind.ADVICE,
        amount=Decimal(total), currency="EUR", booking_date=date(2025, 6, 2), end_to_end_id=e2e,
        debtor=Party(name=payer),
        structured=(StructuredRemittance(documents=tuple(
            ReferredDocument(number, "CINV", amounts=DocumentAmounts(remitted=Decimal(amount)))
            for number, amount in documents)),))


def test_advice_linked_by_end_to_end_id(ledger: Ledger, payment: LineFactory) -> None:
    notice = advice("A1", "1428.00", [("INV-2025-0004711", "1190.00"),
                                      ("INV-2025-0004713", "238.00")], e2e="E2E-9")
    line = payment("1428.00", "SEE ADVICE", e2e="E2E-9")
    result = Matcher(ledger, advices=[notice], payments=[line]).match(line)
    assert result.decision is Decision.AUTO
    assert {"advice_linked", "advice_amounts_agree"} <= reasons(result)
    assert set(allocated(result)) == {"I-INV-2025-0004711", "I-INV-2025-0004713"}


def test_advice_ocr_slip_is_corrected_by_its_line_amount(
        ledger: Ledger, payment: LineFactory) -> None:
    notice = advice("A1", "1190.00", [("INV-2025-0004771", "1190.00")], e2e="E2E-9")
    line = payment("1190.00", None, e2e="E2E-9")
    result = Matcher(ledger, advices=[notice], payments=[line]).match(line)
    assert allocated(result) == {"I-INV-2025-0004711": "1190.00"}
    assert "document_corrected" in reasons(result)


def test_unlinked_advice_needs_a_unique_link(ledger: Ledger, payment: LineFactory) -> None:
    notice = advice("A2", "238.00", [("INV-2025-0004713", "238.00")])
    one = payment("238.00", None)
    result = Matcher(ledger, advices=[notice], payments=[one]).match(one)
    assert result.decision is Decision.AUTO
    assert "advice_by_amount" in reasons(result)

    fresh = Ledger(ledger.items, ledger.customers.values())
    twin = payment("238.00", None)
    matcher = Matcher(fresh, advices=[notice], payments=[one, twin])
    assert "advice_by_amount" not in reasons(matcher.match(one))  # which of the two was it?


def test_parallel_matching_agrees_and_never_applies_an_item_twice(
        payment: LineFactory) -> None:
    from gateway.remittance.matching.parallel import match_in_parallel
    from tests.unit.remittance.conftest import CUSTOMERS, default_items

    lines = [payment("1190.00", "INV-2025-0004711"),
             payment("777.77", "INV-2025-0004801", iban="AT611904300234573201", name="Alpen"),
             payment("238.00", "INV-2025-0004713"),
             # another payer quotes the same invoice: only one of the two may be applied
             payment("238.00", "INV-2025-0004713", iban="DE44500105175407324931",
                     name="Someone Else", booked=date(2025, 6, 4))]
    sequential = [Matcher(Ledger(default_items(), CUSTOMERS)).match(line) for line in lines]
    ledger = Ledger(default_items(), CUSTOMERS)
    parallel = match_in_parallel(Matcher(ledger), lines, workers=2)
    assert [r.decision for r in parallel[:3]] == [r.decision for r in sequential[:3]]
    assert [r.decision for r in parallel].count(Decision.AUTO) == 3
    assert parallel[3].decision is Decision.REVIEW
    assert Flag.SETTLED_REFERENCE in parallel[3].flags
    assert ledger.open_minor[:3] == [0, 59500, 0]  # the parent ledger holds the merged result
