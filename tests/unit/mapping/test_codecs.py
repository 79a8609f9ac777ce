"""Codecs read the UBL lexical forms strictly and write back what they read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gateway.mapping.codecs import CODECS, CodecError


@pytest.mark.parametrize("text", ["25.0", "-1500", "0.00", "1325", ".5", "+3", "  7.10 "])
def test_decimal_reads_xsd_decimals_keeping_scale(text: str) -> None:
    value = CODECS["decimal"].read(text)
    assert value == Decimal(text.strip())
    assert CODECS["decimal"].read(CODECS["decimal"].write(value)) == value


def test_decimal_keeps_trailing_zeros() -> None:
    assert CODECS["decimal"].write(CODECS["decimal"].read("25.0")) == "25.0"


@pytest.mark.parametrize("text", ["", "1e3", "1,5", "NaN", "Infinity", "1_000", "12.5 EUR"])
def test_decimal_refuses_other_forms(text: str) -> None:
    with pytest.raises(CodecError, match="not a decimal"):
        CODECS["decimal"].read(text)


def test_date_is_strict_yyyy_mm_dd() -> None:
    assert CODECS["date"].read("2017-11-13") == date(2017, 11, 13)
    assert CODECS["date"].write(date(2017, 1, 3)) == "2017-01-03"
    for text in ("20171113", "2017-11-13Z", "13.11.2017", ""):
        with pytest.raises(CodecError, match="YYYY-MM-DD"):
            CODECS["date"].read(text)
    with pytest.raises(CodecError, match="not a valid calendar date"):
        CODECS["date"].read("2017-13-45")


def test_boolean_and_integer_and_time() -> None:
    assert CODECS["boolean"].read("true") is True
    assert CODECS["boolean"].read(" false ") is False
    assert CODECS["boolean"].write(False) == "false"
    with pytest.raises(CodecError):
        CODECS["boolean"].read("yes")
    assert CODECS["integer"].read("42") == 42
    with pytest.raises(CodecError):
        CODECS["integer"].read("4.2")
    assert CODECS["time"].read("12:30:00+01:00") == "12:30:00+01:00"
    with pytest.raises(CodecError):
        CODECS["time"].read("12:30")


def test_text_is_kept_exactly() -> None:
    assert CODECS["text"].read("  a\nb ") == "  a\nb "
    assert CODECS["code"].write("S") == "S"
