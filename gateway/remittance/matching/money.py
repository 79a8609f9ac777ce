"""Exact money arithmetic for the matcher: amounts in integer minor units of their currency.

The matcher adds and compares many amounts (subset sums over open items), so it works in
integers: 12.34 EUR is 1234. Conversion from and to `Decimal` is exact; an amount with more
decimals than its currency has (ISO 4217 minor unit) is rounded half-up, which only happens
with malformed input.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units that differ from 2.
_EXPONENTS: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3, "CLF": 4, "UYW": 4,
}


def exponent(currency: str | None) -> int:
    """Number of decimals of the currency's minor unit (2 when unknown)."""
    return _EXPONENTS.get(currency or "", 2)


def to_minor(amount: Decimal, currency: str | None) -> int:
    scaled = amount.scaleb(_EXPONENTS.get(currency or "", 2))
    minor = int(scaled)
    if minor != scaled:  # more decimals than the currency has: malformed, round half-up
        minor = int(scaled.to_integral_value(rounding=ROUND_HALF_UP))
    return minor


def from_minor(minor: int, currency: str | None) -> Decimal:
    places = exponent(currency)
    return Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def format_minor(minor: int, currency: str | None) -> str:
    return format(from_minor(minor, currency), "f")
