"""The demo's trading partners and the Order the buyer sends, built in code.

Two fictitious Swedish companies: a hospital region (the buyer, the "partner" gateway) orders
medical supplies from a wholesaler (the seller, "our" gateway). Their identifiers are valid:
organisation numbers with their Luhn check digit (Peppol scheme 0007), VAT numbers
``SE<org no>01``, GLNs and GTINs with their check digit, and an IBAN with its MOD 97-10 check
digits, so the gateways' identifier checks (python-stdnum) accept them.

The order carries what a real replenishment order does: a framework contract, a buyer
reference and cost centre, a delivery location (GLN) and period, four lines at two VAT rates
(25 % supplies, 6 % printed books), a volume discount on one line and a freight charge. Its
amounts are computed here with the EN 16931 rounding of gateway.model.calc, so the totals
satisfy PEPPOL-T01-R008 ... R024.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from gateway.model import calc
from gateway.model.common import (
    Address,
    Contact,
    LegalEntity,
    PartyIdentifier,
    Period,
    TaxCategory,
    TaxRegistration,
)
from gateway.model.invoice import SellerAddress, SellerContact
from gateway.model.order import (
    AllowanceCharge,
    CustomerParty,
    DeliveryLocation,
    DeliveryParty,
    DocumentAllowanceCharge,
    MonetaryTotal,
    Order,
    OrderDelivery,
    OrderItem,
    OrderLine,
    Price,
    SellerParty,
)
from gateway.ordering.invoice_from_order import SellerAccount

CURRENCY = "SEK"
SCHEME_SE_ORGNR = "0007"
SCHEME_GLN = "0088"
SCHEME_GTIN = "0160"
STANDARD_RATE = Decimal("25")
BOOKS_RATE = Decimal("6")


@dataclass(frozen=True, slots=True)
class Company:
    """A trading party as both gateways know it."""

    key_prefix: str
    """The prefix of the API keys its gateway partner record issues."""
    legal_name: str
    trading_name: str
    org_number: str
    """Swedish organisation number (10 digits, Luhn): Peppol participant scheme 0007."""
    street: str
    city: str
    postal_zone: str
    contact_name: str
    contact_phone: str
    contact_email: str

    @property
    def participant_id(self) -> str:
        return f"{SCHEME_SE_ORGNR}:{self.org_number}"

    @property
    def vat_id(self) -> str:
        return f"SE{self.org_number}01"

    def address(self) -> Address:
        return Address(street_name=self.street, city_name=self.city,
                       postal_zone=self.postal_zone, country_code="SE")

    def contact(self) -> Contact:
        return Contact(name=self.contact_name, telephone=self.contact_phone,
                       electronic_mail=self.contact_email)

    def legal_entity(self) -> LegalEntity:
        return LegalEntity(registration_name=self.legal_name, company_id=self.org_number,
                           company_scheme_id=SCHEME_SE_ORGNR)


SELLER = Company(
    key_prefix="nordkap", legal_name="Nordkap Medical Supply AB",
    trading_name="Nordkap Medical", org_number="5567912349",
    street="Industrigatan 14", city="Sundsvall", postal_zone="852 38",
    contact_name="Order desk", contact_phone="+46 60 123 45 00",
    contact_email="orders@nordkap-medical.example",
)
BUYER = Company(
    key_prefix="solvik", legal_name="Region Solvik", trading_name="Region Solvik",
    org_number="2321000180", street="Regionhuset, Storgatan 1", city="Solvik",
    postal_zone="901 85", contact_name="Anna Berg, purchasing",
    contact_phone="+46 90 785 00 00", contact_email="inkop@region-solvik.example",
)
DELIVERY_GLN = "7350001112220"
SELLER_IBAN = "SE7280000810340009783242"
SELLER_BIC = "SWEDSESS"


@dataclass(frozen=True, slots=True)
class Article:
    """One catalogue article of the seller."""

    name: str
    description: str
    sellers_item_id: str
    gtin: str
    unit_code: str
    """UN/ECE Rec 20, Rec 21 codes prefixed with X (Peppol): XBX box, EA each."""
    price: Decimal
    vat_rate: Decimal


CATALOGUE = (
    Article("Nitrile examination gloves, size M", "Powder-free, 100 gloves per box",
            "NMS-GLV-NM", "7350001234014", "XBX", Decimal("89.50"), STANDARD_RATE),
    Article("Surgical face mask type IIR", "EN 14683 type IIR, 50 masks per box",
            "NMS-MSK-2R", "7350001234021", "XBX", Decimal("62.00"), STANDARD_RATE),
    Article("Hand disinfectant 500 ml", "Ethanol 85 %, pump bottle", "NMS-HDS-500",
            "7350001234038", "EA", Decimal("47.25"), STANDARD_RATE),
    Article("Infection prevention handbook", "Printed book, 3rd edition", "NMS-BK-IP3",
            "9789171234568", "EA", Decimal("389.00"), BOOKS_RATE),
)
QUANTITIES = (Decimal("40"), Decimal("60"), Decimal("48"), Decimal("2"))
VOLUME_DISCOUNT_PERCENT = Decimal("5")
FREIGHT = Decimal("195.00")


def seller_account() -> SellerAccount:
    """The seller's master data its invoices state (BG-4, BG-17)."""
    return SellerAccount(
        name=SELLER.legal_name, trading_name=SELLER.trading_name, vat_id=SELLER.vat_id,
        address=SellerAddress(street_name=SELLER.street, city_name=SELLER.city,
                              postal_zone=SELLER.postal_zone, country_code="SE"),
        endpoint_id=SELLER.org_number, endpoint_scheme_id=SCHEME_SE_ORGNR,
        iban=SELLER_IBAN, bic=SELLER_BIC, account_name=SELLER.legal_name,
        legal_registration_id=SELLER.org_number,
        legal_registration_id_scheme_id=SCHEME_SE_ORGNR,
        additional_legal_information="Registered office Sundsvall. Godkänd för F-skatt.",
        contact=SellerContact(name=SELLER.contact_name, telephone=SELLER.contact_phone,
                              email=SELLER.contact_email),
    )


