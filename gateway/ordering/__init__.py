"""The seller's side of Peppol BIS Ordering 3: answer an Order (T01) with an Order Response
(T76) and invoice it (Peppol BIS Billing 3).

* gateway.ordering.responses: `accept_order`, `reject_order`, `conditionally_accept_order`
  build the T76 response; `confirmed_lines` says what the response agreed to deliver.
* gateway.ordering.invoice_from_order: `invoice_from_order` turns the order (and its response)
  into a complete Invoice, with an ISO 11649 creditor reference (BT-83) and the VAT breakdown
  and totals derived by gateway.model.calc.

Both work on the canonical models (gateway.model.order, .order_response, .invoice) and never
touch the network or the database; the gateway validates what they build when it is sent.
"""
