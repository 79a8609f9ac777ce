"""Namespace-agnostic navigation of ISO 20022 and UBL trees by local element names.

The camt versions differ in namespace and in a few wrappers (`Sts` vs `Sts/Cd`, `Dbtr/Nm` vs
`Dbtr/Pty/Nm`), never in the names that matter for remittance, so the readers match on local
names only. Amount and date errors name the element path.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from gateway.errors import InputError


def local(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def kids(element: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if element is None:
        return
    for child in element:
        if isinstance(child.tag, str) and local(child) == name:
            yield child


def find(element: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element along `path` (each step: the first child of that local name)."""
    current = element
    for name in path:
        if current is None:
            return None
        current = next(kids(current, name), None)
    return current


def text(element: etree._Element | None, *path: str) -> str | None:
    found = find(element, *path) if path else element
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def first_text(element: etree._Element | None, *paths: tuple[str, ...]) -> str | None:
    for path in paths:
        value = text(element, *path)
        if value is not None:
            return value
    return None


def decimal_of(element: etree._Element, where: str) -> Decimal:
    raw = (element.text or "").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InputError(f"{where}: {raw!r} is not an amount") from None
    if not value.is_finite():
        raise InputError(f"{where}: {raw!r} is not an amount")
    return value


def amount(element: etree._Element | None, where: str) -> tuple[Decimal, str | None] | None:
    """An ISO 20022 amount (`<Amt Ccy="EUR">1.00</Amt>`), also when wrapped in `<X><Amt>`."""
    if element is None:
        return None
    inner = find(element, "Amt")
    if inner is not None and len(inner) == 0:
        element, where = inner, where + "/Amt"
    currency = element.get("Ccy") or element.get("currencyID")
    return decimal_of(element, where), currency


def date_of(element: etree._Element | None, where: str) -> date | None:
    """`<X><Dt>2024-01-31</Dt></X>`, `<X><DtTm>...</DtTm></X>` or `<X>2024-01-31</X>`."""
    if element is None:
        return None
    raw = first_text(element, ("Dt",), ("DtTm",)) or text(element)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise InputError(f"{where}: {raw!r} is not a date") from None


def path_of(element: etree._Element) -> str:
    """A readable position such as Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt."""
    steps = []
    current: etree._Element | None = element
    while current is not None:
        parent = current.getparent()
        name = local(current)
        if parent is not None:
            same = [c for c in parent if isinstance(c.tag, str) and local(c) == name]
            if len(same) > 1:
                name += f"[{same.index(current) + 1}]"
        steps.append(name)
        current = parent
    return "/".join(reversed(steps))
