"""ISO 20022 bank-to-customer cash reports: camt.052 (intraday), camt.053 (statement) and camt.054
(debit/credit notification), versions .001.02 to .001.14 with one reader.

Elements are matched by local name, so every version's namespace works; the version differences
that matter are handled where they occur (`Sts` vs `Sts/Cd`; `Dbtr/Nm` vs `Dbtr/Pty/Nm` from .08;
`DscntApldAmt`/`TaxAmt` plain or typed with an inner `Amt`; `TxDtls/Amt` from .04; `UETR` from
.08). One `RemittanceLine` is produced per `TxDtls` (a batch entry yields several); an entry
without details yields one line. A transaction detail without an amount of its own in a batch of
several keeps `amount=None` and carries the entry total in `entry_amount`.

Returns (`RtrInf`, or a bank transaction code of the RRTN family) and reversals (`RvslInd`) are
marked so that matching never applies them to invoices (notes/remittance.md section 1.1).
"""

from __future__ import annotations

from datetime import date
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
    Adjustment,
    CreditDebit,
    DocumentAmounts,
    Party,
    ReferredDocument,
    RemittanceLine,
    SourceLocation,
    StructuredRemittance,
)
from gateway.remittance.references import classify
from gateway.xml.parser import parse_xml

# message element -> (report element, message name)
MESSAGES = {
    "BkToCstmrAcctRpt": ("Rpt", "camt.052"),
    "BkToCstmrStmt": ("Stmt", "camt.053"),
    "BkToCstmrDbtCdtNtfctn": ("Ntfctn", "camt.054"),
}
RETURN_FAMILIES = ("RRTN", "RPCR", "ARET", "AREV")  # returns and reversals (ISO bank tx codes)


def parse(data: bytes) -> list[RemittanceLine]:
    root = parse_xml(data)
    message = next((c for c in root if isinstance(c.tag, str)), None)
    if local(root) != "Document" or message is None or local(message) not in MESSAGES:
        found = local(message) if message is not None else local(root)
        raise InputError(f"not a camt.052/053/054 document (found <{found}>)")
    report_name, kind = MESSAGES[local(message)]
    source_format = _version(root, kind)
    lines: list[RemittanceLine] = []
    for report in kids(message, report_name):
        for entry in kids(report, "Ntry"):
            lines.extend(_entry_lines(entry, source_format))
    return lines


def _version(root: etree._Element, kind: str) -> str:
    """"camt.054.001.08" from the namespace urn:iso:std:iso:20022:tech:xsd:camt.054.001.08."""
    namespace = etree.QName(root).namespace or ""
    tail = namespace.rsplit(":", 1)[-1]
    return tail if tail.startswith(kind) else kind


# ---------------------------------------------------------------------- entries
def _entry_lines(entry: etree._Element, source_format: str) -> list[RemittanceLine]:
    where = path_of(entry)
    entry_amount = amount(find(entry, "Amt"), where + "/Amt")
    if entry_amount is None:
        raise InputError(f"{where}: entry without Amt")
    indicator = _indicator(entry, where, required=True)
    assert indicator is not None
    details = [tx for block in kids(entry, "NtryDtls") for tx in kids(block, "TxDtls")]
    batch = find(entry, "NtryDtls", "Btch")
    batch_size = text(batch, "NbOfTxs")
    common = _EntryFacts(
        amount=entry_amount[0], currency=entry_amount[1], indicator=indicator,
        reversal=(text(entry, "RvslInd") or "").lower() in ("true", "1"),
        status=first_text(entry, ("Sts", "Cd"), ("Sts",)),
        booking=date_of(find(entry, "BookgDt"), where + "/BookgDt"),
        value=date_of(find(entry, "ValDt"), where + "/ValDt"),
        reference=text(entry, "AcctSvcrRef") or text(entry, "NtryRef"),
        code=_bank_code(find(entry, "BkTxCd")), info=text(entry, "AddtlNtryInf"),
        batch_size=int(batch_size) if batch_size and batch_size.isdigit() else None,
        details=len(details))
    if not details:
        return [common.line(source_format, where)]
    return [_detail_line(tx, common, source_format, index)
            for index, tx in enumerate(details, start=1)]


