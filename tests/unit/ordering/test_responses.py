"""Order Responses (T76) built from an Order (T01), and reading them back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.documents.convert import model_to_xml, xml_to_model
from gateway.errors import InputError
from gateway.exchange.analysis import XML_MEDIA_TYPE, DocumentAnalyzer
from gateway.model.common import Period
from gateway.model.order import Order
from gateway.model.order_response import OrderResponse
from gateway.ordering.responses import (
    LINE_ACCEPTED,
    LINE_CHANGED,
    LINE_NOT_ACCEPTED,
    LineChange,
    ResponseHeader,
    accept_order,
    conditionally_accept_order,
    confirmed_lines,
    reject_order,
)
from gateway.validation.pipeline import Validator
from tests.unit.ordering.conftest import ORDER_DATE

HEADER = ResponseHeader("OR-0042", ORDER_DATE, "10:00:00", sales_order_id="SO-77810")


def accepted_by_gateway(response: OrderResponse) -> bool:
    analysis = DocumentAnalyzer(Validator()).analyze(
        model_to_xml(response, "order-response"), XML_MEDIA_TYPE)
    return analysis.accepted and analysis.document_type == "order-response"


def test_acceptance_quotes_the_order_and_has_no_lines(order: Order) -> None:
    response = accept_order(order, HEADER)
    assert response.response_code == "AP"
    assert response.lines == []  # PEPPOL-T76-R008
    assert response.order_reference == order.id
    assert response.currency_code == "SEK"
    assert response.customer_reference == order.customer_reference
    assert response.sales_order_id == "SO-77810"
    assert response.seller is not None
    assert response.buyer is not None
    assert response.seller.registration_name == "Nordkap Medical Supply AB"
    assert response.buyer.endpoint_id == "2321000180"
    assert accepted_by_gateway(response)


def test_acceptance_survives_the_ubl_round_trip(order: Order) -> None:
    response = accept_order(order, HEADER)
    _, parsed, findings = xml_to_model(model_to_xml(response, "order-response"))
    assert parsed == response
    assert [f for f in findings if f.is_fatal] == []


def test_rejection_carries_the_reason(order: Order) -> None:
    response = reject_order(order, HEADER, "Framework agreement FA-2024-117 has expired")
    assert response.response_code == "RE"
    assert response.lines == []  # PEPPOL-T76-R009
    assert response.note == "Framework agreement FA-2024-117 has expired"
    with pytest.raises(InputError, match="reason"):
        reject_order(order, HEADER, "  ")
    with pytest.raises(InputError, match="rejected"):
        confirmed_lines(order, response)


def test_conditional_acceptance_answers_every_line(order: Order) -> None:
    promised = Period(start_date=ORDER_DATE, end_date=ORDER_DATE)
    response = conditionally_accept_order(order, HEADER, {
        "2": LineChange(quantity=Decimal("50"), note="50 in stock", promised_delivery=promised),
        "4": LineChange(not_accepted=True, note="out of print"),
    })
    assert response.response_code == "CA"
    statuses = {line.order_line_id: line.line_status_code for line in response.lines}
    assert statuses == {"1": LINE_ACCEPTED, "2": LINE_CHANGED, "3": LINE_ACCEPTED,
                        "4": LINE_NOT_ACCEPTED}
    changed = response.lines[1]
    assert changed.quantity == Decimal("50")
    assert changed.quantity_unit_code == "XBX"
    assert changed.price is not None
    assert changed.price.price_amount == Decimal("62.00")
    assert changed.item is not None
    assert changed.item.sellers_item_id == "NMS-MSK-2R"
    assert accepted_by_gateway(response)


def test_confirmed_lines_follow_the_response(order: Order) -> None:
    assert [(c.order_line.id, c.quantity, c.changed) for c in confirmed_lines(order)] == [
        ("1", Decimal("40"), False), ("2", Decimal("60"), False), ("3", Decimal("48"), False),
        ("4", Decimal("2"), False)]
    response = conditionally_accept_order(order, HEADER, {
        "2": LineChange(quantity=Decimal("50")),
        "3": LineChange(price=Decimal("45.00")),
        "4": LineChange(not_accepted=True),
    })
    confirmed = {str(c.order_line.id): c for c in confirmed_lines(order, response)}
    assert sorted(confirmed) == ["1", "2", "3"]
    assert (confirmed["2"].quantity, confirmed["2"].changed) == (Decimal("50"), True)
    assert (confirmed["3"].price, confirmed["3"].quantity) == (Decimal("45.00"), Decimal("48"))
    assert confirmed["1"].changed is False


def test_a_response_to_another_order_is_refused(order: Order) -> None:
    response = accept_order(order, HEADER)
    other = order.model_copy(update={"id": "PO-OTHER"})
    with pytest.raises(InputError, match="PO-OTHER"):
        confirmed_lines(other, response)


def test_unknown_or_missing_line_changes_are_refused(order: Order) -> None:
    with pytest.raises(InputError, match="no order line with id 9"):
        conditionally_accept_order(order, HEADER, {"9": LineChange(quantity=Decimal("1"))})
    with pytest.raises(InputError, match="accept_order"):
        conditionally_accept_order(order, HEADER, {})
    with pytest.raises(InputError, match="negative"):
        conditionally_accept_order(order, HEADER, {"1": LineChange(quantity=Decimal("-1"))})


def test_an_order_without_id_or_parties_cannot_be_answered(order: Order) -> None:
    with pytest.raises(InputError, match="BT-13"):
        accept_order(order.model_copy(update={"id": None}), HEADER)
    with pytest.raises(InputError, match="PEPPOL-T76-R002"):
        accept_order(order.model_copy(update={"seller": None}), HEADER)
    assert order.buyer is not None
    nameless = order.buyer.model_copy(update={"name": None, "legal_entity": None,
                                              "identifiers": []})
    with pytest.raises(InputError, match="PEPPOL-T76-R001"):
        accept_order(order.model_copy(update={"buyer": nameless}), HEADER)
