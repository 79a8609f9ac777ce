"""SWIFT MT940 customer statements: `:61:` statement lines with their `:86:` information.

Framing: tags start a line (`:20:`, `:25:`, `:28C:`, `:60F:`, `:61:`, `:86:`, `:62F:`...);
other lines continue the previous tag (banks wrap at 65 characters, even inside `:28C:`).
Headers (`{1:...}{2:...}{4:`, "940", a BIC line) and message ends (`-`, `-}`) are skipped; a
lone `-` only ends a message after its closing balance (`:62F:`/`:62M:`), because ING wraps
`:86:` text in the middle of words, dashes included. One Sparkasse export breaks the `:86:`
tag itself over two lines (`:` then `86:...`); that is repaired first.

`:86:` dialects (notes/remittance.md section 1.3):
- German DK/ZKA: `GVC?00booking text?10prima nota?20..?29 purpose?30 BLZ/BIC?31 account
  ?32-?33 name?60..?63 more purpose`, where the purpose lines carry SEPA keywords `EREF+`,
  `KREF+`, `MREF+`, `CRED+`, `SVWZ+` (the remittance text), `ABWA+`, `ABWE+`. Subfields wrap
  mid-word, so they are joined without separators.
- Dutch structured: `/EREF/.../CNTP/IBAN/BIC/NAME/CITY/.../REMI/USTD//text/` or
  `/REMI/STRD/CUR/reference/`, `/RTRN/reason/`, Rabobank `/ORDP//NAME/...`, `/BENM//NAME/...`.
- Anything else is kept as unstructured text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from gateway.errors import InputError
from gateway.remittance.model import (
    CreditDebit,
    CreditorReference,
    Party,
    ReferenceScheme,
    RemittanceLine,
    SourceLocation,
    StructuredRemittance,
)

FORMAT = "mt940"
_TAG = re.compile(r"^:(\d{2}[A-Z]?):")
_BROKEN_TAG = re.compile(r"^(\d{2}[A-Z]?):")
_STATEMENT_LINE = re.compile(
    r"^(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>RC|RD|C|D)(?P<funds>[A-Z])?"
    r"(?P<amount>\d[\d,]*)(?P<type>[NSF][A-Z0-9]{3})(?P<ref>.*?)(?://(?P<bank>.*))?$")
_BALANCE = re.compile(r"^[CD](?P<date>\d{6})(?P<ccy>[A-Z]{3})")
_GERMAN = re.compile(r"^\s*(?P<gvc>\d{3})\s*\?")
_SUBFIELD = re.compile(r"\?(\d{2})")
_SEPA_KEYWORDS = ("EREF", "KREF", "MREF", "CRED", "DEBT", "SVWZ", "ABWA", "ABWE", "IBAN", "BIC",
                  "COAM", "OAMT")
_SEPA_KEY = re.compile(r"(" + "|".join(_SEPA_KEYWORDS) + r")\+")
_NL_TAGS = ("EREF", "PREF", "MARF", "CSID", "CNTP", "REMI", "RTRN", "ORDP", "BENM", "NAME",
            "ADDR", "ISDT", "BUSP", "PURP", "ULTC", "ULTD", "SUM", "TRCD", "IBAN", "BIC")
_NL_TAG = re.compile(r"/(" + "|".join(_NL_TAGS) + r")/")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
_RETURN_GVCS = frozenset(("109", "159", "209"))  # German business codes for returns


@dataclass(slots=True)
class _Field:
    tag: str
    value: str
    line: int


@dataclass(slots=True)
class _Info:
    """What a `:86:` said, in model terms."""

    end_to_end_id: str | None = None
    mandate_id: str | None = None
    text: list[str] = field(default_factory=list)
    references: list[CreditorReference] = field(default_factory=list)
    debtor: Party = field(default_factory=Party)
    booking_text: str | None = None
    return_reason: str | None = None
    returned: bool = False


def parse(data: bytes) -> list[RemittanceLine]:
    text = _decode(data)
    fields = _fields(text)
    if not any(f.tag == "61" or f.tag == "20" for f in fields):
        raise InputError("not an MT940 statement: no :20: or :61: field found")
    lines: list[RemittanceLine] = []
    currency: str | None = None
    statement = ""
    for position, item in enumerate(fields):
        if item.tag == "20":
            statement = item.value.strip()
        elif item.tag in ("60F", "60M"):
            currency = _balance_currency(item)
        elif item.tag == "61":
            following = fields[position + 1] if position + 1 < len(fields) else None
            info = following.value if following is not None and following.tag == "86" else None
            lines.append(_statement_line(item, info, currency, statement, len(lines) + 1))
    return lines


def _decode(data: bytes) -> str:
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("MT940: cannot decode the file")  # pragma: no cover - latin-1 decodes all


def _fields(text: str) -> list[_Field]:
    """Tags with their (joined) continuation lines; headers and trailers dropped."""
    raw = [line.rstrip("\r").replace("\x01", "").replace("\x03", "") for line in text.split("\n")]
    fields: list[_Field] = []
    closed = False  # the current message has its closing balance
    index = 0
    while index < len(raw):
        line = raw[index]
        number = index + 1
        index += 1
        if line == ":" and index < len(raw) and _BROKEN_TAG.match(raw[index]):
            line = ":" + raw[index]
            index += 1
        match = _TAG.match(line)
        if match:
            tag = match.group(1)
            fields.append(_Field(tag, line[match.end():], number))
            closed = closed or tag in ("62F", "62M")
            if tag == "20":
                closed = False
            continue
        stripped = line.strip()
        if stripped in ("-", "-}", "-XXX") and (closed or not fields):
            fields.append(_Field("END", "", number))
            continue
        if not fields or fields[-1].tag == "END" or stripped.startswith("{"):
            continue  # header or text between messages
        fields[-1].value += "\n" + line
    return [f for f in fields if f.tag != "END"]


def _balance_currency(item: _Field) -> str | None:
    match = _BALANCE.match(item.value.replace("\n", "").strip())
    return match.group("ccy") if match else None


def _statement_line(item: _Field, info_text: str | None, currency: str | None, statement: str,
                    sequence: int) -> RemittanceLine:
    where = f"line {item.line}"
    parts = item.value.split("\n")
    match = _STATEMENT_LINE.match(parts[0].strip())
    supplementary = [p.strip() for p in parts[1:] if p.strip()]
    if match is None and len(parts) > 1:  # the amount wrapped onto the next line
        match = _STATEMENT_LINE.match((parts[0] + parts[1]).strip())
        supplementary = [p.strip() for p in parts[2:] if p.strip()]
    if match is None:
        raise InputError(f"MT940 {where}: cannot read the :61: statement line {parts[0]!r}")
    value_date = _date(match.group("value"), where)
    booking = _entry_date(match.group("entry"), value_date)
    mark = match.group("mark")
    indicator = CreditDebit.CREDIT if mark in ("C", "RD") else CreditDebit.DEBIT
    amount_text = match.group("amount")
    try:
        amount = Decimal(amount_text.replace(",", "."))
    except InvalidOperation:
        raise InputError(f"MT940 {where}: {amount_text!r} is not an amount") from None
    info = _read_info(info_text) if info_text is not None else _Info()
    if not info.debtor.iban and supplementary and _IBAN.match(supplementary[0]):
        debtor = info.debtor
        info.debtor = Party(debtor.name, supplementary.pop(0), debtor.account, debtor.bic)
    type_code = match.group("type")
    customer_ref = match.group("ref").strip() or None
    bank_ref = (match.group("bank") or "").strip() or None
    returned = info.returned or type_code[1:] == "RTI"
    return RemittanceLine(
        line_id=bank_ref or f"{statement}/{sequence}",
        source=SourceLocation(FORMAT, where), amount=amount, currency=currency,
        credit_debit=indicator, booking_date=booking, value_date=value_date,
        reversal=mark in ("RC", "RD"), returned=returned,
        return_reason=info.return_reason if returned else None,
        bank_transaction_code=type_code,
        end_to_end_id=info.end_to_end_id,
        transaction_id=customer_ref if customer_ref and customer_ref != "NONREF" else None,
        mandate_id=info.mandate_id, account_servicer_ref=bank_ref, debtor=info.debtor,
        unstructured=tuple(info.text),
        structured=tuple(StructuredRemittance(creditor_reference=r) for r in info.references),
        additional_info=" ".join([*supplementary, info.booking_text or ""]).strip() or None)


def _date(value: str, where: str) -> date:
    try:
        year = int(value[:2])
        return date(2000 + year if year < 80 else 1900 + year, int(value[2:4]), int(value[4:6]))
    except ValueError:
        raise InputError(f"MT940 {where}: {value!r} is not a date (YYMMDD)") from None


def _entry_date(value: str | None, value_date: date) -> date:
    """The booking date MMDD, in the year that puts it nearest to the value date."""
    if not value:
        return value_date
    month, day = int(value[:2]), int(value[2:])
    candidates = []
    for year in (value_date.year - 1, value_date.year, value_date.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return value_date
    return min(candidates, key=lambda d: abs((d - value_date).days))


# ---------------------------------------------------------------------- :86: dialects
def _read_info(value: str) -> _Info:
    if _GERMAN.match(value):
        return _german(value)
    flat = value.replace("\n", "")
    if _NL_TAG.search(flat) and flat.lstrip().startswith("/"):
        return _dutch(flat)
    return _Info(text=[" ".join(p.strip() for p in value.split("\n") if p.strip())])


def _german(value: str) -> _Info:
    flat = value.replace("\n", "")
    gvc = _GERMAN.match(flat)
    subfields: dict[str, str] = {}
    pieces = _SUBFIELD.split(flat[gvc.end() - 1:] if gvc else flat)
    for key, content in zip(pieces[1::2], pieces[2::2], strict=False):
        subfields[key] = subfields.get(key, "") + content
    lines = [subfields[k] for k in (f"{n:02d}" for n in (*range(20, 30), *range(60, 64)))
             if k in subfields]
    info = _Info(booking_text=subfields.get("00") or None)
    # SEPA keyword text wraps mid-word across subfields; plain purpose lines are lines.
    keywords = _sepa_keywords("".join(lines))
    info.end_to_end_id = keywords.get("EREF")
    info.mandate_id = keywords.get("MREF")
    remittance = keywords.get("SVWZ") if keywords else " ".join(p.strip() for p in lines)
    if remittance:
        info.text.append(remittance)
    name = (subfields.get("32", "") + subfields.get("33", "")).strip()
    account = subfields.get("31", "").strip() or None
    bank = subfields.get("30", "").strip() or None
    iban = account if account and account[:2].isalpha() else None
    info.debtor = Party(name=name or keywords.get("ABWA"), iban=iban,
                        account=None if iban else account,
                        bic=bank if bank and bank[:4].isalpha() else None)
    code = gvc.group("gvc") if gvc else ""
    info.returned = code in _RETURN_GVCS
    if info.returned:
        info.return_reason = (subfields.get("00") or "returned").strip()
    return info


def _sepa_keywords(purpose: str) -> dict[str, str]:
    found: dict[str, str] = {}
    matches = list(_SEPA_KEY.finditer(purpose))
    for current, following in zip(matches, [*matches[1:], None], strict=False):
        end = following.start() if following else len(purpose)
        found.setdefault(current.group(1), purpose[current.end():end].strip())
    return found


def _dutch(flat: str) -> _Info:
    values: dict[str, str] = {}
    matches = list(_NL_TAG.finditer(flat))
    for current, following in zip(matches, [*matches[1:], None], strict=False):
        end = following.start() if following else len(flat)
        values.setdefault(current.group(1), flat[current.end():end])
    info = _Info(end_to_end_id=_clean(values.get("EREF")), mandate_id=_clean(values.get("MARF")))
    remittance = values.get("REMI", "")
    if remittance.startswith("STRD/"):
        parts = remittance.split("/")
        if len(parts) >= 3 and parts[2]:
            info.references.append(CreditorReference(
                parts[2], ReferenceScheme.NL_CURRENCE if parts[1] == "CUR"
                else ReferenceScheme.OTHER, issuer=parts[1] or None, type_code=parts[1] or None))
    elif remittance:
        text = remittance.removeprefix("USTD//").removeprefix("USTD/").strip("/").strip()
        if text:
            info.text.append(text)
    counterparty = values.get("CNTP")
    if counterparty is not None:
        parts = counterparty.split("/")
        info.debtor = Party(name=_clean(parts[2] if len(parts) > 2 else None),
                            iban=_clean(parts[0]), bic=_clean(parts[1] if len(parts) > 1 else None))
    else:
        name = values.get("NAME")
        if name:
            info.debtor = Party(name=_clean(name))
    reason = values.get("RTRN")
    if reason is not None:
        info.returned = True
        info.return_reason = _clean(reason) or "returned"
    return info


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = value.strip("/").strip()
    return cleaned or None
