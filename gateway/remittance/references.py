"""Creditor references: recognising and checking them (ISO 11649 RF, Swiss QR/ISR).

Check digits are what make a structured reference trustworthy: ISO 11649 uses ISO 7064
MOD 97-10, which catches every single-character substitution and every transposition of
adjacent characters, and the Swiss QR reference (QRR, 27 digits) and its ISR predecessor use
the recursive mod-10 check digit. Both come from python-stdnum (`stdnum.iso11649`,
`stdnum.ch.esr`).
"""

from __future__ import annotations

import re

from stdnum import iso11649
from stdnum.ch import esr
from stdnum.iso7064 import mod_97_10

from gateway.remittance.model import CreditorReference, ReferenceScheme

_RF_IN_TEXT = re.compile(r"\bRF\s?\d{2}(?:\s?[A-Z0-9]){1,21}\b")
_SPACES = re.compile(r"\s+")


def compact(reference: str) -> str:
    """Upper case without spaces (how references are compared)."""
    return _SPACES.sub("", reference).upper()


def is_valid_rf(reference: str) -> bool:
    """ISO 11649: "RF", two check digits, 1-21 alphanumerics; MOD 97-10 over the rearranged
    string."""
    return bool(iso11649.is_valid(compact(reference)))


def make_rf(core: str) -> str:
    """The ISO 11649 reference for an alphanumeric core of at most 21 characters."""
    body = compact(core)
    return "RF" + mod_97_10.calc_check_digits(body + "RF") + body


def rf_core(reference: str) -> str:
    """The part after "RF" and the check digits."""
    return compact(reference)[4:]


def is_valid_qrr(reference: str) -> bool:
    """Swiss QR reference (and ISR): 27 digits, the last one a recursive mod-10 check digit."""
    value = compact(reference)
    return len(value) == 27 and value.isdigit() and bool(esr.is_valid(value))


def classify(reference: str, type_code: str | None = None,
             issuer: str | None = None) -> CreditorReference:
    """A `CreditorReference` with its scheme from the type code or, failing that, its shape."""
    code = (type_code or "").upper()
    value = compact(reference)
    if code == "SCOR" or (not code and value.startswith("RF") and is_valid_rf(value)):
        scheme = ReferenceScheme.ISO11649
    elif code in ("QRR", "QRREF"):
        scheme = ReferenceScheme.SWISS_QR
    elif code.startswith(("ISR", "ESR")):
        scheme = ReferenceScheme.SWISS_ISR
    elif code == "CUR":
        scheme = ReferenceScheme.NL_CURRENCE
    else:
        scheme = ReferenceScheme.OTHER
    return CreditorReference(reference=reference.strip(), scheme=scheme, issuer=issuer,
                             type_code=type_code)


def has_valid_check_digits(reference: CreditorReference) -> bool | None:
    """True/False for schemes with check digits, None for schemes without."""
    if reference.scheme is ReferenceScheme.ISO11649:
        return is_valid_rf(reference.reference)
    if reference.scheme in (ReferenceScheme.SWISS_QR, ReferenceScheme.SWISS_ISR):
        return is_valid_qrr(reference.reference)
    return None


def rf_references_in_text(text: str) -> list[str]:
    """RF references written into free text (spaces allowed in groups of four, as printed)."""
    return [compact(m.group(0)) for m in _RF_IN_TEXT.finditer(text.upper())]
