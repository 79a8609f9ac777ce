"""EN 16931 VAT category rules: BR-S (standard rated), BR-Z (zero rated), BR-E (exempt),
BR-AE (reverse charge), BR-IC (intra-community, code K), BR-G (export), BR-O (not subject to
VAT), BR-AF (IGIC, code L), BR-AG (IPSI, code M) and BR-B (split payment).

The families repeat one pattern with per-category variants, so each category is a row of
`CATEGORIES` and its rules are registered from it under their official ids:

  -01 the VAT breakdown has the category (exactly one, or at least one for S, L, M)
  -02 / -03 / -04 a line / allowance / charge of the category needs certain party tax ids
  -05 / -06 / -07 the VAT rate of such a line / allowance / charge (0, > 0, >= 0, absent)
  -08 the breakdown's taxable amount is the sum of its lines, charges and allowances
  -09 the breakdown's VAT amount (0, or taxable x rate within 1)
  -10 the exemption reason (required, or forbidden)

The official assertions differ between categories in details (which tax scheme filter, whether
the code is whitespace-normalised, rate grouping and tolerance); the variants below follow
each one as written, so the verdicts match the Schematron's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from gateway.model.invoice import VatBreakdown
from gateway.validation.rules._helpers import (
    NO_VIOLATIONS,
    ZERO,
    CategoryOccurrence,
    PartyTaxIds,
    TaxCategoryUse,
    category_use,
    document,
    double_shift,
    expected_vat,
    money,
    party_tax_ids,
    within_one,
)
from gateway.validation.rules.registry import Guard, Path, RuleContext, Violation, rule

Ctx = RuleContext[Any]
Found = Iterable[Violation]


class Rate(Enum):
    """What -05/-06/-07 require of the VAT rate (BT-152, BT-96, BT-103)."""

    ZERO = "be 0 (zero)"
    POSITIVE = "be greater than zero"
    NON_NEGATIVE = "be 0 (zero) or greater than zero"
    ABSENT = "not be given"

    def violated_by(self, rate: Decimal | None) -> bool:
        if self is Rate.ABSENT:
            return rate is not None
        if rate is None:
            return True
        if self is Rate.ZERO:
            return rate != 0
        if self is Rate.POSITIVE:
            return rate <= 0
        return rate < 0


class Taxable(Enum):
    """How -08 checks the VAT category taxable amount (BT-116)."""

    EXACT = "exact"  # = lines + charges - allowances of the category
    PER_RATE = "per rate"  # for the breakdown's rate, within 1 (IGIC, IPSI)
    STANDARD = "standard"  # per rate within 1, and the rate must be used (S)


SELLER_IDS = ("contain the Seller VAT Identifier (BT-31), the Seller tax registration identifier "
              "(BT-32) and/or the Seller tax representative VAT identifier (BT-63)")
SELLER_VAT_IDS = ("contain the Seller VAT Identifier (BT-31) or the Seller tax representative "
                  "VAT identifier (BT-63)")


def _seller_ids(ids: PartyTaxIds) -> bool:
    return ids.seller_any or ids.tax_representative_vat


def _reverse_charge_ids(ids: PartyTaxIds) -> bool:
    return _seller_ids(ids) and (ids.buyer_vat or ids.buyer_legal)


def _seller_vat_ids(ids: PartyTaxIds) -> bool:
    return ids.seller_vat or ids.tax_representative_vat


def _intra_community_ids(ids: PartyTaxIds) -> bool:
    return _seller_vat_ids(ids) and ids.buyer_vat


def _no_vat_ids(ids: PartyTaxIds) -> bool:
    return not (ids.seller_vat or ids.tax_representative_vat or ids.buyer_vat)


@dataclass(frozen=True, slots=True)
class Category:
    """One UNCL 5305 VAT category and the variants of its official rules."""

    code: str
    family: str  # rule id prefix
    name: str
    ids: Callable[[PartyTaxIds], bool]  # -02/-03/-04
    ids_text: str
    rate: Rate  # -05/-06/-07
    taxable: Taxable  # -08
    zero_vat: bool  # -09: the tax amount is 0, else taxable x rate
    exemption_required: bool  # -10: required, else forbidden
    # quirks of the official tests
    line_trigger_any_scheme: bool = False  # BR-S-02 fails on an S line of any tax scheme
    allowance_trigger_any_scheme: bool = False  # BR-G-03/04 test the code without the scheme


CATEGORIES = (
    Category("S", "BR-S", "Standard rated", _seller_ids, SELLER_IDS, Rate.POSITIVE,
             Taxable.STANDARD, zero_vat=False, exemption_required=False,
             line_trigger_any_scheme=True),
    Category("Z", "BR-Z", "Zero rated", _seller_ids, SELLER_IDS, Rate.ZERO, Taxable.EXACT,
             zero_vat=True, exemption_required=False),
    Category("E", "BR-E", "Exempt from VAT", _seller_ids, SELLER_IDS, Rate.ZERO, Taxable.EXACT,
             zero_vat=True, exemption_required=True),
    Category("AE", "BR-AE", "Reverse charge", _reverse_charge_ids,
             SELLER_IDS + " and the Buyer VAT identifier (BT-48) and/or the Buyer legal "
             "registration identifier (BT-47)", Rate.ZERO, Taxable.EXACT, zero_vat=True,
             exemption_required=True),
    Category("K", "BR-IC", "Intra-community supply", _intra_community_ids,
             SELLER_VAT_IDS + " and the Buyer VAT identifier (BT-48)", Rate.ZERO,
             Taxable.EXACT, zero_vat=True, exemption_required=True),
    Category("G", "BR-G", "Export outside the EU", _seller_vat_ids, SELLER_VAT_IDS, Rate.ZERO,
             Taxable.EXACT, zero_vat=True, exemption_required=True,
             allowance_trigger_any_scheme=True),
    Category("O", "BR-O", "Not subject to VAT", _no_vat_ids,
             "not contain the Seller VAT identifier (BT-31), the Seller tax representative VAT "
             "identifier (BT-63) or the Buyer VAT identifier (BT-48)", Rate.ABSENT,
             Taxable.EXACT, zero_vat=True, exemption_required=True),
    Category("L", "BR-AF", "IGIC", _seller_ids, SELLER_IDS, Rate.NON_NEGATIVE,
             Taxable.PER_RATE, zero_vat=False, exemption_required=False),
    Category("M", "BR-AG", "IPSI", _seller_ids, SELLER_IDS, Rate.NON_NEGATIVE,
             Taxable.PER_RATE, zero_vat=False, exemption_required=False),
)


def _matching(occurrences: Iterable[CategoryOccurrence], code: str, *,
              any_scheme: bool = False, exact: bool = False) -> list[CategoryOccurrence]:
    """Occurrences whose `cbc:ID` is `code` (normalised unless `exact`), VAT scheme unless
    `any_scheme`."""
    return [
        o for o in occurrences
        if (any_scheme or o.vat) and (o.code == code if exact else o.norm == code)
    ]


def _lines_matching(use: TaxCategoryUse, code: str, *, any_scheme: bool = False
                    ) -> list[CategoryOccurrence]:
    """`_matching(use.lines, code)`, computed once per run: on a long invoice several rules of
    a category ask for the same lines. The list is shared: callers only read it."""
    key = (code, any_scheme)
    found = use.line_matches.get(key)
    if found is None:
        found = use.line_matches[key] = _matching(use.lines, code, any_scheme=any_scheme)
    return found


def _breakdown_path(use: TaxCategoryUse) -> Path:
    return ("tax_totals", 0, "vat_breakdown") if use.breakdowns else ("tax_totals",)


# --- -01: the category appears in the VAT breakdown -----------------------------------------


def _exactly_one_breakdown(ctx: Ctx, category: Category) -> Found:
    """BR-Z/E/AE/IC/G/O-01: used anywhere (VAT scheme) -> exactly one breakdown of it."""
    use = category_use(ctx)
    if not use.any_tax_category(category.code):
        return NO_VIOLATIONS
    if len(_matching(use.breakdowns, category.code)) == 1:
        return NO_VIOLATIONS
    return (Violation(_breakdown_path(use)),)


def _standard_breakdown(ctx: Ctx, category: Category) -> Found:
    """BR-S-01: used by a line or allowance/charge <-> in the breakdown (no scheme filter)."""
    use = category_use(ctx)
    used = bool(_lines_matching(use, "S", any_scheme=True)
                or _matching(use.all_allowance_charges(), "S", any_scheme=True))
    listed = bool(_matching(use.breakdowns, "S", any_scheme=True))
    return NO_VIOLATIONS if used == listed else (Violation(_breakdown_path(use)),)


def _canary_breakdown(ctx: Ctx, category: Category) -> Found:
    """BR-AF-01 / BR-AG-01: used (VAT scheme) -> at least one breakdown with the code as
    written (any scheme for IGIC, VAT for IPSI); unused -> none (normalised, VAT)."""
    use = category_use(ctx)
    code = category.code
    used = bool(_lines_matching(use, code) or _matching(use.all_allowance_charges(), code))
    if used:
        listed = _matching(use.breakdowns, code, exact=True, any_scheme=code == "L")
        return NO_VIOLATIONS if listed else (Violation(_breakdown_path(use)),)
    return (Violation(_breakdown_path(use)),) if _matching(use.breakdowns, code) else NO_VIOLATIONS


# --- -02/-03/-04: party tax identifiers -------------------------------------------------------


def _ids_rule(ctx: Ctx, category: Category, triggers: list[CategoryOccurrence],
              neg_triggers: list[CategoryOccurrence]) -> Found:
    """`(exists(trigger) and ids) or not(exists(neg_trigger))`, as the official tests read."""
    if not neg_triggers:
        return NO_VIOLATIONS
    if triggers and category.ids(party_tax_ids(ctx)):
        return NO_VIOLATIONS
    return (Violation(("seller", "tax_schemes")),)


def _line_ids(ctx: Ctx, category: Category) -> Found:
    use = category_use(ctx)
    triggers = _lines_matching(use, category.code)
    neg = _lines_matching(use, category.code, any_scheme=category.line_trigger_any_scheme)
    return _ids_rule(ctx, category, triggers, neg)


def _allowance_ids(ctx: Ctx, category: Category) -> Found:
    use = category_use(ctx)
    triggers = _matching(use.allowances, category.code,
                         any_scheme=category.allowance_trigger_any_scheme)
    return _ids_rule(ctx, category, triggers, _matching(use.allowances, category.code))


def _charge_ids(ctx: Ctx, category: Category) -> Found:
    use = category_use(ctx)
    triggers = _matching(use.charges, category.code,
                         any_scheme=category.allowance_trigger_any_scheme)
    # BR-AF-04 tests the absence with `cbc:ID='L'`, not normalised
    neg = _matching(use.charges, category.code, exact=category.code == "L")
    return _ids_rule(ctx, category, triggers, neg)


# --- -05/-06/-07: VAT rates -------------------------------------------------------------------


def _rates(matching: list[CategoryOccurrence], category: Category) -> Found:
    """The occurrences of the category (`_matching`) whose VAT rate breaks -05/-06/-07."""
    return [
        Violation((*o.path, "vat_rate"))
        for o in matching
        if category.rate.violated_by(o.rate)
    ]


def _line_rate(ctx: Ctx, category: Category) -> Found:
    return _rates(_lines_matching(category_use(ctx), category.code), category)


def _allowance_rate(ctx: Ctx, category: Category) -> Found:
    return _rates(_matching(category_use(ctx).allowances, category.code), category)


def _charge_rate(ctx: Ctx, category: Category) -> Found:
    return _rates(_matching(category_use(ctx).charges, category.code), category)


# --- -08/-09/-10: the breakdown of the category ----------------------------------------------


def _category_breakdowns(ctx: Ctx, category: Category) -> list[tuple[Path, VatBreakdown]]:
    """(path, breakdown) of `/*/cac:TaxTotal/cac:TaxSubtotal[TaxCategory = code, VAT]`."""
    return [(o.path, o.source) for o in _matching(category_use(ctx).breakdowns, category.code)]


# rule message by (category code, rule number), kept to add the figures to a violation
_MESSAGES: dict[tuple[str, int], str] = {}


def _detail(category: Category, number: int, figures: str) -> str:
    return f"{_MESSAGES[(category.code, number)]} {figures}"


def _within_shifted(taxable: Decimal, expected: Decimal) -> bool:
    return double_shift(taxable, -1) < expected < double_shift(taxable, 1)


def _sums(use: TaxCategoryUse, code: str, rate: Decimal | None) -> tuple[Decimal, Decimal]:
    """(line net amounts, charges - allowances) of the category, at `rate` unless None."""
    if rate is None:
        return use.line_net_by_code.get(code, ZERO), (
            use.charge_by_code.get(code, ZERO) - use.allowance_by_code.get(code, ZERO))
    key = (code, rate)
    return use.line_net_by_code_rate.get(key, ZERO), (
        use.charge_by_code_rate.get(key, ZERO) - use.allowance_by_code_rate.get(key, ZERO))


def _taxable_standard(use: TaxCategoryUse, rate: Decimal, taxable: Decimal) -> bool:
    """BR-S-08: the rate is used by a line or an allowance/charge, and the sums agree within 1;
    the alternative branch of the official test accepts allowances/charges alone."""
    lines, allowance_charges = _sums(use, "S", rate)
    line_used = any(o.rate == rate for o in _lines_matching(use, "S", any_scheme=True))
    ac_used = any(o.rate == rate
                  for o in _matching(use.all_allowance_charges(), "S", any_scheme=True))
    if (line_used or ac_used) and _within_shifted(taxable, lines + allowance_charges):
        return True
    return ac_used and _within_shifted(taxable, allowance_charges)


def _taxable_ok(ctx: Ctx, category: Category, breakdown: VatBreakdown) -> bool:
    rate = breakdown.vat_rate
    exact = category.taxable is Taxable.EXACT
    if not exact and rate is None:
        return True  # `every $rate in xs:decimal(cbc:Percent)` over nothing
    taxable = breakdown.taxable_amount
    if taxable is None:
        return False
    use = category_use(ctx)
    if category.taxable is Taxable.STANDARD:
        assert rate is not None
        return _taxable_standard(use, rate, taxable)
    if not document(ctx).lines:
        return False  # `exists(//cac:InvoiceLine) and ...`
    expected = sum(_sums(use, category.code, None if exact else rate), ZERO)
    return taxable == expected if exact else _within_shifted(taxable, expected)


def _breakdown_taxable(ctx: Ctx, category: Category) -> Found:
    found = []
    use = category_use(ctx)
    for path, breakdown in _category_breakdowns(ctx, category):
        if _taxable_ok(ctx, category, breakdown):
            continue
        rate = None if category.taxable is Taxable.EXACT else breakdown.vat_rate
        expected = sum(_sums(use, category.code, rate), ZERO)
        found.append(Violation((*path, "taxable_amount"), _detail(
            category, 8, f"The lines, charges and allowances of the category sum to "
            f"{money(expected)}, BT-116 is {money(breakdown.taxable_amount)}.")))
    return found


def _vat_ok(category: Category, breakdown: VatBreakdown) -> bool:
    tax = breakdown.tax_amount
    if tax is None:
        return False
    if category.zero_vat:
        return tax == 0
    taxable = breakdown.taxable_amount
    rate = breakdown.vat_rate
    return taxable is not None and rate is not None and \
        within_one(abs(tax), expected_vat(taxable, rate))


def _breakdown_vat(ctx: Ctx, category: Category) -> Found:
    found = []
    for path, breakdown in _category_breakdowns(ctx, category):
        if _vat_ok(category, breakdown):
            continue
        taxable, rate = breakdown.taxable_amount, breakdown.vat_rate
        expected = ZERO if category.zero_vat or taxable is None or rate is None \
            else expected_vat(taxable, rate)
        found.append(Violation((*path, "tax_amount"), _detail(
            category, 9, f"Expected {money(expected)}, BT-117 is {money(breakdown.tax_amount)}.")))
    return found


def _breakdown_exemption(ctx: Ctx, category: Category) -> Found:
    found = []
    for path, breakdown in _category_breakdowns(ctx, category):
        given = breakdown.exemption_reason is not None or \
            breakdown.exemption_reason_code is not None
        if given != category.exemption_required:
            found.append(Violation((*path, "exemption_reason")))
    return found


# --- registration ---------------------------------------------------------------------------

Check = Callable[[Ctx, Category], Found]


def _uses_code(code: str) -> Guard:
    """The guard of a category's rules: its code is used somewhere (normalised, any scheme)."""

    def uses(ctx: Ctx) -> bool:
        return code in category_use(ctx).codes

    uses.__name__ = f"uses_{code.lower()}"
    return uses


