"""Remittance formats: one module per format, each `parse(data: bytes) -> list[RemittanceLine]`.

`detect` picks the format from the bytes (the XML root element, MT940 tags, or a CSV header);
`parse_bytes` detects and parses. Adding a format is a module plus a `FORMATS` entry; matching
never changes for it (DESIGN section 2).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gateway.errors import InputError, UnsupportedDocumentError
from gateway.remittance.formats import camt, csv_bank, mt940, remt001, ubl_remittance
from gateway.remittance.model import RemittanceLine

Parser = Callable[[bytes], list[RemittanceLine]]

FORMATS: dict[str, Parser] = {
    "camt": camt.parse,
    "mt940": mt940.parse,
    "csv": csv_bank.parse,
    "ubl-remittance-advice": ubl_remittance.parse,
    "remt.001": remt001.parse,
}

_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(Document|RemittanceAdvice)[\s>/]")
_XML_MESSAGE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(BkToCstmr\w+|RmtAdvc)[\s>/]")
_MT940_TAG = re.compile(rb"^:(20|25|28C?|60[FM]|61|86):", re.MULTILINE)


def detect(data: bytes) -> str:
    """The name of the format in `FORMATS` that `data` is written in."""
    head = data[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        root = _XML_ROOT.search(head)
        if root and root.group(1) == b"RemittanceAdvice":
            return "ubl-remittance-advice"
        message = _XML_MESSAGE.search(head)
        if root and message:
            return "remt.001" if message.group(1) == b"RmtAdvc" else "camt"
        raise UnsupportedDocumentError(
            "XML, but neither camt.052/053/054, remt.001 nor a UBL RemittanceAdvice")
    tags = _MT940_TAG.findall(head)
    if len(tags) >= 2 or b"61" in tags:
        return "mt940"
    first = head.split(b"\n", 1)[0]
    if first.count(b",") + first.count(b";") + first.count(b"\t") >= 2:
        return "csv"
    raise UnsupportedDocumentError("not a recognised remittance format "
                                   "(camt, MT940, CSV, UBL RemittanceAdvice, remt.001)")


def parse_bytes(data: bytes, format_name: str | None = None) -> tuple[str, list[RemittanceLine]]:
    name = format_name or detect(data)
    parser = FORMATS.get(name)
    if parser is None:
        raise InputError(f"unknown remittance format {name!r}; known: {', '.join(FORMATS)}")
    return name, parser(data)
