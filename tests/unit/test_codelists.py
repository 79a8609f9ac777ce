"""The shipped code lists (gateway/codelists/*.json) load, are well-formed and carry versions."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from gateway import codelists


def test_every_list_loads_with_codes_and_provenance() -> None:
    assert len(codelists.names()) >= 30
    for name in codelists.names():
        code_list = codelists.get(name)
        assert code_list.name == name
        assert len(code_list) > 0
        assert len(set(code_list.ordered)) == len(code_list.ordered), f"{name} has duplicates"
        assert code_list.codes == frozenset(code_list.ordered)
        assert code_list.version
        assert code_list.rules
        assert code_list.source.startswith(("CEN-EN16931-UBL.sch", "PEPPOL-EN16931-UBL"))


def test_files_hold_the_documented_keys() -> None:
    for name in codelists.names():
        text = resources.files("gateway.codelists").joinpath(f"{name}.json").read_text("utf-8")
        data = json.loads(text)
        assert {"name", "source", "version", "codes"} <= set(data)


def test_lists_are_cached_frozensets() -> None:
    first = codelists.codes("cen-currency-codes")
    assert isinstance(first, frozenset)
    assert codelists.codes("cen-currency-codes") is first


def test_version_names_every_source_release() -> None:
    line = codelists.version()
    assert "EN 16931 UBL validation 1.3.16" in line
    assert "Peppol BIS Billing 3.0.21" in line
    assert "Peppol BIS Self-Billing 3.0.2" in line


@pytest.mark.parametrize(
    ("name", "present", "absent"),
    [
        ("cen-currency-codes", "EUR", "EURO"),
        ("cen-invoice-type-codes", "380", "381"),
        ("cen-credit-note-type-codes", "381", "380"),
        ("cen-country-codes", "1A", "EL"),
        ("cen-vat-exemption-reason-codes", "VATEX-EU-IC", "VATEX-EU-XX"),
        ("cen-unit-codes", "C62", "PCS"),
        # 2026.5: Peppol EAS gained 0242 and dropped 0037 while CEN keeps the wider list.
        ("peppol-eas-schemes", "0242", "0037"),
        ("cen-eas-schemes", "0037", "0000"),
        ("peppol-sb-invoice-type-codes", "389", "380"),
    ],
)
def test_known_membership(name: str, present: str, absent: str) -> None:
    code_list = codelists.get(name)
    assert present in code_list
    assert absent not in code_list


def test_spaced_form_matches_schematron_literal() -> None:
    spaced = codelists.get("cen-vat-category-codes").spaced
    assert spaced.startswith(" ")
    assert spaced.endswith(" ")
    assert " S " in spaced


def test_unknown_list_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="unknown code list 'nope'"):
        codelists.get("nope")
