"""Peppol identifier format rules PEPPOL-COMMON-R040..R057 (PEPPOL-EN16931-UBL.sch 3.0.21).

Each rule checks cbc:EndpointID, cac:PartyIdentification/cbc:ID and cbc:CompanyID carrying
one ICD/EAS @schemeID (0088 GLN, 0192 Norwegian, 0184/0096/0198 Danish, 0208 Belgian,
0007 Swedish, 0151 Australian, Italian and Dutch schemes). The schemeID comparison is exact
and one rule claims each element, as in the Schematron pattern. The check functions are in
_peppol_helpers (python-stdnum where its algorithm is the rule's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from gateway.findings import Severity
from gateway.validation.rules._peppol_flavour import BILLING, Flavour, RuleTable
from gateway.validation.rules._peppol_helpers import (
    abn_ok,
    be_enterprise_ok,
    dk_cvr_format_ok,
    dk_erstorg_ok,
    dk_p_number_ok,
    fixed_digits_ok,
    gln_ok,
    it_cf_ok,
    it_ipa_ok,
    it_piva_ok,
    nl_vat_ok,
    no_orgnr_ok,
    normalize_space,
    se_orgnr_ok,
)
from gateway.validation.rules._peppol_walk import KIND_ENDPOINT, IdentifierRef, identifiers
from gateway.validation.rules.registry import RuleContext, Violation

TABLE = RuleTable()

Check = Callable[[str], bool]


def _by_scheme(ctx: RuleContext[Any]) -> dict[str, list[IdentifierRef]]:
    def group() -> dict[str, list[IdentifierRef]]:
        grouped: dict[str, list[IdentifierRef]] = {}
        for ref in identifiers(ctx):
            if ref.scheme is not None:
                grouped.setdefault(ref.scheme, []).append(ref)
        return grouped

    result: dict[str, list[IdentifierRef]] = ctx.memo("peppol.ids-by-scheme", group)
    return result


def _format_rule(scheme: str, check: Check, *, normalized: bool = True,
                 endpoint_only: bool = False) -> Callable[[RuleContext[Any], Flavour],
                                                          Iterator[Violation]]:
    def rule_func(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
        for ref in _by_scheme(ctx).get(scheme, ()):
            if endpoint_only and ref.kind != KIND_ENDPOINT:
                continue
            value = normalize_space(ref.value) if normalized else ref.value
            if not check(value):
                yield Violation(ref.path, f"{ref.value!r} is not a valid identifier of "
                                f"scheme {scheme}.")

    rule_func.__name__ = f"scheme_{scheme}"
    return rule_func


_FATAL = Severity.FATAL
_WARNING = Severity.WARNING

# (rule id, scheme, check, normalize-space()d, EndpointID only, severity, message)
_RULES: tuple[tuple[str, str, Check, bool, bool, Severity, str], ...] = (
    ("PEPPOL-COMMON-R040", "0088", gln_ok, True, False, _FATAL,
     "GLN must have a valid format according to GS1 rules."),
    ("PEPPOL-COMMON-R041", "0192", no_orgnr_ok, True, False, _FATAL,
     "Norwegian organization number MUST be stated in the correct format."),
    ("PEPPOL-COMMON-R042", "0184", dk_cvr_format_ok, False, False, _FATAL,
     "Danish organization number (CVR) MUST be stated in the correct format."),
    ("PEPPOL-COMMON-R052", "0096", dk_p_number_ok, False, False, _FATAL,
     "Danish chamber of commerce number (P) MUST be stated in the correct format."),
    ("PEPPOL-COMMON-R053", "0198", dk_erstorg_ok, False, False, _FATAL,
     "Danish ERSTORG number (SE) MUST be stated in the correct format."),
    ("PEPPOL-COMMON-R043", "0208", be_enterprise_ok, True, False, _FATAL,
     "Belgian enterprise number MUST be stated in the correct format."),
    ("PEPPOL-COMMON-R044", "0201", it_ipa_ok, True, False, _WARNING,
     "IPA Code (Codice Univoco Unità Organizzativa) must be stated in the correct format."),
    ("PEPPOL-COMMON-R045", "0210", it_cf_ok, True, False, _WARNING,
     "Tax Code (Codice Fiscale) must be stated in the correct format."),
    ("PEPPOL-COMMON-R046", "9907", it_cf_ok, True, True, _WARNING,
     "Tax Code (Codice Fiscale) must be stated in the correct format."),
    ("PEPPOL-COMMON-R047", "0211", it_piva_ok, True, False, _WARNING,
     "Italian VAT Code (Partita Iva) must be stated in the correct format."),
    ("PEPPOL-COMMON-R049", "0007", se_orgnr_ok, True, False, _FATAL,
     "Swedish organization number MUST be stated in the correct format."),
    ("PEPPOL-COMMON-R050", "0151", abn_ok, True, False, _FATAL,
     "Australian Business Number (ABN) MUST be stated in the correct format."),
    ("PEPPOL-COMMON-R054", "0106", lambda v: fixed_digits_ok(v, 8), True, False, _WARNING,
     "Dutch Chamber of Commerce (KVK) numbers (0106) MUST be stated in the correct format "
     "(12345678)."),
    ("PEPPOL-COMMON-R055", "0190", lambda v: fixed_digits_ok(v, 20), True, False, _WARNING,
     "Dutch organization identification numbers (0190) MUST be stated in the correct format "
     "(12345678901234567890)."),
    ("PEPPOL-COMMON-R056-1", "9944", nl_vat_ok, True, False, _WARNING,
     "Dutch VAT numbers (9944) MUST be stated in the correct format (NL123456789B12)."),
    ("PEPPOL-COMMON-R057", "0217", lambda v: fixed_digits_ok(v, 12), True, False, _WARNING,
     "Dutch Chamber of Commerce Establishment numbers (0217) MUST be stated in the correct "
     "format (123456789012)."),
)

for _id, _scheme, _check, _normalized, _endpoint_only, _severity, _message in _RULES:
    TABLE.rule(_id, _message, severity=_severity)(
        _format_rule(_scheme, _check, normalized=_normalized, endpoint_only=_endpoint_only)
    )


@TABLE.rule("PEPPOL-COMMON-R056-2", "Dutch VAT numbers MUST have the format (NL123456789B12).",
            severity=Severity.WARNING, bt="BT-31")
def dutch_vat_number(ctx: RuleContext[Any], flavour: Flavour) -> Iterator[Violation]:
    doc = ctx.model
    for role in ("seller", "buyer", "tax_representative"):
        party = getattr(doc, role)
        if party is None:
            continue
        for index, scheme in enumerate(party.tax_schemes):
            # An absent tax_scheme_id is the implied VAT of the binding.
            is_vat = scheme.tax_scheme_id is None or normalize_space(scheme.tax_scheme_id) == "VAT"
            value = normalize_space(scheme.company_id)
            if is_vat and value.startswith("NL") and not nl_vat_ok(value):
                yield Violation((role, "tax_schemes", index, "company_id"))


TABLE.register(BILLING)
