"""Order Responses (Peppol BIS Ordering 3, T76) built from the Order (T01) they answer.

The seller answers the whole order with an `OrderResponseCode` (UNCL 4343 subset):

* ``AP`` accepted: no response lines (PEPPOL-T76-R008);
* ``RE`` rejected: no response lines (PEPPOL-T76-R009), the reason in the note;
* ``CA`` conditionally accepted: one response line per order line (PEPPOL-T76-R007) with a
  `LineStatusCode` (UNCL 1229 subset: 5 accepted, 3 changed, 7 not accepted) and the
  changed quantity, price or delivery period.

Every response quotes the order (cac:OrderReference, BT-13), its currency (PEPPOL-T76-R005)
and buyer reference (BT-10), and carries both parties with a registration name or an
identifier (PEPPOL-T76-R001, R002). `confirmed_lines` reads a response back: which order
lines, in which quantity and at which price, the seller agreed to deliver (and will invoice).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gateway.errors import InputError
from gateway.model.common import PartyIdentifier, Period
from gateway.model.order import CustomerParty, Order, OrderLine, SellerParty
from gateway.model.order_response import (
    OrderResponse,
    OrderResponseLine,
    ResponseItem,
    ResponseParty,
    ResponsePrice,
)

ACCEPTED = "AP"
REJECTED = "RE"
CONDITIONALLY_ACCEPTED = "CA"
ACKNOWLEDGED = "AB"

LINE_CHANGED = "3"
LINE_ACCEPTED = "5"
LINE_NOT_ACCEPTED = "7"


@dataclass(frozen=True, slots=True)
class ResponseHeader:
    """What the seller says about the response itself."""

    response_id: str
    """cbc:ID of the response (the seller's own number)."""
    issue_date: date
    issue_time: str | None = None
    """xs:time as written, e.g. ``"14:05:00"``."""
    sales_order_id: str | None = None
    """BT-14: the seller's sales order number, quoted later on the invoice."""
    note: str | None = None
    promised_delivery: Period | None = None
    """cac:Delivery/cac:PromisedDeliveryPeriod for the whole order (PEPPOL-T76-R004)."""


@dataclass(frozen=True, slots=True)
class LineChange:
    """How a conditional acceptance changes one order line (unchanged fields: None)."""

    quantity: Decimal | None = None
    price: Decimal | None = None
    """The net price per price base quantity (BT-146) the seller confirms instead."""
    promised_delivery: Period | None = None
    note: str | None = None
    not_accepted: bool = False
    """The line is refused (status 7): it will not be delivered or invoiced."""


@dataclass(frozen=True, slots=True)
class ConfirmedLine:
    """An order line as the seller agreed to deliver it."""

    order_line: OrderLine
    quantity: Decimal
    price: Decimal | None
    """The agreed net price (BT-146); None when neither the order nor the response has one."""
    changed: bool


def accept_order(order: Order, header: ResponseHeader) -> OrderResponse:
    """``AP``: the order is accepted as it is (no response lines, PEPPOL-T76-R008)."""
    return _response(order, header, ACCEPTED, lines=[])


def reject_order(order: Order, header: ResponseHeader, reason: str) -> OrderResponse:
    """``RE``: the order is refused; `reason` becomes the note (no lines, PEPPOL-T76-R009)."""
    if not reason.strip():
        raise InputError("a rejection needs a reason (the response note, BT-22)")
    note = reason if header.note is None else f"{reason}\n{header.note}"
    return _response(order, header, REJECTED, lines=[], note=note)


def conditionally_accept_order(
    order: Order, header: ResponseHeader, changes: Mapping[str, LineChange]
) -> OrderResponse:
    """``CA``: accepted with the `changes` (keyed by order line id, BT-132); every other line
    is answered as accepted (status 5), so the response lists every order line."""
    line_ids = [_line_id(line, index) for index, line in enumerate(order.lines)]
    unknown = sorted(set(changes) - set(line_ids))
    if unknown:
        raise InputError(f"no order line with id {', '.join(unknown)} in order {order.id} "
                         f"(its lines: {', '.join(line_ids)})")
    if not changes:
        raise InputError("a conditional acceptance changes or refuses at least one line; "
                         "use accept_order to accept the order as it is")
    lines = [_response_line(line, line_id, changes.get(line_id))
             for line, line_id in zip(order.lines, line_ids, strict=True)]
    return _response(order, header, CONDITIONALLY_ACCEPTED, lines=lines)


def confirmed_lines(order: Order, response: OrderResponse | None = None) -> list[ConfirmedLine]:
    """The order lines to deliver and invoice: all of them as ordered when there is no
    response or it accepts the order (AP); as changed by a conditional acceptance (CA),
    without the refused lines. A rejected (RE) or merely acknowledged (AB) order has none
    to invoice: InputError."""
    if response is not None:
        _check_answers(order, response)
    code = response.response_code if response is not None else ACCEPTED
    if code == REJECTED:
        raise InputError(f"order {order.id} was rejected (OrderResponseCode RE): "
                         "there is nothing to deliver or invoice")
    if code not in (ACCEPTED, CONDITIONALLY_ACCEPTED):
        raise InputError(f"order {order.id} has response code {code!r}, not an acceptance "
                         "(AP or CA): nothing is confirmed yet")
    answers = {} if response is None else {r.order_line_id: r for r in response.lines}
    confirmed = []
    for index, line in enumerate(order.lines):
        found = _confirmed(line, answers.get(_line_id(line, index)))
        if found is not None:
            confirmed.append(found)
    return confirmed


# --- building ---------------------------------------------------------------------------


def _response(order: Order, header: ResponseHeader, code: str,
              lines: Sequence[OrderResponseLine], note: str | None = None) -> OrderResponse:
    if not order.id:
        raise InputError("the order has no id (cbc:ID, BT-13): a response must quote it "
                         "(cac:OrderReference)")
    return OrderResponse(
        id=header.response_id,
        sales_order_id=header.sales_order_id or order.sales_order_id,
        issue_date=header.issue_date,
        issue_time=header.issue_time,
        response_code=code,
        note=note if note is not None else header.note,
        currency_code=order.currency_code,
        customer_reference=order.customer_reference,
        order_reference=order.id,
        seller=_party(order.seller, "seller", "PEPPOL-T76-R002"),
        buyer=_party(order.buyer, "buyer", "PEPPOL-T76-R001"),
        promised_delivery_period=header.promised_delivery,
        lines=list(lines),
    )


def _party(party: SellerParty | CustomerParty | None, role: str, rule: str) -> ResponseParty:
    if party is None:
        raise InputError(f"the order has no {role} party: the response must name it ({rule})")
    legal = party.legal_entity
    name = (legal.registration_name if legal else None) or party.name
    identifiers = [PartyIdentifier(id=i.id, scheme_id=i.scheme_id) for i in party.identifiers]
    if not name and not identifiers:
        raise InputError(f"the order's {role} has neither a name nor an identifier; the "
                         f"response needs one of them ({rule})")
    return ResponseParty(endpoint_id=party.endpoint_id,
                         endpoint_scheme_id=party.endpoint_scheme_id,
                         identifiers=identifiers, registration_name=name)


def _line_id(line: OrderLine, index: int) -> str:
    if not line.id:
        raise InputError(f"order line {index + 1} has no id (cac:LineItem/cbc:ID, "
                         "PEPPOL-T01-R001): a response cannot refer to it")
    return line.id


def _response_line(line: OrderLine, line_id: str, change: LineChange | None
                   ) -> OrderResponseLine:
    item = _response_item(line)
    if change is None:
        return OrderResponseLine(id=line_id, line_status_code=LINE_ACCEPTED, item=item,
                                 order_line_id=line_id)
    if change.not_accepted:
        return OrderResponseLine(id=line_id, line_status_code=LINE_NOT_ACCEPTED, item=item,
                                 note=change.note, order_line_id=line_id)
    quantity = change.quantity if change.quantity is not None else line.quantity
    if quantity is not None and quantity < 0:
        raise InputError(f"order line {line_id}: a confirmed quantity cannot be negative")
    return OrderResponseLine(
        id=line_id, note=change.note, line_status_code=LINE_CHANGED,
        quantity=quantity, quantity_unit_code=line.quantity_unit_code,
        promised_delivery_period=change.promised_delivery,
        price=_response_price(line, change.price), item=item, order_line_id=line_id,
    )


def _response_item(line: OrderLine) -> ResponseItem:
    item = line.item
    if item is None:
        return ResponseItem()
    return ResponseItem(name=item.name, buyers_item_id=item.buyers_item_id,
                        sellers_item_id=item.sellers_item_id,
                        standard_item_id=item.standard_item_id,
                        standard_item_scheme_id=item.standard_item_scheme_id)


def _response_price(line: OrderLine, changed: Decimal | None) -> ResponsePrice | None:
    ordered = line.price
    amount = changed if changed is not None else (ordered.price_amount if ordered else None)
    if amount is None:
        return None
    if amount < 0:
        raise InputError(f"order line {line.id}: a confirmed price cannot be negative")
    return ResponsePrice(
        price_amount=amount,
        base_quantity=ordered.base_quantity if ordered else None,
        base_quantity_unit_code=ordered.base_quantity_unit_code if ordered else None,
    )


# --- reading back -------------------------------------------------------------------------


def _check_answers(order: Order, response: OrderResponse) -> None:
    if response.order_reference != order.id:
        raise InputError(f"the response answers order {response.order_reference!r}, "
                         f"not order {order.id!r}")


def _confirmed(line: OrderLine, answer: OrderResponseLine | None) -> ConfirmedLine | None:
    ordered_price = line.price.price_amount if line.price else None
    if line.quantity is None:
        raise InputError(f"order line {line.id} has no quantity (BT-129): it cannot be "
                         "delivered or invoiced")
    if answer is None or answer.line_status_code == LINE_ACCEPTED:
        return ConfirmedLine(line, line.quantity, ordered_price, changed=False)
    if answer.line_status_code == LINE_NOT_ACCEPTED:
        return None
    quantity = answer.quantity if answer.quantity is not None else line.quantity
    price = answer.price.price_amount if answer.price and answer.price.price_amount is not None \
        else ordered_price
    return ConfirmedLine(line, quantity, price,
                         changed=quantity != line.quantity or price != ordered_price)
