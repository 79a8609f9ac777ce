"""OASIS UBL 2.x RemittanceAdvice: one advice line per document, one referred document per
`RemittanceAdviceLine`.

The advice total is `TotalPaymentAmount`; each line refers to an invoice
(`BillingReference/InvoiceDocumentReference`) or a credit note (`CreditNoteDocumentReference`,
counted negative) and remits its `BalanceAmount`, else `DebitLineAmount - CreditLineAmount`. The
payer is the `AccountingCustomerParty`; a UBL advice has no EndToEndId, so it is linked to the
money by amount, date and payer (`PaymentOrderReference` is kept as the end-to-end id when given).
"""

from __future__ import annotations

from decimal import Decimal

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
from gateway.remittance.model import (
    DocumentAmounts,
    LineKind,
    Party,
    ReferredDocument,
    RemittanceLine,
    SourceLocation,
    StructuredRemittance,
)
from gateway.xml.parser import parse_xml

FORMAT = "ubl-remittance-advice"
_DOCUMENT_REFERENCES = (("InvoiceDocumentReference", "CINV"),
                        ("CreditNoteDocumentReference", "CREN"),
                        ("DebitNoteDocumentReference", "DEBN"))


def parse(data: bytes) -> list[RemittanceLine]:
    root = parse_xml(data)
    if local(root) != "RemittanceAdvice":
        raise InputError(f"not a UBL RemittanceAdvice (found <{local(root)}>)")
    where = path_of(root)
    identifier = text(root, "ID")
    if identifier is None:
        raise InputError(f"{where}: cbc:ID missing")
    total = amount(find(root, "TotalPaymentAmount"), where + "/TotalPaymentAmount")
    lines = list(kids(root, "RemittanceAdviceLine"))
    documents = tuple(d for line in lines if (d := _document(line)) is not None)
    payer = find(root, "AccountingCustomerParty", "Party")
    return [RemittanceLine(
        line_id=identifier, source=SourceLocation(FORMAT, where), kind=LineKind.ADVICE,
        amount=total[0] if total else None, currency=total[1] if total else None,
        booking_date=date_of(find(root, "IssueDate"), where + "/IssueDate"),
        end_to_end_id=text(root, "PaymentOrderReference", "ID"),
        debtor=Party(name=first_text(payer, ("PartyName", "Name"),
                                     ("PartyLegalEntity", "RegistrationName"))),
        creditor=Party(name=first_text(find(root, "PayeeParty"), ("PartyName", "Name"))),
        unstructured=tuple(t for n in kids(root, "Note") if (t := text(n))),
        structured=(StructuredRemittance(documents=documents),) if documents else ())]


def _document(line: etree._Element) -> ReferredDocument | None:
    where = path_of(line)
    billing = find(line, "BillingReference")
    reference, type_code = None, None
    for name, code in _DOCUMENT_REFERENCES:
        reference = find(billing, name)
        if reference is not None:
            type_code = code
            break
    if reference is None:
        return None
    debit = amount(find(line, "DebitLineAmount"), where + "/DebitLineAmount")
    credit = amount(find(line, "CreditLineAmount"), where + "/CreditLineAmount")
    balance = amount(find(line, "BalanceAmount"), where + "/BalanceAmount")
    currency = next((a[1] for a in (balance, debit, credit) if a is not None), None)
    remitted = balance[0] if balance else (debit[0] if debit else Decimal(0)) - (
        credit[0] if credit else Decimal(0))
    if type_code == "CREN" and remitted > 0:
        remitted = -remitted
    return ReferredDocument(
        number=text(reference, "ID"), type_code=type_code,
        date=date_of(find(reference, "IssueDate"), path_of(reference) + "/IssueDate"),
        amounts=DocumentAmounts(remitted=remitted, currency=currency))