class _EntryFacts:
    """What an entry says for all its transaction details."""

    def __init__(self, *, amount: Decimal, currency: str | None, indicator: CreditDebit,
                 reversal: bool, status: str | None, booking: date | None, value: date | None,
                 reference: str | None, code: str | None, info: str | None,
                 batch_size: int | None, details: int) -> None:
        self.amount = amount
        self.currency = currency
        self.indicator = indicator
        self.reversal = reversal
        self.status = status
        self.booking = booking
        self.value = value
        self.reference = reference
        self.code = code
        self.info = info
        self.batch_size = batch_size
        self.details = details

    def line(self, source_format: str, where: str) -> RemittanceLine:
        return RemittanceLine(
            line_id=self.reference or where, source=SourceLocation(source_format, where),
            amount=self.amount, currency=self.currency, credit_debit=self.indicator,
            booking_date=self.booking, value_date=self.value,
            status=self.status, reversal=self.reversal, returned=_is_return(self.code),
            bank_transaction_code=self.code, account_servicer_ref=self.reference,
            additional_info=self.info, batch_size=self.batch_size)


def _detail_line(tx: etree._Element, entry: _EntryFacts, source_format: str,
                 index: int) -> RemittanceLine:
    where = path_of(tx)
    own = amount(find(tx, "Amt"), where + "/Amt") or amount(
        find(tx, "AmtDtls", "TxAmt"), where + "/AmtDtls/TxAmt")
    if own is None and entry.details == 1:
        own = (entry.amount, entry.currency)
    instructed = amount(find(tx, "AmtDtls", "InstdAmt"), where + "/AmtDtls/InstdAmt")
    code = _bank_code(find(tx, "BkTxCd")) or entry.code
    return_info = find(tx, "RtrInf")
    refs = find(tx, "Refs")
    reference = text(refs, "AcctSvcrRef")
    parties = find(tx, "RltdPties")
    return RemittanceLine(
        line_id=reference or (f"{entry.reference}/{index}" if entry.reference else where),
        source=SourceLocation(source_format, where),
        amount=own[0] if own else None, currency=(own[1] if own else None) or entry.currency,
        credit_debit=_indicator(tx, where, required=False) or entry.indicator,
        booking_date=entry.booking, value_date=entry.value,
        status=entry.status, reversal=entry.reversal,
        returned=return_info is not None or _is_return(code),
        return_reason=_return_reason(return_info), bank_transaction_code=code,
        end_to_end_id=text(refs, "EndToEndId"), transaction_id=text(refs, "TxId"),
        instruction_id=text(refs, "InstrId"), mandate_id=text(refs, "MndtId"),
        uetr=text(refs, "UETR"), account_servicer_ref=reference or entry.reference,
        instructed_amount=instructed[0] if instructed else None,
        instructed_currency=instructed[1] if instructed else None,
        charges=_charges(find(tx, "Chrgs"), where + "/Chrgs"),
        debtor=_party(parties, "Dbtr", "DbtrAcct", find(tx, "RltdAgts", "DbtrAgt")),
        ultimate_debtor=_optional_party(parties, "UltmtDbtr"),
        creditor=_optional_party(parties, "Cdtr", "CdtrAcct"),
        unstructured=tuple(t for u in kids(find(tx, "RmtInf"), "Ustrd") if (t := text(u))),
        structured=tuple(structured_remittance(s, path_of(s))
                         for s in kids(find(tx, "RmtInf"), "Strd")),
        additional_info=text(tx, "AddtlTxInf") or entry.info,
        entry_amount=entry.amount if entry.details > 1 else None,
        batch_size=entry.batch_size or (entry.details if entry.details > 1 else None))


def _indicator(element: etree._Element, where: str, *, required: bool) -> CreditDebit | None:
    value = text(element, "CdtDbtInd")
    if value is None:
        if required:
            raise InputError(f"{where}: CdtDbtInd missing")
        return None
    if value not in ("CRDT", "DBIT"):
        raise InputError(f"{where}/CdtDbtInd: {value!r} is neither CRDT nor DBIT")
    return CreditDebit(value)


def _bank_code(code: etree._Element | None) -> str | None:
    if code is None:
        return None
    domain = text(code, "Domn", "Cd")
    if domain:
        family = text(code, "Domn", "Fmly", "Cd")
        sub = text(code, "Domn", "Fmly", "SubFmlyCd")
        return "/".join(p for p in (domain, family, sub) if p)
    return text(code, "Prtry", "Cd")


def _is_return(code: str | None) -> bool:
    return code is not None and any(code.endswith("/" + f) for f in RETURN_FAMILIES)


def _return_reason(info: etree._Element | None) -> str | None:
    if info is None:
        return None
    code = first_text(info, ("Rsn", "Cd"), ("Rsn", "Prtry"))
    extra = text(info, "AddtlInf")
    return ": ".join(p for p in (code, extra) if p) or "returned"


