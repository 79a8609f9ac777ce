"""Value codecs: how a mapping entry reads a UBL text value and writes it back.

Every codec is a pair `read(text) -> value` / `write(value) -> str` with
`read(write(v)) == v` for every value the canonical model can hold. `read` is strict about
the lexical form (the XML Schema lexical space of the UBL data type) and raises `CodecError`
with a message that names the problem; the engine turns that into a finding and drops the
value (lenient parsing). `write` accepts the Python value of a model field (Decimal, date,
bool, str) or its JSON form (str), so the engine renders models and plain dicts alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any


class CodecError(ValueError):
    """A text value that cannot be read as the codec's type."""


# xsd:decimal: optional sign, digits, optional fraction; no exponent, no grouping.
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
# EN 16931 / PEPPOL-EN16931-F001: dates are YYYY-MM-DD, no time zone.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")
_INTEGER = re.compile(r"[+-]?\d+")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


def read_text(text: str) -> str:
    return text


def _write_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _read_decimal(text: str) -> Decimal:
    stripped = text.strip()
    if stripped.replace(".", "", 1).lstrip("+-").isdecimal():
        # Only signs, digits and one point (the regex's \d is str.isdecimal()): the common
        # case, read without the regex. Decimal refuses what the regex would (two signs, a
        # sign after the point) and accepts exactly the rest.
        try:
            return Decimal(stripped)
        except InvalidOperation:
            pass
    elif _DECIMAL.fullmatch(stripped):
        return Decimal(stripped)
    raise CodecError(f"{text!r} is not a decimal number")


def _write_decimal(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _read_integer(text: str) -> int:
    stripped = text.strip()
    if not _INTEGER.fullmatch(stripped):
        raise CodecError(f"{text!r} is not an integer")
    return int(stripped)


def _read_date(text: str) -> date:
    stripped = text.strip()
    if not _DATE.fullmatch(stripped):
        raise CodecError(f"{text!r} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(stripped)
    except ValueError:
        raise CodecError(f"{text!r} is not a valid calendar date") from None


def _write_date(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _read_time(text: str) -> str:
    stripped = text.strip()
    if not _TIME.fullmatch(stripped):
        raise CodecError(f"{text!r} is not a time in the form hh:mm:ss")
    return stripped


def _read_boolean(text: str) -> bool:
    try:
        return _BOOLEANS[text.strip()]
    except KeyError:
        raise CodecError(f"{text!r} is not a boolean (true or false)") from None


def _write_boolean(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class Codec:
    name: str
    read: Callable[[str], Any]
    write: Callable[[Any], str]
    description: str


CODECS: dict[str, Codec] = {
    codec.name: codec
    for codec in (
        Codec("text", read_text, _write_text, "text kept exactly as written"),
        Codec("code", read_text, _write_text, "a code-list value, kept exactly as written"),
        Codec("binary", read_text, _write_text, "base64 content, kept exactly as written"),
        Codec("decimal", _read_decimal, _write_decimal,
              "xsd:decimal, read into Decimal keeping its scale (\"25.0\" stays \"25.0\")"),
        Codec("integer", _read_integer, _write_text, "xsd:integer"),
        Codec("date", _read_date, _write_date, "YYYY-MM-DD (no time zone)"),
        Codec("time", _read_time, _write_text, "hh:mm:ss[.fff][zone], kept as text"),
        Codec("boolean", _read_boolean, _write_boolean, "true / false (1 / 0 read too)"),
    )
}


def get_codec(name: str) -> Codec:
    try:
        return CODECS[name]
    except KeyError:
        raise KeyError(f"unknown codec {name!r}; known: {', '.join(sorted(CODECS))}") from None