_GUARDS: dict[str, Guard] = {}  # one per category, so the runner tests it once per document


def _register(category: Category, number: int, check: Check, message: str, bt: str) -> None:
    code = category.code
    uses = _GUARDS.setdefault(code, _uses_code(code))

    def run(ctx: Ctx) -> Found:
        # every rule of a category needs its code somewhere; most documents use one or two
        if not uses(ctx):
            return NO_VIOLATIONS
        return check(ctx, category)

    _MESSAGES[(code, number)] = message
    run.__name__ = f"{check.__name__.lstrip('_')}_{category.code.lower()}"
    run.__doc__ = check.__doc__
    rule(f"{category.family}-{number:02d}", message, bt=bt, applies=uses)(run)


def _breakdown_check(category: Category) -> Check:
    if category.code == "S":
        return _standard_breakdown
    if category.code in ("L", "M"):
        return _canary_breakdown
    return _exactly_one_breakdown


def _register_category(c: Category) -> None:
    name = f'"{c.name}"'
    count = "at least one" if c.code in ("S", "L", "M") else "exactly one"
    _register(c, 1, _breakdown_check(c),
              f"An Invoice that contains an Invoice line (BG-25), a Document level allowance "
              f"(BG-20) or a Document level charge (BG-21) where the VAT category code (BT-151, "
              f"BT-95 or BT-102) is {name} shall contain {count} VAT breakdown (BG-23) with the "
              f"VAT category code (BT-118) {name}.", "BT-118")
    _register(c, 2, _line_ids, f"An Invoice that contains an Invoice line (BG-25) where the "
              f"Invoiced item VAT category code (BT-151) is {name} shall {c.ids_text}.", "BT-31")
    _register(c, 3, _allowance_ids, f"An Invoice that contains a Document level allowance "
              f"(BG-20) where the Document level allowance VAT category code (BT-95) is {name} "
              f"shall {c.ids_text}.", "BT-31")
    _register(c, 4, _charge_ids, f"An Invoice that contains a Document level charge (BG-21) "
              f"where the Document level charge VAT category code (BT-102) is {name} shall "
              f"{c.ids_text}.", "BT-31")
    _register(c, 5, _line_rate, f"In an Invoice line (BG-25) where the Invoiced item VAT "
              f"category code (BT-151) is {name} the Invoiced item VAT rate (BT-152) shall "
              f"{c.rate.value}.", "BT-152")
    _register(c, 6, _allowance_rate, f"In a Document level allowance (BG-20) where the Document "
              f"level allowance VAT category code (BT-95) is {name} the Document level "
              f"allowance VAT rate (BT-96) shall {c.rate.value}.", "BT-96")
    _register(c, 7, _charge_rate, f"In a Document level charge (BG-21) where the Document level "
              f"charge VAT category code (BT-102) is {name} the Document level charge VAT rate "
              f"(BT-103) shall {c.rate.value}.", "BT-103")
    per_rate = "" if c.taxable is Taxable.EXACT else " and the VAT rate (BT-152, BT-96, BT-103) " \
        "equals the VAT category rate (BT-119)"
    _register(c, 8, _breakdown_taxable, f"In a VAT breakdown (BG-23) where the VAT category code "
              f"(BT-118) is {name} the VAT category taxable amount (BT-116) shall equal the sum "
              f"of Invoice line net amounts (BT-131) plus the sum of Document level charge "
              f"amounts (BT-99) minus the sum of Document level allowance amounts (BT-92) where "
              f"the VAT category codes (BT-151, BT-102, BT-95) are {name}{per_rate}.", "BT-116")
    vat = "be 0 (zero)" if c.zero_vat else \
        "equal the VAT category taxable amount (BT-116) multiplied by the VAT category rate " \
        "(BT-119)"
    _register(c, 9, _breakdown_vat, f"The VAT category tax amount (BT-117) in a VAT breakdown "
              f"(BG-23) where the VAT category code (BT-118) is {name} shall {vat}.", "BT-117")
    reason = "shall have" if c.exemption_required else "shall not have"
    _register(c, 10, _breakdown_exemption, f"A VAT breakdown (BG-23) with VAT Category code "
              f"(BT-118) {name} {reason} a VAT exemption reason code (BT-121) or a VAT "
              f"exemption reason text (BT-120).", "BT-120")


