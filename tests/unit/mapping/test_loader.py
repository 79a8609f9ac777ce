"""Loading mapping files: validation of entries and layout, flavours."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gateway.mapping import MappingError, load_mapping
from gateway.mapping.loader import iter_entries

HEAD = """
root: Invoice
namespace: urn:oasis:names:specification:ubl:schema:xsd:Invoice-2
fields:
"""

BASE = (
    HEAD
    + """
  - {json: id, xpath: cbc:ID, codec: text}
  - {json: issue_date, xpath: cbc:IssueDate, codec: date}
  - {json: type_code, xpath: cbc:InvoiceTypeCode, codec: code}
  - {json: tax_point_date, xpath: cbc:TaxPointDate, codec: date}
  - json: lines
    xpath: cac:InvoiceLine
    card: 0..n
    fields:
      - {json: id, xpath: cbc:ID, codec: text}
      - {json: quantity, xpath: cbc:InvoicedQuantity, codec: decimal}
      - {json: unit_code, xpath: cbc:InvoicedQuantity/@unitCode, codec: code}
"""
)


def load_text(tmp_path: Path, text: str, name: str = "m.yaml") -> object:
    (tmp_path / name).write_text(textwrap.dedent(text))
    return load_mapping(name, tmp_path)


def entries(text: str) -> str:
    return HEAD + textwrap.indent(textwrap.dedent(text), "  ")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("- {json: a, xpath: cbc:A, codec: nope}", "codec 'nope'"),
        ("- {json: a, xpath: cbc:A, codec: text, colour: red}", "unknown keys"),
        ('- {json: a, xpath: "cbc:A[1]", codec: text}', "child steps only"),
        ("- {json: a, xpath: x:A, codec: text}", "unknown namespace prefix"),
        ("- {json: a, xpath: cbc:A/@b/cbc:C, codec: text}", "must be the last step"),
        ("- {json: a, xpath: cbc:A, codec: text, card: 2..1}", "below its lower bound"),
        ("- {json: a, xpath: cbc:A, codec: text, card: many}", "cardinality"),
        (
            "- {json: a, xpath: cbc:A, codec: text}\n- {json: a, xpath: cbc:B, codec: text}",
            "used twice",
        ),
        ("- {json: a, xpath: cbc:A/@x, codec: text, card: 0..n}", "only an element can repeat"),
        ("- {json: a, xpath: cac:A, codec: text, fields: []}", "not a `codec`"),
        ("- {json: a, xpath: cac:A/@x, fields: []}", "must end in an element"),
        ("- {json: a, xpath: cbc:A, codec: text, implied: {from: x}}", "implied"),
        ("- {json: a, xpath: cbc:A, codec: text, card: 0..n, implied: x}", "repeated value"),
        ("- {json: a, xpath: cbc:A, codec: date, implied: soon}", "implied value"),
        (
            "- {json: a, xpath: cac:P/cbc:A, codec: text}\n"
            "- {json: b, xpath: cbc:B, codec: text}\n"
            "- {json: c, xpath: cac:P/cbc:C, codec: text}",
            "already closed",
        ),
        (
            "- {json: a, xpath: cac:G, fields: []}\n- {json: b, xpath: cac:G/cbc:B, codec: text}",
            "already closed",
        ),
        (
            "- {json: a, xpath: cac:G/cbc:A, codec: text}\n"
            "- {json: b, xpath: cac:G, card: 0..n, fields: []}",
            "cannot be shared",
        ),
        (
            "- {json: a, xpath: cbc:A, codec: text}\n- {json: b, xpath: cbc:A, codec: code}",
            "already writes",
        ),
        (
            "- {json: a, xpath: cac:A, codec: text}\n- {json: b, xpath: cac:A/cbc:B, codec: text}",
            "goes below an element",
        ),
    ],
)
def test_bad_entries_are_refused_with_a_clear_message(
    tmp_path: Path, body: str, message: str
) -> None:
    with pytest.raises(MappingError, match=r"m\.yaml") as info:
        load_text(tmp_path, entries(body))
    assert message in str(info.value)


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="not found"):
        load_mapping("absent.yaml", tmp_path)
    with pytest.raises(MappingError, match="not valid YAML"):
        load_text(tmp_path, "root: [", "bad.yaml")
    with pytest.raises(MappingError, match="`namespace` is missing"):
        load_text(tmp_path, "root: X\nfields: []\n", "nons.yaml")


def test_flavour_applies_its_changes_in_order(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(textwrap.dedent(BASE))
    flavour = load_text(
        tmp_path,
        """
    extends: base.yaml
    root: CreditNote
    namespace: urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2
    changes:
      - set: type_code
        xpath: cbc:CreditNoteTypeCode
        why: UBL 2.1 CreditNote
      - move: tax_point_date
        before: type_code
        why: CreditNote schema order
      - set: lines
        xpath: cac:CreditNoteLine
        why: CreditNote line element
      - set: lines.quantity
        xpath: cbc:CreditedQuantity
        why: CreditNote quantity element
      - set: lines.unit_code
        xpath: cbc:CreditedQuantity/@unitCode
        why: CreditNote quantity element
      - remove: issue_date
        why: test
      - insert: {json: note, xpath: cbc:Note, codec: text}
        after: lines.id
        why: test
      - insert: {json: extra, xpath: cbc:Extra, codec: text}
        into: lines
        why: test
    """,
        "cn.yaml",
    )
    spec = flavour.spec  # type: ignore[attr-defined]
    assert spec.root == "CreditNote"
    assert spec.lineage == ("cn.yaml", "base.yaml")
    paths = {path: entry.xpath.text for path, entry in iter_entries(spec.fields)}
    assert list(paths) == [
        "id",
        "tax_point_date",
        "type_code",
        "lines",
        "lines.id",
        "lines.note",
        "lines.quantity",
        "lines.unit_code",
        "lines.extra",
    ]
    assert paths["type_code"] == "cbc:CreditNoteTypeCode"
    assert paths["lines.unit_code"] == "cbc:CreditedQuantity/@unitCode"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("- {remove: nothing, why: x}", "no entry 'nothing'"),
        ("- {remove: id}", "`why`"),
        ("- {remove: id, set: id, why: x}", "exactly one of"),
        ("- {move: id, why: x}", "exactly one of `before` and `after`"),
        ("- {move: lines.id, before: id, why: x}", "not a sibling"),
        ("- {set: id, why: x}", "changes nothing"),
        ("- {set: id.x, xpath: cbc:X, why: x}", "not a group"),
        ("- {insert: {json: a, xpath: cbc:A, codec: text}, why: x}", "needs `before`"),
        ("- {set: issue_date, xpath: cbc:ID, why: x}", "already writes"),
    ],
)
def test_bad_flavour_changes_are_refused(tmp_path: Path, change: str, message: str) -> None:
    (tmp_path / "base.yaml").write_text(textwrap.dedent(BASE))
    text = "extends: base.yaml\nchanges:\n" + textwrap.indent(change, "  ") + "\n"
    with pytest.raises(MappingError, match=r"flav\.yaml") as info:
        load_text(tmp_path, text, "flav.yaml")
    assert message in str(info.value)


def test_extends_cycle_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nchanges: []\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nchanges: []\n")
    with pytest.raises(MappingError, match=r"cycle|too deep"):
        load_mapping("a.yaml", tmp_path)
