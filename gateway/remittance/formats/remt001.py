"""ISO 20022 remt.001 RemittanceAdvice: remittance sent apart from the money.

Each `RmtInf` becomes one advice line: its `Strd` blocks (the camt type: referred documents with
their amounts, creditor references), `Ustrd`, and the link to the money in `OrgnlPmtInf`
(`Refs/EndToEndId`, `UETR`, the instructed amount, the debtor). Version-agnostic by local names.
A message without any `RmtInf` carries no remittance and is refused (the element is mandatory).
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from gateway.errors import InputError
from gateway.remittance.formats._xml import (
    amount,
    date_of,
    find,
    first_text,
    kids,
    local,
    path_of,
    text,
)
from gateway.remittance.formats.camt import structured_remittance
from gateway.remittance.model import LineKind, Party, RemittanceLine, SourceLocation
from gateway.xml.parser import parse_xml


def parse(data: bytes) -> list[RemittanceLine]:
    root = parse_xml(data)
    advice = next((c for c in root if isinstance(c.tag, str)), None)
    if local(root) != "Document" or advice is None or local(advice) != "RmtAdvc":
        raise InputError("not a remt.001 document (Document/RmtAdvc expected)")
    namespace = etree.QName(root).namespace or ""
    source_format = namespace.rsplit(":", 1)[-1] if "remt.001" in namespace else "remt.001"
    message_id = text(advice, "GrpHdr", "MsgId") or "remt.001"
    created = date_of(find(advice, "GrpHdr", "CreDtTm"), path_of(advice) + "/GrpHdr/CreDtTm")
    blocks = list(kids(advice, "RmtInf"))
    if not blocks:
        raise InputError(f"{path_of(advice)}: no RmtInf element (at least one is required)")
    return [_advice_line(block, message_id, index, created, source_format)
            for index, block in enumerate(blocks, start=1)]


def _advice_line(block: etree._Element, message_id: str, index: int, created: date | None,
                 source_format: str) -> RemittanceLine:
    where = path_of(block)
    original = find(block, "OrgnlPmtInf")
    if original is None:
        raise InputError(f"{where}: OrgnlPmtInf missing (it links the advice to the payment)")
    money = amount(find(original, "Amt", "InstdAmt"), where + "/OrgnlPmtInf/Amt/InstdAmt") or \
        amount(find(original, "Amt", "EqvtAmt", "Amt"), where + "/OrgnlPmtInf/Amt/EqvtAmt/Amt")
    account = find(original, "DbtrAcct", "Id")
    requested = date_of(find(original, "ReqdExctnDt"), where + "/OrgnlPmtInf/ReqdExctnDt")
    return RemittanceLine(
        line_id=text(block, "RmtId") or f"{message_id}/{index}",
        source=SourceLocation(source_format, where), kind=LineKind.ADVICE,
        amount=money[0] if money else None, currency=money[1] if money else None,
        booking_date=requested or created,
        end_to_end_id=text(original, "Refs", "EndToEndId"),
        instruction_id=text(original, "Refs", "InstrId"),
        transaction_id=text(original, "Refs", "TxId"), uetr=text(original, "Refs", "UETR"),
        mandate_id=text(original, "Refs", "MndtId"),
        debtor=Party(name=first_text(original, ("Dbtr", "Nm"), ("Dbtr", "Pty", "Nm")),
                     iban=text(account, "IBAN"), account=text(account, "Othr", "Id")),
        creditor=Party(name=first_text(original, ("Cdtr", "Nm"), ("Cdtr", "Pty", "Nm"))),
        unstructured=tuple(t for u in kids(block, "Ustrd") if (t := text(u))),
        structured=tuple(structured_remittance(s, path_of(s)) for s in kids(block, "Strd")))
