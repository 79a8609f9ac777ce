"""String semantics of the Peppol Schematron, for the Peppol rule modules.

The official rules are XPath 2.0; these helpers reproduce the functions they use exactly
(`normalize-space`, `number()`, `castable as xs:integer`) and the identifier checks of
PEPPOL-EN16931-UBL.sch (`u:gln`, `u:mod11`, `u:mod97-0208`, `u:checkSEOrgnr`, `u:abn`,
`u:checkCodiceIPA`, `u:checkCF`, `u:checkPIVAseIT`). Where python-stdnum implements the
same algorithm it is used; where the Schematron checks something else (a format only, or a
different range) the Schematron wins, because the official rules are the judge.
"""

from __future__ import annotations

import re
from decimal import Decimal

from stdnum import ean, luhn
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

_XML_SPACE = re.compile(r"[ \t\n\r]+")
# xs:double lexical space (what XPath number() accepts), surrounded by optional whitespace.
_XS_DOUBLE = re.compile(
    r"[ \t\n\r]*(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF)[ \t\n\r]*"
)
_XS_INTEGER = re.compile(r"[ \t\n\r]*[+-]?[0-9]+[ \t\n\r]*")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_ASCII_ALNUM = _ASCII_LETTERS | frozenset("0123456789")


def normalize_space(value: str | None) -> str:
    """XPath `normalize-space()`: trim and collapse XML whitespace; absent is ''."""
    if not value:
        return ""
    if value.isascii():
        # For ASCII text str.split() splits on XML whitespace (plus control characters that
        # XML 1.0 does not allow), and it is several times faster than the regex.
        return " ".join(value.split())
    return _XML_SPACE.sub(" ", value).strip(" ")


def is_number(value: str | None) -> bool:
    """`string(number(value)) != 'NaN'` in XPath 2.0."""
    return value is not None and _XS_DOUBLE.fullmatch(value) is not None


def castable_as_integer(value: str | None) -> bool:
    """`value castable as xs:integer`."""
    return value is not None and _XS_INTEGER.fullmatch(value) is not None


def digits_only(value: str) -> bool:
    """`matches(value, '^[0-9]+$')`: one or more ASCII digits and nothing else."""
    return _ASCII_DIGITS.fullmatch(value) is not None


def slack(expected: Decimal, value: Decimal, tolerance: Decimal) -> bool:
    """`u:slack(exp, val, slack)`: `exp - slack <= val <= exp + slack`."""
    return expected - tolerance <= value <= expected + tolerance


# --- identifier checks (PEPPOL-COMMON-R040..R057), each on the normalize-space()d value ---


def gln_ok(value: str) -> bool:
    """PEPPOL-COMMON-R040 (0088): digits and a valid GS1 mod-10 check digit, any length.

    `u:gln` weighs the digits 3,1,3,... from the right like EAN; stdnum's `ean.validate`
    also limits the length to 8/12/13/14, which the rule does not, so only the check-digit
    function is used.
    """
    return digits_only(value) and ean.calc_check_digit(value[:-1]) == value[-1]


def no_orgnr_ok(value: str) -> bool:
    """PEPPOL-COMMON-R041 (0192): nine digits, mod-11 check digit (`u:mod11`), not all zero."""
    return (
        len(value) == 9
        and digits_only(value)
        and int(value) > 0
        and no_orgnr.checksum(value) == 0
    )


def _dk_prefixed_digits(value: str) -> bool:
    return len(value) == 10 and value.startswith("DK") and value[2:].isascii() and (
        value[2:].isdigit()
    )


def dk_cvr_format_ok(raw: str) -> bool:
    """PEPPOL-COMMON-R042 (0184): 'DK' + 8 digits, or 8 digits (format only, no checksum).

    The rule tests the unnormalised string; python-stdnum's `dk.cvr` also verifies a check
    digit that the rule does not, so it is not used here.
    """
    if _dk_prefixed_digits(raw):
        return True
    return len(raw) == 8 and digits_only(raw)


def dk_p_number_ok(raw: str) -> bool:
    """PEPPOL-COMMON-R052 (0096): exactly ten digits (unnormalised string)."""
    return len(raw) == 10 and digits_only(raw)


def dk_erstorg_ok(raw: str) -> bool:
    """PEPPOL-COMMON-R053 (0198): 'DK' + 8 digits (unnormalised string)."""
    return _dk_prefixed_digits(raw)


def be_enterprise_ok(value: str) -> bool:
    """PEPPOL-COMMON-R043 (0208): ten digits, digits 9-10 = 97 - (digits 1-8 mod 97).

    python-stdnum's `be.vat` accepts check digits 00/98/99 in edge cases and requires a
    leading 0 or 1, neither of which the rule does, so the rule's formula is used.
    """
    if len(value) != 10 or not digits_only(value):
        return False
    return int(value[8:]) == 97 - int(value[:8]) % 97