def build_order(order_id: str, issue_date: date, issue_time: str) -> Order:
    """The replenishment order the buyer's ERP sends (T01), totals computed."""
    lines = [_line(str(n), article, quantity)
             for n, (article, quantity) in enumerate(zip(CATALOGUE, QUANTITIES, strict=True),
                                                     start=1)]
    freight = DocumentAllowanceCharge(
        charge_indicator=True, reason_code="FC", reason="Freight", amount=FREIGHT,
        tax_category=TaxCategory(code="S", percent=STANDARD_RATE, tax_scheme_id="VAT"),
    )
    tax = _tax_amount(lines, FREIGHT)
    line_total = sum((line.line_extension_amount or calc.ZERO for line in lines), calc.ZERO)
    exclusive = line_total + FREIGHT
    return Order(
        id=order_id, issue_date=issue_date, issue_time=issue_time, order_type_code="220",
        note="Monthly replenishment for ward 4B", currency_code=CURRENCY,
        customer_reference="4B-0042", accounting_cost="4410",
        validity_end_date=issue_date + timedelta(days=14),
        contract_reference="FA-2024-117",
        buyer=CustomerParty(
            endpoint_id=BUYER.org_number, endpoint_scheme_id=SCHEME_SE_ORGNR,
            identifiers=[PartyIdentifier(id=BUYER.org_number, scheme_id=SCHEME_SE_ORGNR)],
            name=BUYER.trading_name, postal_address=BUYER.address(),
            tax_registration=TaxRegistration(company_id=BUYER.vat_id, tax_scheme_id="VAT"),
            legal_entity=BUYER.legal_entity(), contact=BUYER.contact(),
        ),
        seller=SellerParty(
            endpoint_id=SELLER.org_number, endpoint_scheme_id=SCHEME_SE_ORGNR,
            identifiers=[PartyIdentifier(id=SELLER.org_number, scheme_id=SCHEME_SE_ORGNR)],
            name=SELLER.trading_name, postal_address=SELLER.address(),
            legal_entity=SELLER.legal_entity(),
        ),
        delivery=OrderDelivery(
            location=DeliveryLocation(
                id=DELIVERY_GLN, id_scheme_id=SCHEME_GLN, name="Goods reception, building 12",
                address=Address(street_name="Sjukhusvägen 12", city_name="Solvik",
                                postal_zone="901 89", country_code="SE"),
            ),
            requested_period=Period(start_date=issue_date + timedelta(days=2),
                                    end_date=issue_date + timedelta(days=4)),
            party=DeliveryParty(name="Solvik University Hospital, ward 4B"),
        ),
        allowance_charges=[freight],
        tax_amount=tax,
        totals=MonetaryTotal(line_extension_amount=line_total, charge_total_amount=FREIGHT,
                             tax_exclusive_amount=exclusive,
                             tax_inclusive_amount=exclusive + tax,
                             payable_amount=exclusive + tax),
        lines=lines,
    )


def _line(line_id: str, article: Article, quantity: Decimal) -> OrderLine:
    gross = calc.round_amount(quantity * article.price)
    discounts = []
    if line_id == "1":  # the framework contract's volume discount on gloves
        discounts.append(AllowanceCharge(
            charge_indicator=False, reason_code="95", reason="Volume discount",
            multiplier_factor=VOLUME_DISCOUNT_PERCENT, base_amount=gross,
            amount=calc.round_amount(gross * VOLUME_DISCOUNT_PERCENT / calc.HUNDRED),
        ))
    net = gross - sum((d.amount or calc.ZERO for d in discounts), calc.ZERO)
    return OrderLine(
        id=line_id, quantity=quantity, quantity_unit_code=article.unit_code,
        line_extension_amount=net, partial_delivery_indicator=True,
        allowance_charges=discounts,
        price=Price(price_amount=article.price, base_quantity=Decimal("1"),
                    base_quantity_unit_code=article.unit_code),
        item=OrderItem(
            description=article.description, name=article.name,
            sellers_item_id=article.sellers_item_id, standard_item_id=article.gtin,
            standard_item_scheme_id=SCHEME_GTIN,
            tax_category=TaxCategory(code="S", percent=article.vat_rate, tax_scheme_id="VAT"),
        ),
    )


def _tax_amount(lines: list[OrderLine], freight: Decimal) -> Decimal:
    """VAT of the order: per rate, (line nets + charges) x rate, rounded (as BR-CO-17)."""
    taxable: dict[Decimal, Decimal] = {STANDARD_RATE: freight}
    for line in lines:
        assert line.item is not None
        assert line.item.tax_category is not None
        rate = line.item.tax_category.percent or calc.ZERO
        taxable[rate] = taxable.get(rate, calc.ZERO) + (line.line_extension_amount or calc.ZERO)
    return sum((calc.vat_category_tax_amount(amount, rate) for rate, amount in taxable.items()),
               calc.ZERO)