def _charges(charges: etree._Element | None, where: str) -> Decimal | None:
    """camt .02 lists `Chrgs/Amt`; .04+ has `TtlChrgsAndTaxAmt` and `Rcrd/Amt`."""
    if charges is None:
        return None
    total = amount(find(charges, "TtlChrgsAndTaxAmt"), where + "/TtlChrgsAndTaxAmt")
    if total is not None:
        return total[0]
    values = [amount(a, where + "/Amt") for a in kids(charges, "Amt")]
    values += [amount(find(r, "Amt"), where + "/Rcrd/Amt") for r in kids(charges, "Rcrd")]
    found = [v[0] for v in values if v is not None]
    return sum(found, Decimal(0)) if found else None


def _party_name(element: etree._Element | None) -> str | None:
    return first_text(element, ("Nm",), ("Pty", "Nm"))


def _party(parties: etree._Element | None, role: str, account_role: str,
           agent: etree._Element | None = None) -> Party:
    account = find(parties, account_role, "Id")
    return Party(
        name=_party_name(find(parties, role)), iban=text(account, "IBAN"),
        account=text(account, "Othr", "Id"),
        bic=first_text(agent, ("FinInstnId", "BIC"), ("FinInstnId", "BICFI")))


def _optional_party(parties: etree._Element | None, role: str,
                    account_role: str | None = None) -> Party | None:
    if find(parties, role) is None:
        return None
    party = _party(parties, role, account_role or role + "Acct")
    return None if party.is_empty else party


# ---------------------------------------------------------------------- structured remittance
def structured_remittance(block: etree._Element, where: str) -> StructuredRemittance:
    """One `RmtInf/Strd` block (camt and remt.001 share the type)."""
    amounts = _document_amounts(find(block, "RfrdDocAmt"), where + "/RfrdDocAmt")
    infos = list(kids(block, "RfrdDocInf"))
    documents = tuple(
        ReferredDocument(
            number=text(info, "Nb"),
            type_code=first_text(info, ("Tp", "CdOrPrtry", "Cd"), ("Tp", "CdOrPrtry", "Prtry")),
            date=date_of(find(info, "RltdDt"), path_of(info) + "/RltdDt"),
            # RfrdDocAmt belongs to the block: it describes the document when there is one.
            amounts=amounts if len(infos) == 1 else None)
        for info in infos)
    if not infos and amounts is not None:
        documents = (ReferredDocument(number=None, amounts=amounts),)
    reference = find(block, "CdtrRefInf")
    creditor_reference = None
    if reference is not None and text(reference, "Ref"):
        creditor_reference = classify(
            text(reference, "Ref") or "",
            first_text(reference, ("Tp", "CdOrPrtry", "Cd"), ("Tp", "CdOrPrtry", "Prtry")),
            text(reference, "Tp", "Issr"))
    return StructuredRemittance(
        documents=documents, creditor_reference=creditor_reference,
        invoicer=_party_name(find(block, "Invcr")), invoicee=_party_name(find(block, "Invcee")),
        additional_info=tuple(t for a in kids(block, "AddtlRmtInf") if (t := text(a))))


def _document_amounts(element: etree._Element | None, where: str) -> DocumentAmounts | None:
    if element is None:
        return None

    def one(name: str) -> Decimal | None:
        found = [amount(e, f"{where}/{name}") for e in kids(element, name)]
        values = [f[0] for f in found if f is not None]
        return sum(values, Decimal(0)) if values else None

    currency = next((e.get("Ccy") for e in element.iter() if e.get("Ccy")), None)
    adjustments = []
    for adjustment in kids(element, "AdjstmntAmtAndRsn"):
        value = amount(find(adjustment, "Amt"), where + "/AdjstmntAmtAndRsn/Amt")
        if value is None:
            continue
        direction = text(adjustment, "CdtDbtInd")
        adjustments.append(Adjustment(
            value[0], reason_code=text(adjustment, "Rsn"),
            reason_text=text(adjustment, "AddtlInf"),
            credit_debit=CreditDebit(direction) if direction in ("CRDT", "DBIT") else None))
    return DocumentAmounts(
        due=one("DuePyblAmt"), discount=one("DscntApldAmt"), credit_note=one("CdtNoteAmt"),
        tax=one("TaxAmt"), adjustments=tuple(adjustments), remitted=one("RmtdAmt"),
        currency=currency)
