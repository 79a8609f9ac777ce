"""Tunable settings of the matcher: thresholds, tolerances, keyword lists and evidence weights.

Confidence is a logistic function of summed evidence weights (log-odds): every piece of evidence
for or against a candidate adds its weight and is reported as a reason, so each confidence can be
explained line by line. A match is applied automatically only when its confidence reaches
`auto_threshold` and no equally good alternative exists; a wrong automatic match costs about ten
manual touches (DESIGN section 7), so the default threshold is high.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class EvidenceWeights:
    """Log-odds contributed by each kind of evidence (positive: for the candidate)."""

    # how the documents were referenced
    structured_reference: float = 4.5  # ISO 11649 RF / QR reference with valid check digits
    advice_linked: float = 4.0  # advice linked to the payment by its EndToEndId
    advice_by_amount: float = 2.5  # advice linked by amount, date window and payer
    full_number: float = 3.5  # the complete document number in the text
    purchase_order: float = 2.5
    short_number: float = 2.0  # the number without prefix/year/zeros ("4711")
    fuzzy_full_number: float = 1.5  # one digit off: typo, transposition, dropped digit
    fuzzy_short_number: float = 0.5
    amount_only: float = 0.0  # no reference at all: amount and payer must carry it
    amount_combination: float = -1.0  # a subset of the payer's items found by amount alone
    # how the amounts fit
    amount_exact: float = 2.0
    discount_within_terms: float = 1.8
    explained_difference: float = 1.0  # bank fee, FX, stated deduction, unearned discount
    unexplained_difference: float = -1.0  # partial payment, short payment, overpayment
    # who paid
    payer_account: float = 1.5  # the debtor account belongs to the customer (group)
    payer_name: float = 0.8  # the name points to this customer only
    payer_name_ambiguous: float = 0.5  # the name fits several customers, this one among them
    payer_customer_number: float = 1.0  # the customer number quoted in the text
    payer_account_other: float = -2.0  # the account belongs to a different customer
    payer_name_other: float = -0.5
    # what speaks against
    common_amount: float = -1.5  # many open items share this amount: it confirms little
    unresolved_reference: float = -2.0  # the text names a document we cannot find open
    alternative_candidates: float = -3.0  # another assignment fits equally well


DEFAULT_NON_AR_KEYWORDS = (
    "ZINS", "ZINSEN", "INTEREST", "DIVIDEND", "FINANZAMT", "STEUERERSTATTUNG", "TAX REFUND",
    "ERSTATTUNG", "UMBUCHUNG", "INTERNAL TRANSFER", "CASH POOL", "CASHPOOL", "KAUTION",
    "VERSICHERUNG", "INSURANCE", "REFUND", "RETOURE", "GEHALT", "SALARY", "DARLEHEN", "LOAN",
)
DEFAULT_DEDUCTION_KEYWORDS = (
    "ABZGL", "ABZUGL", "ABZUEGL", "ABZUG", "MINUS", "LESS", "SHORT", "DEDUCT", "DAMAGED",
    "REKLAMATION", "KUERZUNG", "KURZUNG", "ALLOWANCE", "SKONTO", "FREIGHT", "PRICING",
)
DEFAULT_CUSTOMER_NUMBER_KEYWORDS = (
    "KD", "KDNR", "KUNDE", "KUNDENNR", "KUNDENNUMMER", "CUST", "CUSTOMER", "CUSTNO", "CLIENT",
    "KLANT", "KLANTNR", "DEBITOR", "DEBTOR", "ACCOUNT NO",
)


@dataclass(frozen=True, slots=True)
class MatchConfig:
    auto_threshold: float = 0.95
    review_threshold: float = 0.5
    rival_threshold: float = 0.8  # another candidate this plausible makes the best one doubtful
    bank_fee_max: Decimal = Decimal("50.00")  # in the payment currency
    bank_fee_max_share: Decimal = Decimal("0.10")  # ... and at most this share of the payment
    fx_tolerance: Decimal = Decimal("0.02")  # relative, against the reference rate
    overpayment_share: float = 0.10  # a larger surplus more likely pays unnamed items
    discount_grace_days: int = 0
    duplicate_window_days: int = 10
    advice_days_before: int = 7  # an advice may arrive this many days before the money
    advice_days_after: int = 3
    max_fuzzy_substitutions: int = 2
    max_alternatives: int = 4000  # candidate sets evaluated per payment
    subset_max_items: int = 40  # open items considered for an amount combination
    subset_max_size: int = 12
    subset_node_budget: int = 1_000
    common_amount_count: int = 3  # an amount shared by more open items is "common"...
    common_amount_share: float = 0.0005  # ... or by more than this share of them
    learn_payers: bool = True
    non_ar_keywords: tuple[str, ...] = DEFAULT_NON_AR_KEYWORDS
    deduction_keywords: tuple[str, ...] = DEFAULT_DEDUCTION_KEYWORDS
    customer_number_keywords: tuple[str, ...] = DEFAULT_CUSTOMER_NUMBER_KEYWORDS
    weights: EvidenceWeights = field(default_factory=EvidenceWeights)
