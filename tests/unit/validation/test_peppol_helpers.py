"""Identifier checks and XPath string semantics of the Peppol rules (_peppol_helpers)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.validation.rules import _peppol_helpers as h


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, ""), ("", ""), ("  a \t\n b  ", "a b"), ("\u00a0x", "\u00a0x")],
)
def test_normalize_space(raw: str | None, expected: str) -> None:
    assert h.normalize_space(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", True),
        (" -1.5e3 ", True),
        (".5", True),
        ("INF", True),
        ("1,5", False),
        ("", False),
        ("abc", False),
        ("1 2", False),
    ],
)
def test_is_number(raw: str, expected: bool) -> None:
    assert h.is_number(raw) is expected


def test_castable_as_integer() -> None:
    assert h.castable_as_integer(" +12 ")
    assert not h.castable_as_integer("1.0")
    assert not h.castable_as_integer("")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5790000435951", True),
        ("5790000435952", False),
        ("7300010000001", True),
        ("0", True),
        ("57900004359X1", False),
        ("", False),
    ],
)
def test_gln(value: str, expected: bool) -> None:
    assert h.gln_ok(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("988077917", True), ("988077918", False), ("000000000", False), ("98807791", False)],
)
def test_norwegian_orgnr(value: str, expected: bool) -> None:
    assert h.no_orgnr_ok(value) is expected


def test_danish_formats_check_the_shape_only() -> None:
    assert h.dk_cvr_format_ok("DK12345678")
    assert h.dk_cvr_format_ok("12345678")  # no check digit in the rule
    assert not h.dk_cvr_format_ok("DK1234567")
    assert not h.dk_cvr_format_ok(" 12345678")
    assert h.dk_p_number_ok("1234567890")
    assert not h.dk_p_number_ok("DK12345678")
    assert h.dk_erstorg_ok("DK12345678")
    assert not h.dk_erstorg_ok("12345678")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0403170701", True),
        ("0403170702", False),
        ("9999999999", False),
        ("2403170710", False),
        ("040317070", False),
    ],
)
def test_belgian_enterprise_number(value: str, expected: bool) -> None:
    assert h.be_enterprise_ok(value) is expected


def test_belgian_rule_accepts_any_leading_digit() -> None:
    body = "23456789"
    check = 97 - int(body) % 97
    assert h.be_enterprise_ok(f"{body}{check:02d}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5560360793", True),
        ("5560360794", False),
        ("556036079", False),
        ("55603607930", False),
        ("556036-079", False),
    ],
)
def test_swedish_orgnr(value: str, expected: bool) -> None:
    assert h.se_orgnr_ok(value) is expected


def test_swedish_luhn_ignores_trailing_characters() -> None:
    assert h.se_orgnr_luhn_ok("556036079301")
    assert not h.se_orgnr_luhn_ok("556036079")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("51824753556", True), ("51824753557", False), ("5182475355", False)],
)
def test_abn(value: str, expected: bool) -> None:
    assert h.abn_ok(value) is expected


def test_italian_identifiers() -> None:
    assert h.it_ipa_ok("UFY9MH")
    assert not h.it_ipa_ok("UFY9M-")
    assert h.it_cf_ok("RSSMRA85T10A562S")
    assert h.it_cf_ok("12345678901")
    assert not h.it_cf_ok("RSSMRA85T10A56")
    assert h.it_piva_ok("IT07643520567")
    assert not h.it_piva_ok("IT07643520568")
    assert h.it_piva_ok("DE123")  # only IT-prefixed values are checked


def test_dutch_formats() -> None:
    assert h.nl_vat_ok("NL123456789B12")
    assert not h.nl_vat_ok("NL123456789B1")
    assert h.fixed_digits_ok("12345678", 8)
    assert not h.fixed_digits_ok("1234567a", 8)


def test_slack() -> None:
    assert h.slack(Decimal("100"), Decimal("100.02"), Decimal("0.02"))
    assert not h.slack(Decimal("100"), Decimal("100.03"), Decimal("0.02"))
