"""Peppol BIS Self-Billing 3.0 rules (PEPPOL-EN16931-UBL-SB.sch 3.0.2, rule set PEPPOL-SB).

The self-billing Schematron repeats the billing rules (PEPPOL-EN16931-R*, -CL*, -P*,
PEPPOL-COMMON-R*) with its own specification identifier, profile, type codes (P0100: 389,
527; P0101: 261) and embedded code lists, without P0112 and the national rules, and with
R051 not applied to the VAT subtotal amounts. Those differences are the `SELF_BILLING`
flavour; the rule functions are the billing ones.
"""

from __future__ import annotations

from gateway.validation.rules import peppol_codelists, peppol_identifiers, peppol_rules
from gateway.validation.rules._peppol_flavour import SELF_BILLING

for _table in (peppol_rules.TABLE, peppol_codelists.TABLE, peppol_identifiers.TABLE):
    _table.register(SELF_BILLING)