for _category in CATEGORIES:
    _register_category(_category)


# --- category specific rules ----------------------------------------------------------------


def _breakdown_lists(use: TaxCategoryUse, code: str) -> bool:
    return bool(_matching(use.breakdowns, code))


@rule(
    "BR-IC-11",
    'In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is '
    '"Intra-community supply" the Actual delivery date (BT-72) or the Invoicing period (BG-14) '
    'shall not be blank.',
    bt="BT-72",
)
def intra_community_delivery_date(ctx: Ctx) -> Found:
    if not _breakdown_lists(category_use(ctx), "K"):
        return NO_VIOLATIONS
    doc = document(ctx)
    if doc.delivery is not None and doc.delivery.actual_delivery_date is not None:
        return NO_VIOLATIONS
    period = doc.invoice_period
    if period is not None and (period.start_date is not None or period.end_date is not None
                               or period.description_code is not None):
        return NO_VIOLATIONS
    return (Violation(("delivery", "actual_delivery_date")),)


@rule(
    "BR-IC-12",
    'In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is '
    '"Intra-community supply" the Deliver to country code (BT-80) shall not be blank.',
    bt="BT-80",
)
def intra_community_delivery_country(ctx: Ctx) -> Found:
    """`string-length(...IdentificationCode) > 1`: a one-letter code is blank too."""
    if not _breakdown_lists(category_use(ctx), "K"):
        return NO_VIOLATIONS
    delivery = document(ctx).delivery
    address = delivery.address if delivery is not None else None
    country = address.country_code if address is not None else None
    if country is not None and len(country) > 1:
        return NO_VIOLATIONS
    return (Violation(("delivery", "address", "country_code")),)


