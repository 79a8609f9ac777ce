"""Building blocks of the matcher: numbering keys, text reading, payer names, amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gateway.remittance.matching.amounts import Fit, Payment, reconcile
from gateway.remittance.matching.config import MatchConfig
from gateway.remittance.matching.ledger import Ledger
from gateway.remittance.matching.money import format_minor, from_minor, to_minor
from gateway.remittance.matching.numbering import NumberShape, digit_variants, full_keys, short_keys
from gateway.remittance.matching.payer import PayerDirectory, name_key
from gateway.remittance.matching.subsets import subset_sums
from gateway.remittance.matching.text import MentionKind, TextReader
from gateway.remittance.model import Party
from gateway.remittance.references import is_valid_qrr, is_valid_rf, make_rf


def test_number_keys() -> None:
    assert full_keys("INV-2025-0004711") == ("INV20250004711", "20250004711")
    assert short_keys("INV-2025-0004711") == ("4711",)
    assert short_keys("90004711") == ("4711",)
    assert short_keys("12") == ()


def test_digit_variants_cover_the_four_typos() -> None:
    variants = digit_variants("4711")
    assert {"4712", "7411", "471", "47711"} <= set(variants)  # substitution, swap, drop, double
    assert "4711" not in variants


def test_number_shape_is_learned() -> None:
    shape = NumberShape.learn(["INV-2025-0004711", "INV-2024-0000001", "INV-2025-0100000"])
    assert shape.prefixes == frozenset({"INV"})
    assert (shape.min_digits, shape.max_digits, shape.groups) == (11, 11, (4, 7))
    assert shape.groups_match([4, 7])
    assert shape.groups_match([3, 7])
    assert not shape.groups_match([5, 5])


def test_text_reader_masks_dates_amounts_and_customer_numbers(ledger: Ledger) -> None:
    reader = TextReader(ledger, MatchConfig())
    facts = reader.read("Inv. 4711 Kd-Nr KD000723 vom 01.05.2025 1.190,00 EUR abzgl. 12,50")
    assert [(m.kind, m.written) for m in facts.mentions] == [(MentionKind.SHORT, "4711")]
    assert facts.customer_numbers == ("KD000723",)
    assert facts.stated_amounts == (Decimal("1190.00"), Decimal("12.50"))
    assert facts.deduction_hint


def test_text_reader_joins_split_numbers_and_flags_unknown_ones(ledger: Ledger) -> None:
    reader = TextReader(ledger, MatchConfig())
    facts = reader.read("RE INV 2025 0004711 / 2025-0004713 / INV-2023-0000815")
    assert [m.written for m in facts.mentions if m.exact] == ["INV20250004711", "20250004713"]
    assert facts.rf_references == ()
    written_rf = make_rf("20250004712")
    assert reader.read(f"Ref {written_rf}").rf_references == (written_rf,)
    assert reader.read("ZINSEN 2. QUARTAL").non_ar_keyword == "ZINS"


def test_name_keys_ignore_legal_forms_and_spelling() -> None:
    assert name_key("Müller Logistik GmbH & Co. KG") == name_key("MUELLER LOGISTIK GMBH+CO KG")
    assert name_key("Mueller Logistik G.m.b.H.") == "MULLER LOGISTIK"
    assert name_key("Smit B V") == name_key("Smit N.V.") == "SMIT"


def test_payer_by_account_name_typo_and_truncation(ledger: Ledger) -> None:
    payers = PayerDirectory(ledger)
    assert payers.identify(Party(iban="DE89 3704 0044 0532 0130 00")).account_customer == "C1"
    assert payers.by_name("Mueller Logistk GmbH") == ({"C1"}, False)  # one letter missing
    assert payers.by_name("NORDWIND HOLDING A") == ({"C9"}, True)
    assert payers.by_name("Nordwind Hold")[0] == {"C9"}  # cut off by the bank


def test_learned_account_shared_by_two_customers_stops_identifying(ledger: Ledger) -> None:
    payers = PayerDirectory(ledger)
    factor = Party(name="Factoring AG", iban="DE44500105175407324931")
    payers.learn("C1", factor)
    assert payers.identify(factor).account_customer == "C1"
    payers.learn("C2", factor)
    identity = payers.identify(factor)
    assert identity.account_customer is None
    assert identity.account_shared


def test_reconcile_explains_discount_and_fee(ledger: Ledger) -> None:
    payment = Payment(to_minor(Decimal("1768.10"), "EUR"), "EUR", date(2025, 6, 3))
    fit = reconcile(ledger, [0, 1], payment, MatchConfig())
    assert fit.fit is Fit.FEE  # 1785.00 - 11.90 discount - 5.00 fee
    assert sorted((r.kind.value, r.minor) for r in fit.residuals) == [
        ("bank_fee", 500), ("discount", 1190)]


def test_reconcile_spreads_an_underpayment_oldest_first(ledger: Ledger) -> None:
    payment = Payment(to_minor(Decimal("1300.00"), "EUR"), "EUR", date(2025, 6, 3))
    fit = reconcile(ledger, [0, 2], payment, MatchConfig())
    assert fit.fit is Fit.UNDERPAID
    assert dict(fit.allocations) == {0: 119000, 2: 11000}


def test_subset_sums_are_bounded() -> None:
    amounts = [(1, 100), (2, 250), (3, 350), (4, 600)]
    assert sorted(map(sorted, subset_sums(amounts, 600, max_size=3))) == [[2, 3], [4]]
    assert subset_sums(amounts, 1300, max_size=4) == [(4, 3, 2, 1)]
    assert subset_sums(amounts, 1300, max_size=3) == []


def test_money_minor_units() -> None:
    assert to_minor(Decimal("12.34"), "EUR") == 1234
    assert to_minor(Decimal("1200"), "JPY") == 1200
    assert to_minor(Decimal("1.2345"), "KWD") == 1235  # malformed: rounded half-up
    assert from_minor(-1190, "EUR") == Decimal("-11.90")
    assert format_minor(5, "BHD") == "0.005"


def test_references() -> None:
    reference = make_rf("20250004711")
    assert reference.endswith("20250004711")
    assert is_valid_rf(reference)
    spaced = " ".join(reference[i:i + 4] for i in range(0, len(reference), 4))
    assert is_valid_rf(spaced)
    assert not is_valid_rf(reference[:-1] + "2")
    assert is_valid_qrr("210000000003139471430009017")
