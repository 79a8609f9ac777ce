"""The canonical Invoice and Credit Note: everything Peppol BIS Billing 3.0 allows.

Field names are snake_case; every field that carries an EN 16931 business term declares it
with `bt(...)`. The JSON form is `model.model_dump(mode="json", exclude_none=True)`; the UBL
binding is mappings/invoice.yaml (credit-note.yaml is its flavour), which uses exactly these
keys.

Almost every field is optional, including those EN 16931 makes mandatory: the own-rules layer
reports missing content with the official rule ids (BR-01 ... BR-65), and the official unit
tests are partial documents that must still load. Amounts are Decimal; where UBL carries a
`@currencyID`, the `<amount>_currency` field keeps it only when it differs from the document
currency (BT-5), so ubl -> json -> ubl is exact (e.g. BT-111 in the VAT accounting currency).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import Field

from gateway.findings import Finding
from gateway.model.common import currency_of
from gateway.model.types import Amount, CanonicalModel, IsoDate, Percent, Quantity, bt


def opt(term: str, description: str) -> Any:
    """An optional field carrying business term `term`."""
    return bt(term, description, default=None)


def many(term: str, description: str) -> Any:
    """A list field carrying business term `term`; left out of the JSON when empty."""
    # operator.not_: a C callable, no Python frame per list when serialising
    return bt(term, description, default_factory=list, exclude_if=operator.not_)


def syntax(description: str) -> Any:
    """An optional field the UBL syntax needs that has no business term of its own."""
    return Field(None, description=description)


VAT_SCHEME = "syntax: cac:TaxScheme/cbc:ID; absent means VAT"


# --- references -------------------------------------------------------------------------


class InvoicePeriod(CanonicalModel):
    """BG-14 Invoicing period."""

    start_date: IsoDate | None = opt("BT-73", "Invoicing period start date")
    end_date: IsoDate | None = opt("BT-74", "Invoicing period end date")
    description_code: str | None = opt("BT-8", "Value added tax point date code (UNTDID 2005)")


class PrecedingInvoice(CanonicalModel):
    """BG-3 Preceding invoice reference."""

    id: str | None = opt("BT-25", "Preceding Invoice reference")
    issue_date: IsoDate | None = opt("BT-26", "Preceding Invoice issue date")


class AdditionalDocument(CanonicalModel):
    """BG-24 Additional supporting documents (type code 130: invoiced object identifier)."""

    id: str | None = opt("BT-122", "Supporting document reference (or BT-18 with type 130)")
    id_scheme_id: str | None = opt("BT-18-1", "Invoiced object identifier scheme identifier")
    type_code: str | None = syntax("cbc:DocumentTypeCode: 130 for BT-18, 50 for BT-11")
    description: str | None = opt("BT-123", "Supporting document description")
    attachment: str | None = opt("BT-125", "Attached document (base64)")
    attachment_mime_code: str | None = opt("BT-125-1", "Attached document Mime code")
    attachment_filename: str | None = opt("BT-125-2", "Attached document Filename")
    external_uri: str | None = opt("BT-124", "External document location")


# --- parties ------------------------------------------------------------------------------


class SellerIdentifier(CanonicalModel):
    id: str | None = opt("BT-29", "Seller identifier")
    scheme_id: str | None = opt("BT-29-1", "Seller identifier identification scheme identifier")


class BuyerIdentifier(CanonicalModel):
    id: str | None = opt("BT-46", "Buyer identifier")
    scheme_id: str | None = opt("BT-46-1", "Buyer identifier identification scheme identifier")


class PayeeIdentifier(CanonicalModel):
    id: str | None = opt("BT-60", "Payee identifier (scheme SEPA: BT-90 creditor identifier)")
    scheme_id: str | None = opt("BT-60-1", "Payee identifier identification scheme identifier")


class SellerAddress(CanonicalModel):
    """BG-5 Seller postal address."""

    street_name: str | None = opt("BT-35", "Seller address line 1")
    additional_street_name: str | None = opt("BT-36", "Seller address line 2")
    city_name: str | None = opt("BT-37", "Seller city")
    postal_zone: str | None = opt("BT-38", "Seller post code")
    country_subentity: str | None = opt("BT-39", "Seller country subdivision")
    address_line: str | None = opt("BT-162", "Seller address line 3")
    country_code: str | None = opt("BT-40", "Seller country code (ISO 3166-1 alpha-2)")


class BuyerAddress(CanonicalModel):
    """BG-8 Buyer postal address."""

    street_name: str | None = opt("BT-50", "Buyer address line 1")
    additional_street_name: str | None = opt("BT-51", "Buyer address line 2")
    city_name: str | None = opt("BT-52", "Buyer city")
    postal_zone: str | None = opt("BT-53", "Buyer post code")
    country_subentity: str | None = opt("BT-54", "Buyer country subdivision")
    address_line: str | None = opt("BT-163", "Buyer address line 3")
    country_code: str | None = opt("BT-55", "Buyer country code (ISO 3166-1 alpha-2)")


class TaxRepresentativeAddress(CanonicalModel):
    """BG-12 Seller tax representative postal address."""

    street_name: str | None = opt("BT-64", "Tax representative address line 1")
    additional_street_name: str | None = opt("BT-65", "Tax representative address line 2")
    city_name: str | None = opt("BT-66", "Tax representative city")
    postal_zone: str | None = opt("BT-67", "Tax representative post code")
    country_subentity: str | None = opt("BT-68", "Tax representative country subdivision")
    address_line: str | None = opt("BT-164", "Tax representative address line 3")
    country_code: str | None = opt("BT-69", "Tax representative country code")


class DeliveryAddress(CanonicalModel):
    """BG-15 Deliver to address."""

    street_name: str | None = opt("BT-75", "Deliver to address line 1")
    additional_street_name: str | None = opt("BT-76", "Deliver to address line 2")
    city_name: str | None = opt("BT-77", "Deliver to city")
    postal_zone: str | None = opt("BT-78", "Deliver to post code")
    country_subentity: str | None = opt("BT-79", "Deliver to country subdivision")
    address_line: str | None = opt("BT-165", "Deliver to address line 3")
    country_code: str | None = opt("BT-80", "Deliver to country code")


class SellerTaxScheme(CanonicalModel):
    """cac:PartyTaxScheme of the seller: BT-31 with scheme VAT, else BT-32."""

    company_id: str | None = opt("BT-31/BT-32", "Seller VAT identifier / tax registration id")
    tax_scheme_id: str | None = syntax(VAT_SCHEME)


class BuyerTaxScheme(CanonicalModel):
    company_id: str | None = opt("BT-48", "Buyer VAT identifier")
    tax_scheme_id: str | None = syntax(VAT_SCHEME)


class TaxRepresentativeTaxScheme(CanonicalModel):
    company_id: str | None = opt("BT-63", "Seller tax representative VAT identifier")
    tax_scheme_id: str | None = syntax(VAT_SCHEME)


class SellerContact(CanonicalModel):
    """BG-6 Seller contact."""

    name: str | None = opt("BT-41", "Seller contact point")
    telephone: str | None = opt("BT-42", "Seller contact telephone number")
    email: str | None = opt("BT-43", "Seller contact email address")


class BuyerContact(CanonicalModel):
    """BG-9 Buyer contact."""

    name: str | None = opt("BT-56", "Buyer contact point")
    telephone: str | None = opt("BT-57", "Buyer contact telephone number")
    email: str | None = opt("BT-58", "Buyer contact email address")


def _vat_id(schemes: list[Any]) -> str | None:
    return next((s.company_id for s in schemes if s.tax_scheme_id in (None, "VAT")), None)


class Seller(CanonicalModel):
    """BG-4 Seller."""

    endpoint_id: str | None = opt("BT-34", "Seller electronic address")
    endpoint_scheme_id: str | None = opt("BT-34-1", "Seller electronic address scheme identifier")
    identifiers: list[SellerIdentifier] = many("BT-29", "Seller identifiers")
    trading_name: str | None = opt("BT-28", "Seller trading name")
    address: SellerAddress | None = opt("BG-5", "Seller postal address")
    tax_schemes: list[SellerTaxScheme] = many(
        "BT-31/BT-32", "Seller VAT identifier and tax registration identifier"
    )
    name: str | None = opt("BT-27", "Seller name (legal registration name)")
    legal_registration_id: str | None = opt("BT-30", "Seller legal registration identifier")
    legal_registration_id_scheme_id: str | None = opt(
        "BT-30-1", "Seller legal registration identifier scheme identifier"
    )
    additional_legal_information: str | None = opt("BT-33", "Seller additional legal information")
    contact: SellerContact | None = opt("BG-6", "Seller contact")

    @property
    def vat_identifier(self) -> str | None:
        """BT-31: the PartyTaxScheme company id with tax scheme VAT."""
        return _vat_id(self.tax_schemes)

    @property
    def tax_registration_identifier(self) -> str | None:
        """BT-32: the PartyTaxScheme company id with a tax scheme other than VAT."""
        return next(
            (s.company_id for s in self.tax_schemes if s.tax_scheme_id not in (None, "VAT")), None
        )


class Buyer(CanonicalModel):
    """BG-7 Buyer."""

    endpoint_id: str | None = opt("BT-49", "Buyer electronic address")
    endpoint_scheme_id: str | None = opt("BT-49-1", "Buyer electronic address scheme identifier")
    identifiers: list[BuyerIdentifier] = many("BT-46", "Buyer identifier")
    trading_name: str | None = opt("BT-45", "Buyer trading name")
    address: BuyerAddress | None = opt("BG-8", "Buyer postal address")
    tax_schemes: list[BuyerTaxScheme] = many("BT-48", "Buyer VAT identifier")
    name: str | None = opt("BT-44", "Buyer name")
    legal_registration_id: str | None = opt("BT-47", "Buyer legal registration identifier")
    legal_registration_id_scheme_id: str | None = opt(
        "BT-47-1", "Buyer legal registration identifier scheme identifier"
    )
    contact: BuyerContact | None = opt("BG-9", "Buyer contact")

    @property
    def vat_identifier(self) -> str | None:
        """BT-48."""
        return _vat_id(self.tax_schemes)


class Payee(CanonicalModel):
    """BG-10 Payee."""

    identifiers: list[PayeeIdentifier] = many("BT-60", "Payee identifier")
    name: str | None = opt("BT-59", "Payee name")
    legal_registration_id: str | None = opt("BT-61", "Payee legal registration identifier")
    legal_registration_id_scheme_id: str | None = opt(
        "BT-61-1", "Payee legal registration identifier scheme identifier"
    )


class TaxRepresentative(CanonicalModel):
    """BG-11 Seller tax representative party."""

    name: str | None = opt("BT-62", "Seller tax representative name")
    address: TaxRepresentativeAddress | None = opt("BG-12", "Tax representative postal address")
    tax_schemes: list[TaxRepresentativeTaxScheme] = many(
        "BT-63", "Seller tax representative VAT identifier"
    )

    @property
    def vat_identifier(self) -> str | None:
        """BT-63."""
        return _vat_id(self.tax_schemes)


class Delivery(CanonicalModel):
    """BG-13 Delivery information."""

    actual_delivery_date: IsoDate | None = opt("BT-72", "Actual delivery date")
    location_id: str | None = opt("BT-71", "Deliver to location identifier")
    location_id_scheme_id: str | None = opt(
        "BT-71-1", "Deliver to location identifier scheme identifier"
    )
    address: DeliveryAddress | None = opt("BG-15", "Deliver to address")
    party_name: str | None = opt("BT-70", "Deliver to party name")


# --- payment ------------------------------------------------------------------------------


class PaymentCard(CanonicalModel):
    """BG-18 Payment card information."""

    primary_account_number: str | None = opt("BT-87", "Payment card primary account number")
    network_id: str | None = syntax("cbc:NetworkID: the card network (VISA, MasterCard, ...)")
    holder_name: str | None = opt("BT-88", "Payment card holder name")


class PayeeAccount(CanonicalModel):
    """BG-17 Credit transfer."""

    id: str | None = opt("BT-84", "Payment account identifier (IBAN, ...)")
    name: str | None = opt("BT-85", "Payment account name")
    service_provider_id: str | None = opt("BT-86", "Payment service provider identifier (BIC)")


class DirectDebitMandate(CanonicalModel):
    """BG-19 Direct debit."""

    id: str | None = opt("BT-89", "Mandate reference identifier")
    payer_account_id: str | None = opt("BT-91", "Debited account identifier")


class PaymentMeans(CanonicalModel):
    """BG-16 Payment instructions."""

    code: str | None = opt("BT-81", "Payment means type code (UNTDID 4461)")
    name: str | None = opt("BT-82", "Payment means text")
    due_date: IsoDate | None = opt(
        "BT-9", "Payment due date (credit note binding; an invoice uses its own due_date)"
    )
    payment_id: str | None = opt(
        "BT-83", "Remittance information, e.g. an ISO 11649 RF creditor reference"
    )
    card: PaymentCard | None = opt("BG-18", "Payment card information")
    payee_account: PayeeAccount | None = opt("BG-17", "Credit transfer")
    mandate: DirectDebitMandate | None = opt("BG-19", "Direct debit")


# --- allowances, charges, VAT, totals -----------------------------------------------------


class DocumentAllowanceCharge(CanonicalModel):
    """BG-20 Document level allowance (charge_indicator false) / BG-21 charge (true)."""

    charge_indicator: bool | None = syntax("cbc:ChargeIndicator: true for a charge (BG-21)")
    reason_code: str | None = opt("BT-98/BT-105", "Allowance / charge reason code")
    reason: str | None = opt("BT-97/BT-104", "Allowance / charge reason")
    multiplier_factor: Percent | None = opt("BT-94/BT-101", "Allowance / charge percentage")
    amount: Amount | None = opt("BT-92/BT-99", "Allowance / charge amount")
    amount_currency: str | None = currency_of("amount")
    base_amount: Amount | None = opt("BT-93/BT-100", "Allowance / charge base amount")
    base_amount_currency: str | None = currency_of("base amount")
    vat_category_code: str | None = opt("BT-95/BT-102", "Allowance / charge VAT category code")
    vat_category_scheme_id: str | None = syntax("@schemeID of the VAT category (UNCL5305)")
    vat_rate: Percent | None = opt("BT-96/BT-103", "Allowance / charge VAT rate")
    tax_scheme_id: str | None = syntax(VAT_SCHEME)


class VatBreakdown(CanonicalModel):
    """BG-23 VAT breakdown: one per VAT category code and rate."""

    taxable_amount: Amount | None = opt("BT-116", "VAT category taxable amount")
    taxable_amount_currency: str | None = currency_of("taxable amount")
    tax_amount: Amount | None = opt("BT-117", "VAT category tax amount")
    tax_amount_currency: str | None = currency_of("tax amount")
    vat_category_code: str | None = opt("BT-118", "VAT category code (UNCL5305)")
    vat_category_scheme_id: str | None = syntax("@schemeID of the VAT category (UNCL5305)")
    vat_rate: Percent | None = opt("BT-119", "VAT category rate")
    exemption_reason_code: str | None = opt("BT-121", "VAT exemption reason code (VATEX)")
    exemption_reason: str | None = opt("BT-120", "VAT exemption reason text")
    tax_scheme_id: str | None = syntax(VAT_SCHEME)


class TaxTotal(CanonicalModel):
    """cac:TaxTotal: the first in the document currency with the VAT breakdown (BT-110, BG-23),
    an optional second one in the VAT accounting currency without breakdown (BT-111)."""

    tax_amount: Amount | None = opt("BT-110/BT-111", "Invoice total VAT amount")
    tax_amount_currency: str | None = currency_of("VAT total (BT-6 currency for BT-111)")
    vat_breakdown: list[VatBreakdown] = many("BG-23", "VAT breakdown")


class DocumentTotals(CanonicalModel):
    """BG-22 Document totals."""

    line_extension_amount: Amount | None = opt("BT-106", "Sum of Invoice line net amount")
    line_extension_amount_currency: str | None = currency_of("sum of line net amounts")
    tax_exclusive_amount: Amount | None = opt("BT-109", "Invoice total amount without VAT")
    tax_exclusive_amount_currency: str | None = currency_of("total without VAT")
    tax_inclusive_amount: Amount | None = opt("BT-112", "Invoice total amount with VAT")
    tax_inclusive_amount_currency: str | None = currency_of("total with VAT")
    allowance_total_amount: Amount | None = opt("BT-107", "Sum of allowances on document level")
    allowance_total_amount_currency: str | None = currency_of("sum of allowances")
    charge_total_amount: Amount | None = opt("BT-108", "Sum of charges on document level")
    charge_total_amount_currency: str | None = currency_of("sum of charges")
    prepaid_amount: Amount | None = opt("BT-113", "Paid amount")
    prepaid_amount_currency: str | None = currency_of("paid amount")
    payable_rounding_amount: Amount | None = opt("BT-114", "Rounding amount")
    payable_rounding_amount_currency: str | None = currency_of("rounding amount")
    payable_amount: Amount | None = opt("BT-115", "Amount due for payment")
    payable_amount_currency: str | None = currency_of("amount due for payment")


# --- lines --------------------------------------------------------------------------------


class LinePeriod(CanonicalModel):
    """BG-26 Invoice line period."""

    start_date: IsoDate | None = opt("BT-134", "Invoice line period start date")
    end_date: IsoDate | None = opt("BT-135", "Invoice line period end date")


class LineObjectIdentifier(CanonicalModel):
    """BT-128 Invoice line object identifier (cac:DocumentReference, type code 130)."""

    id: str | None = opt("BT-128", "Invoice line object identifier")
    scheme_id: str | None = opt("BT-128-1", "Invoice line object identifier scheme identifier")
    type_code: str | None = syntax("cbc:DocumentTypeCode; absent means 130")


class LineAllowanceCharge(CanonicalModel):
    """BG-27 Invoice line allowance (charge_indicator false) / BG-28 line charge (true)."""

    charge_indicator: bool | None = syntax("cbc:ChargeIndicator: true for a charge (BG-28)")
    reason_code: str | None = opt("BT-140/BT-145", "Line allowance / charge reason code")
    reason: str | None = opt("BT-139/BT-144", "Line allowance / charge reason")
    multiplier_factor: Percent | None = opt("BT-138/BT-143", "Line allowance / charge percentage")
    amount: Amount | None = opt("BT-136/BT-141", "Line allowance / charge amount")
    amount_currency: str | None = currency_of("amount")
    base_amount: Amount | None = opt("BT-137/BT-142", "Line allowance / charge base amount")
    base_amount_currency: str | None = currency_of("base amount")


class ItemClassification(CanonicalModel):
    code: str | None = opt("BT-158", "Item classification identifier")
    list_id: str | None = opt("BT-158-1", "Item classification identifier scheme identifier")
    list_version_id: str | None = opt("BT-158-2", "Scheme version identifier")


class ItemProperty(CanonicalModel):
    """BG-32 Item attributes."""

    name: str | None = opt("BT-160", "Item attribute name")
    value: str | None = opt("BT-161", "Item attribute value")


class Item(CanonicalModel):
    """BG-31 Item information, with BG-30 line VAT information (cac:ClassifiedTaxCategory)."""

    description: str | None = opt("BT-154", "Item description")
    name: str | None = opt("BT-153", "Item name")
    buyers_item_id: str | None = opt("BT-156", "Item Buyer's identifier")
    sellers_item_id: str | None = opt("BT-155", "Item Seller's identifier")
    standard_item_id: str | None = opt("BT-157", "Item standard identifier")
    standard_item_id_scheme_id: str | None = opt(
        "BT-157-1", "Item standard identifier scheme identifier"
    )
    origin_country: str | None = opt("BT-159", "Item country of origin")
    classifications: list[ItemClassification] = many("BT-158", "Item classification identifiers")
    vat_category_code: str | None = opt("BT-151", "Invoiced item VAT category code")
    vat_category_scheme_id: str | None = syntax("@schemeID of the VAT category (UNCL5305)")
    vat_rate: Percent | None = opt("BT-152", "Invoiced item VAT rate")
    tax_scheme_id: str | None = syntax(VAT_SCHEME)
    properties: list[ItemProperty] = many("BG-32", "Item attributes")


class PriceDiscount(CanonicalModel):
    """cac:Price/cac:AllowanceCharge: the discount from the gross price (BT-147, BT-148)."""

    charge_indicator: bool | None = syntax("cbc:ChargeIndicator; absent means false")
    amount: Amount | None = opt("BT-147", "Item price discount")
    amount_currency: str | None = currency_of("price discount")
    base_amount: Amount | None = opt("BT-148", "Item gross price")
    base_amount_currency: str | None = currency_of("gross price")


class Price(CanonicalModel):
    """BG-29 Price details."""

    amount: Amount | None = opt("BT-146", "Item net price")
    amount_currency: str | None = currency_of("net price")
    base_quantity: Quantity | None = opt("BT-149", "Item price base quantity")
    base_quantity_unit_code: str | None = opt("BT-150", "Item price base quantity unit of measure")
    discount: PriceDiscount | None = syntax("the price discount and gross price (BT-147, BT-148)")


class InvoiceLine(CanonicalModel):
    """BG-25 Invoice line (cac:InvoiceLine / cac:CreditNoteLine)."""

    id: str | None = opt("BT-126", "Invoice line identifier")
    note: str | None = opt("BT-127", "Invoice line note")
    quantity: Quantity | None = opt("BT-129", "Invoiced quantity")
    unit_code: str | None = opt("BT-130", "Invoiced quantity unit of measure code")
    line_extension_amount: Amount | None = opt("BT-131", "Invoice line net amount")
    line_extension_amount_currency: str | None = currency_of("line net amount")
    accounting_cost: str | None = opt("BT-133", "Invoice line Buyer accounting reference")
    period: LinePeriod | None = opt("BG-26", "Invoice line period")
    order_line_reference: str | None = opt("BT-132", "Referenced purchase order line reference")
    object_identifier: LineObjectIdentifier | None = opt(
        "BT-128", "Invoice line object identifier"
    )
    allowance_charges: list[LineAllowanceCharge] = many(
        "BG-27/BG-28", "Invoice line allowances and charges"
    )
    item: Item | None = opt("BG-31", "Item information")
    price: Price | None = opt("BG-29", "Price details")


CreditNoteLine = InvoiceLine


# --- documents ----------------------------------------------------------------------------


class BillingDocument(CanonicalModel):
    """What an Invoice and a Credit Note share (UBL binding of EN 16931)."""

    ubl_version_id: str | None = syntax("cbc:UBLVersionID")
    customization_id: str | None = opt("BT-24", "Specification identifier")
    profile_id: str | None = opt("BT-23", "Business process type")
    id: str | None = opt("BT-1", "Invoice number")
    issue_date: IsoDate | None = opt("BT-2", "Invoice issue date")
    type_code: str | None = opt("BT-3", "Invoice type code (UNTDID 1001)")
    notes: list[str] = many("BT-22", "Invoice notes (BG-1; #subject code# prefix is BT-21)")
    tax_point_date: IsoDate | None = opt("BT-7", "Value added tax point date")
    currency_code: str | None = opt("BT-5", "Invoice currency code (ISO 4217)")
    tax_currency_code: str | None = opt("BT-6", "VAT accounting currency code")
    accounting_cost: str | None = opt("BT-19", "Buyer accounting reference")
    buyer_reference: str | None = opt("BT-10", "Buyer reference")
    invoice_period: InvoicePeriod | None = opt("BG-14", "Invoicing period")
    purchase_order_reference: str | None = opt("BT-13", "Purchase order reference")
    sales_order_reference: str | None = opt("BT-14", "Sales order reference")
    preceding_invoices: list[PrecedingInvoice] = many("BG-3", "Preceding invoice references")
    despatch_advice_reference: str | None = opt("BT-16", "Despatch advice reference")
    receiving_advice_reference: str | None = opt("BT-15", "Receiving advice reference")
    tender_reference: str | None = opt("BT-17", "Tender or lot reference")
    contract_reference: str | None = opt("BT-12", "Contract reference")
    additional_documents: list[AdditionalDocument] = many(
        "BG-24", "Additional supporting documents"
    )
    seller: Seller | None = opt("BG-4", "Seller")
    buyer: Buyer | None = opt("BG-7", "Buyer")
    payee: Payee | None = opt("BG-10", "Payee")
    tax_representative: TaxRepresentative | None = opt("BG-11", "Seller tax representative")
    delivery: Delivery | None = opt("BG-13", "Delivery information")
    payment_means: list[PaymentMeans] = many("BG-16", "Payment instructions")
    payment_terms: str | None = opt("BT-20", "Payment terms")
    allowance_charges: list[DocumentAllowanceCharge] = many(
        "BG-20/BG-21", "Document level allowances and charges"
    )
    tax_totals: list[TaxTotal] = many("BT-110/BT-111", "VAT totals (BT-110 with BG-23, BT-111)")
    totals: DocumentTotals | None = opt("BG-22", "Document totals")
    lines: list[InvoiceLine] = many("BG-25", "Invoice lines")

    @property
    def payment_due_date(self) -> date | None:
        """BT-9 wherever the binding puts it (overridden by Invoice)."""
        return next((m.due_date for m in self.payment_means if m.due_date is not None), None)

    def complete(self, *, copy: bool = True) -> tuple[BillingDocument, list[Finding]]:
        """Omitted totals and VAT breakdown derived (gateway.model.calc.complete)."""
        from gateway.model.calc import complete  # calc builds on these classes

        return complete(self, copy=copy)

    def iter_amount_currencies(self) -> Iterator[tuple[str, str]]:
        """(JSON pointer, currency) of every amount whose @currencyID differs from BT-5."""
        yield from _currencies(self, "")


class Invoice(BillingDocument):
    """A Peppol BIS Billing 3.0 / EN 16931 Invoice (UBL Invoice-2)."""

    due_date: IsoDate | None = opt("BT-9", "Payment due date")
    project_reference: str | None = opt("BT-11", "Project reference")

    @property
    def payment_due_date(self) -> date | None:
        """BT-9: cbc:DueDate (cac:PaymentMeans/cbc:PaymentDueDate is UBL-CR-412)."""
        return self.due_date if self.due_date is not None else super().payment_due_date


class CreditNote(BillingDocument):
    """A Peppol BIS Billing 3.0 / EN 16931 Credit Note (UBL CreditNote-2).

    UBL 2.1 CreditNote has no cbc:DueDate (BT-9 is cac:PaymentMeans/cbc:PaymentDueDate) and
    no cac:ProjectReference (BT-11 is an additional document with type code 50).
    """


def _currencies(model: CanonicalModel, pointer: str) -> Iterator[tuple[str, str]]:
    for name, value in model:
        if value is None:
            continue
        if name.endswith("_currency") and isinstance(value, str):
            yield f"{pointer}/{name.removesuffix('_currency')}", value
        elif isinstance(value, CanonicalModel):
            yield from _currencies(value, f"{pointer}/{name}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, CanonicalModel):
                    yield from _currencies(item, f"{pointer}/{name}/{index}")