def _not_subject_with_others(ctx: Ctx, occurrences: list[CategoryOccurrence]) -> Found:
    if not _breakdown_lists(category_use(ctx), "O"):
        return NO_VIOLATIONS
    return [Violation((*o.path, "vat_category_code"))
            for o in occurrences if o.vat and o.norm != "O"]


@rule(
    "BR-O-11",
    'An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) '
    '"Not subject to VAT" shall not contain other VAT breakdown groups (BG-23).',
    bt="BT-118",
)
def not_subject_alone_in_breakdown(ctx: Ctx) -> Found:
    return _not_subject_with_others(ctx, category_use(ctx).breakdowns)


@rule(
    "BR-O-12",
    'An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) '
    '"Not subject to VAT" shall not contain an Invoice line (BG-25) where the Invoiced item VAT '
    'category code (BT-151) is not "Not subject to VAT".',
    bt="BT-151",
)
def not_subject_lines(ctx: Ctx) -> Found:
    return _not_subject_with_others(ctx, category_use(ctx).lines)


@rule(
    "BR-O-13",
    'An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) '
    '"Not subject to VAT" shall not contain Document level allowances (BG-20) where Document '
    'level allowance VAT category code (BT-95) is not "Not subject to VAT".',
    bt="BT-95",
)
def not_subject_allowances(ctx: Ctx) -> Found:
    return _not_subject_with_others(ctx, category_use(ctx).allowances)


