"""One rule text, two rule sets: Peppol BIS Billing 3.0 and Peppol BIS Self-Billing 3.0.

PEPPOL-EN16931-UBL-SB.sch repeats the billing rules with a few differences: its own
CustomizationID (R004) and ProfileID (R007), its own type codes (P0100, P0101), its own
embedded code lists, no P0112 and no national rules, and R051 does not look at the VAT
subtotal amounts. A `Flavour` holds those differences; a `RuleTable` collects the rule
functions of a module once and registers them for each flavour under its rule set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from gateway.findings import Severity
from gateway.validation.rules._peppol_helpers import normalize_space
from gateway.validation.rules.registry import (
    RULE_SET_PEPPOL,
    RULE_SET_PEPPOL_SB,
    Guard,
    RuleContext,
    RuleFunc,
    Violation,
    rule,
)


@dataclass(frozen=True, slots=True)
class Flavour:
    rule_set: str
    title: str
    customization_prefix: str  # PEPPOL-EN16931-R004
    profiles_01: frozenset[str]  # ProfileIDs that select profile '01' ($profile)
    invoice_types: str  # code list names (gateway.codelists)
    credit_note_types: str
    currencies: str
    eas: str
    mime_codes: str
    allowance_reasons: str
    charge_reasons: str
    period_codes: str
    r051_checks_subtotal_tax: bool
    type_code_profiles: frozenset[str]  # $profile values under which P0100/P0101 apply
    omitted: frozenset[str] = field(default_factory=frozenset)  # ids the sch does not have


_FRANCE_PROFILES = (
    "urn:peppol:france:billing:regulated",
    "urn:peppol:france:billing:non-regulated",
)
PROFILE_02 = "urn:peppol:bis:billing_with_response"

BILLING = Flavour(
    rule_set=RULE_SET_PEPPOL,
    title="Peppol BIS Billing 3.0",
    customization_prefix=(
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    ),
    profiles_01=frozenset(("urn:fdc:peppol.eu:2017:poacc:billing:01:1.0", *_FRANCE_PROFILES)),
    invoice_types="peppol-invoice-type-codes",
    credit_note_types="peppol-credit-note-type-codes",
    currencies="peppol-currency-codes",
    eas="peppol-eas-schemes",
    mime_codes="peppol-mime-codes",
    allowance_reasons="peppol-allowance-reason-codes",
    charge_reasons="peppol-charge-reason-codes",
    period_codes="peppol-invoice-period-description-codes",
    r051_checks_subtotal_tax=True,
    type_code_profiles=frozenset({"01", "02"}),
)

SELF_BILLING = Flavour(
    rule_set=RULE_SET_PEPPOL_SB,
    title="Peppol BIS Self-Billing 3.0",
    customization_prefix=(
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:selfbilling:3.0"
    ),
    profiles_01=frozenset(
        ("urn:fdc:peppol.eu:2017:poacc:selfbilling:01:1.0", *_FRANCE_PROFILES)
    ),
    invoice_types="peppol-sb-invoice-type-codes",
    credit_note_types="peppol-sb-credit-note-type-codes",
    currencies="peppol-sb-currency-codes",
    eas="peppol-sb-eas-schemes",
    mime_codes="peppol-sb-mime-codes",
    allowance_reasons="peppol-sb-allowance-reason-codes",
    charge_reasons="peppol-sb-charge-reason-codes",
    period_codes="peppol-sb-invoice-period-description-codes",
    r051_checks_subtotal_tax=False,
    type_code_profiles=frozenset({"01"}),
    omitted=frozenset({"PEPPOL-EN16931-P0112"}),
)

FlavouredRule = Callable[[RuleContext[Any], Flavour], Iterable[Violation]]


@dataclass(frozen=True, slots=True)
class _Entry:
    rule_id: str
    message: str
    func: FlavouredRule
    severity: Severity
    bt: str | None


class RuleTable:
    """The rules of one module, registered once per flavour."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    def rule(self, rule_id: str, message: str, *, severity: Severity = Severity.FATAL,
             bt: str | None = None) -> Callable[[FlavouredRule], FlavouredRule]:
        def collect(func: FlavouredRule) -> FlavouredRule:
            self._entries.append(_Entry(rule_id, message, func, severity, bt))
            return func

        return collect

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(entry.rule_id for entry in self._entries)

    def register(self, flavour: Flavour) -> None:
        for entry in self._entries:
            if entry.rule_id in flavour.omitted:
                continue
            rule(entry.rule_id, entry.message, rule_set=flavour.rule_set,
                 severity=entry.severity, bt=entry.bt)(_bind(entry.func, flavour))


def _bind(func: FlavouredRule, flavour: Flavour) -> Callable[[RuleContext[Any]],
                                                              Iterable[Violation]]:
    def bound(ctx: RuleContext[Any]) -> Iterable[Violation]:
        return func(ctx, flavour)

    bound.__name__ = func.__name__
    bound.__doc__ = func.__doc__
    return bound


def profile_of(profile_id: str | None, flavour: Flavour) -> str:
    """The Schematron's `$profile`: '01', '02' or 'Unknown'."""
    value = normalize_space(profile_id)
    if value in flavour.profiles_01:
        return "01"
    if value == PROFILE_02:
        return "02"
    return "Unknown"


def national_rule(rule_id: str, message: str, *, severity: Severity = Severity.FATAL,
                  bt: str | None = None, applies: Guard | None = None
                  ) -> Callable[[RuleFunc], RuleFunc]:
    """Register a national rule: Peppol BIS Billing only (the self-billing sch has none)."""
    return rule(rule_id, message, rule_set=RULE_SET_PEPPOL, severity=severity, bt=bt,
                applies=applies)


class NationalRules:
    """The `rule` decorator of one country's rules, all guarded by the country's condition.

    Every national rule tests its country first (`$supplierCountry = 'NO'`, both parties
    German, ...); the guard lets the runner skip the whole family after one test when the
    document is not of that country. The rules keep their own test.
    """

    def __init__(self, applies: Guard) -> None:
        self.applies = applies

    def __call__(self, rule_id: str, message: str, *, severity: Severity = Severity.FATAL,
                 bt: str | None = None) -> Callable[[RuleFunc], RuleFunc]:
        return national_rule(rule_id, message, severity=severity, bt=bt, applies=self.applies)