def se_orgnr_luhn_ok(value: str) -> bool:
    """`u:checkSEOrgnr`: digits only; the 10th digit is the Luhn check digit of the first 9.

    Characters after the tenth are ignored and a shorter value fails, as in the function.
    """
    return digits_only(value) and len(value) >= 10 and luhn.is_valid(value[:10])


def se_orgnr_ok(value: str) -> bool:
    """PEPPOL-COMMON-R049 (0007): ten digits with a Luhn check digit (stdnum `se.orgnr`).

    The rule's `number()` test and `u:checkSEOrgnr` together admit exactly ten ASCII digits.
    """
    return len(value) == 10 and digits_only(value) and bool(se_orgnr.is_valid(value))


_ABN_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)


def abn_ok(value: str) -> bool:
    """PEPPOL-COMMON-R050 (0151): eleven digits and `u:abn` (first digit minus one, mod 89).

    python-stdnum's `au.abn` derives the two leading digits in the range 11-99 and so rejects
    numbers starting 0x or 10 that the rule accepts; the rule's formula is used.
    """
    if len(value) != 11 or not digits_only(value):
        return False
    digits = [int(c) for c in value]
    digits[0] -= 1
    return sum(w * d for w, d in zip(_ABN_WEIGHTS, digits, strict=True)) % 89 == 0


def it_ipa_ok(value: str) -> bool:
    """PEPPOL-COMMON-R044 (0201, warning): six ASCII letters or digits (`u:checkCodiceIPA`)."""
    return len(value) == 6 and all(c in _ASCII_ALNUM for c in value)


def _letters(value: str) -> bool:
    return all(c in _ASCII_LETTERS for c in value)


def _cf16_ok(value: str) -> bool:
    return (
        _letters(value[0:6])
        and castable_as_integer(value[6:8])
        and _letters(value[8:9])
        and castable_as_integer(value[9:11])
        and castable_as_integer(value[14:15])
        and _letters(value[15:16])
    )


def it_cf_ok(value: str) -> bool:
    """PEPPOL-COMMON-R045/R046 (0210/9907, warning): `u:checkCF`, the Codice Fiscale shape.

    Sixteen characters in the personal pattern, or eleven that read as an integer; no check
    character is verified (python-stdnum's `it.codicefiscale` would verify it).
    """
    if len(value) == 16:
        return _cf16_ok(value)
    if len(value) == 11:
        return castable_as_integer(value)
    return False


def it_piva_ok(value: str) -> bool:
    """PEPPOL-COMMON-R047 (0211, warning): `u:checkPIVAseIT`.

    Values starting 'IT'/'it' must continue with eleven digits whose Luhn sum is 0 mod 10
    (`u:addPIVA`); any other value passes. python-stdnum's `it.iva` adds office-code checks
    the rule does not make, so only its Luhn core (`stdnum.luhn`) is used.
    """
    if value[:2] not in ("IT", "it"):
        return True
    code = value[2:]
    return len(code) == 11 and digits_only(code) and luhn.is_valid(code)


_NL_VAT = re.compile(r"NL[0-9]{9}B[0-9]{2}")


def nl_vat_ok(value: str) -> bool:
    """PEPPOL-COMMON-R056-1/-2 (warning): NL + nine digits + B + two digits."""
    return _NL_VAT.fullmatch(value) is not None


def fixed_digits_ok(value: str, count: int) -> bool:
    """`matches(value, '^[0-9]{count}$')` (PEPPOL-COMMON-R054, R055, R057)."""
    return len(value) == count and digits_only(value)


def xpath_number(value: str | None) -> float:
    """XPath `number(value)`: the double value, or NaN."""
    if not is_number(value):
        return float("nan")
    assert value is not None
    return float(value.strip(" \t\n\r"))


_TIN_WEIGHTS = (256, 128, 64, 32, 16, 8, 4, 2)


def greek_tin_ok(value: str) -> bool:
    """`u:TinVerification`: the 9th digit is (sum of digits 1-8 x 256..2) mod 11 mod 10.

    Only the first nine characters count, as in the function; a non-digit among them fails.
    """
    if len(value) < 9 or not value[:9].isascii() or not value[:9].isdigit():
        return False
    total = sum(w * int(d) for w, d in zip(_TIN_WEIGHTS, value[:8], strict=True))
    return total % 11 % 10 == int(value[8])


_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{0,30}")
_ANY_SPACE = re.compile(r"[ \t\n\r]")


def de_iban_ok(value: str | None) -> bool:
    """The IBAN test of DE-R-019 / DE-R-020 (XRechnung): shape, then mod 97 = 1.

    Whitespace is removed; letters count as their code point minus 55 (lower-case letters
    too, as in the rule), and only the country code is upper-cased.
    """
    compact = _ANY_SPACE.sub("", value or "")
    if not _IBAN_SHAPE.fullmatch(compact):
        return False
    rearranged = compact[4:] + compact[:2].upper() + compact[2:4]
    digits = "".join(str(ord(c) - 55) if ord(c) > 64 else str(ord(c) - 48) for c in rearranged)
    return int(digits) % 97 == 1