@rule(
    "BR-O-14",
    'An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) '
    '"Not subject to VAT" shall not contain Document level charges (BG-21) where Document '
    'level charge VAT category code (BT-102) is not "Not subject to VAT".',
    bt="BT-102",
)
def not_subject_charges(ctx: Ctx) -> Found:
    return _not_subject_with_others(ctx, category_use(ctx).charges)


# --- BR-B: split payment (Italy) ------------------------------------------------------------


def _uses_code_as_written(use: TaxCategoryUse, code: str) -> bool:
    """`cbc:ID = code` (not normalised, any scheme) in the breakdown, the lines and the
    allowances/charges (BR-B-01 looks at every `//cac:AllowanceCharge`, BR-B-02 at those of
    the document: the same in the canonical model, where only those carry a category)."""
    return any(
        o.code == code
        for group in (use.breakdowns, use.lines, use.allowances, use.charges,
                      use.other_allowance_charges)
        for o in group
    )


def _country_codes(ctx: Ctx) -> Iterable[tuple[Path, str | None]]:
    """Every `cbc:IdentificationCode` of the document: addresses and item origin countries."""
    doc = document(ctx)
    parties = (("seller", doc.seller), ("buyer", doc.buyer),
               ("tax_representative", doc.tax_representative), ("delivery", doc.delivery))
    for key, party in parties:
        address = party.address if party is not None else None
        if address is not None:
            yield (key, "address", "country_code"), address.country_code
    for index, line in enumerate(doc.lines):
        if line.item is not None:
            yield ("lines", index, "item", "origin_country"), line.item.origin_country


@rule(
    "BR-B-01",
    'An Invoice where the VAT category code (BT-151, BT-95 or BT-102) is "Split payment" shall '
    'be a domestic Italian invoice.',
    bt="BT-151",
)
def split_payment_domestic(ctx: Ctx) -> Found:
    if not _uses_code_as_written(category_use(ctx), "B"):
        return NO_VIOLATIONS
    foreign = [path for path, code in _country_codes(ctx) if code is not None and code != "IT"]
    return (Violation(foreign[0]),) if foreign else NO_VIOLATIONS


@rule(
    "BR-B-02",
    'An Invoice that contains an Invoice line (BG-25), a Document level allowance (BG-20) or a '
    'Document level charge (BG-21) where the VAT category code (BT-151, BT-95, BT-118 or '
    'BT-102) is "Split payment" shall not contain an invoice line (BG-25), a Document level '
    'allowance (BG-20) or a Document level charge (BG-21) where the VAT category code (BT-151, '
    'BT-95, BT-118 or BT-102) is "Standard rated".',
    bt="BT-151",
)
def split_payment_without_standard(ctx: Ctx) -> Found:
    use = category_use(ctx)
    if _uses_code_as_written(use, "B") and _uses_code_as_written(use, "S"):
        return (Violation(_breakdown_path(use)),)
    return NO_VIOLATIONS
