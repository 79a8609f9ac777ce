"""Building blocks shared by the Peppol post-award documents (BIS Ordering, Despatch Advice,
Invoice Response, Message Level Response).

Each class mirrors one UBL aggregate as the Peppol BIS transactions restrict it; a document
module composes them into role-specific parties so that every field it declares is one that
transaction allows. The JSON shape follows mappings/README.md: attributes UBL carries and the
BIS uses sit next to their value as their own keys (`endpoint_id` + `endpoint_scheme_id`,
`quantity` + `quantity_unit_code`), so a UBL document survives ubl -> model -> ubl unchanged.

Amounts are in the document currency (`currency_code`): Peppol requires a single currency per
document (PEPPOL-T01-R003, PEPPOL-T76-R005). Each amount still has an `<amount>_currency` key,
set only when a document states another currency, which keeps the round trip exact.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from gateway.model.types import CanonicalModel, IsoDate, Percent, Quantity, bt

IsoTime = Annotated[
    str,
    StringConstraints(
        pattern=r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?$"
    ),
]
"""An xs:time as written (hh:mm:ss, optional fraction and zone), kept as text so it round-trips."""


def currency_of(amount: str) -> Any:
    """The field of `<amount>_currency`: the amount's `@currencyID`, set only when it is not
    the document currency (mappings/README.md)."""
    return Field(None, description=f"@currencyID of {amount}, only when not `currency_code`.")


class PartyIdentifier(CanonicalModel):
    """cac:PartyIdentification: one identifier of a party with its scheme (ISO 6523 ICD)."""

    id: str = Field(description="cbc:ID")
    scheme_id: str | None = Field(None, description="@schemeID, ISO 6523 ICD code.")


class Address(CanonicalModel):
    """A postal address (cac:PostalAddress, cac:Address); cf. EN 16931 BG-5, BG-8, BG-15."""

    street_name: str | None = Field(
        None, description="cbc:StreetName, address line 1 (cf. BT-35, BT-50, BT-75)."
    )
    additional_street_name: str | None = Field(
        None, description="cbc:AdditionalStreetName, address line 2 (cf. BT-36, BT-51, BT-76)."
    )
    city_name: str | None = Field(None, description="cbc:CityName (cf. BT-37, BT-52, BT-77).")
    postal_zone: str | None = Field(None, description="cbc:PostalZone (cf. BT-38, BT-53, BT-78).")
    country_subentity: str | None = Field(
        None, description="cbc:CountrySubentity (cf. BT-39, BT-54, BT-79)."
    )
    address_line: str | None = Field(
        None, description="cac:AddressLine/cbc:Line, address line 3 (cf. BT-162, BT-163, BT-165)."
    )
    country_code: str | None = Field(
        None, description="cac:Country/cbc:IdentificationCode, ISO 3166-1 alpha-2 "
        "(cf. BT-40, BT-55, BT-80)."
    )
    country_code_list_id: str | None = Field(None, description="@listID of the country code.")


class RegistrationAddress(CanonicalModel):
    """cac:PartyLegalEntity/cac:RegistrationAddress: where the legal entity is registered."""

    city_name: str | None = Field(None, description="cbc:CityName")
    country_code: str | None = Field(None, description="cac:Country/cbc:IdentificationCode")
    country_code_list_id: str | None = Field(None, description="@listID of the country code.")


class Contact(CanonicalModel):
    """cac:Contact (cf. EN 16931 BG-6 seller contact, BG-9 buyer contact)."""

    name: str | None = Field(None, description="cbc:Name (cf. BT-41, BT-56).")
    telephone: str | None = Field(None, description="cbc:Telephone (cf. BT-42, BT-57).")
    electronic_mail: str | None = Field(None, description="cbc:ElectronicMail (cf. BT-43, BT-58).")


class LegalEntity(CanonicalModel):
    """cac:PartyLegalEntity with registration name, company id and registration address."""

    registration_name: str | None = Field(
        None, description="cbc:RegistrationName, legal name (cf. BT-27, BT-44)."
    )
    company_id: str | None = Field(
        None, description="cbc:CompanyID, legal registration identifier (cf. BT-30, BT-47)."
    )
    company_scheme_id: str | None = Field(
        None, description="@schemeID of the company id, ISO 6523 ICD (cf. BT-30-1, BT-47-1)."
    )
    registration_address: RegistrationAddress | None = Field(
        None, description="cac:RegistrationAddress"
    )


class TaxRegistration(CanonicalModel):
    """cac:PartyTaxScheme: the party's tax (VAT) identifier (cf. BT-31, BT-48)."""

    company_id: str | None = Field(None, description="cbc:CompanyID, e.g. a VAT number.")
    company_scheme_id: str | None = Field(None, description="@schemeID of the company id.")
    tax_scheme_id: str | None = Field(None, description="cac:TaxScheme/cbc:ID, e.g. VAT.")


class Period(CanonicalModel):
    """A period with optional times (cac:RequestedDeliveryPeriod, PromisedDeliveryPeriod, ...)."""

    start_date: IsoDate | None = Field(None, description="cbc:StartDate")
    start_time: IsoTime | None = Field(None, description="cbc:StartTime")
    end_date: IsoDate | None = Field(None, description="cbc:EndDate")
    end_time: IsoTime | None = Field(None, description="cbc:EndTime")


class AttachedDocument(CanonicalModel):
    """cac:AdditionalDocumentReference with an optional attachment (EN 16931 BG-24)."""

    id: str | None = bt("BT-122", "Supporting document reference (cbc:ID).", default=None)
    document_type: str | None = bt(
        "BT-123", "Supporting document description (cbc:DocumentType).", default=None
    )
    embedded_document: str | None = bt(
        "BT-125", "Attached document, base64 "
        "(cac:Attachment/cbc:EmbeddedDocumentBinaryObject).", default=None,
    )
    mime_code: str | None = bt("BT-125-1", "MIME code of the attached document.", default=None)
    filename: str | None = bt("BT-125-2", "File name of the attached document.", default=None)
    uri: str | None = bt(
        "BT-124", "External document location (cac:ExternalReference/cbc:URI).", default=None
    )


class Classification(CanonicalModel):
    """cac:CommodityClassification/cbc:ItemClassificationCode."""

    code: str = bt("BT-158", "Item classification identifier.")
    list_id: str | None = bt("BT-158-1", "Classification scheme (UNCL 7143), @listID.",
                             default=None)
    list_version_id: str | None = bt("BT-158-2", "Scheme version, @listVersionID.",
                                     default=None)


class TaxCategory(CanonicalModel):
    """cac:TaxCategory / cac:ClassifiedTaxCategory (cf. BT-95, BT-102, BT-151 and rates)."""

    code: str | None = Field(None, description="cbc:ID, UNCL 5305 tax category code.")
    code_scheme_id: str | None = Field(None, description="@schemeID of the category code.")
    percent: Percent | None = Field(None, description="cbc:Percent, tax rate.")
    tax_scheme_id: str | None = Field(None, description="cac:TaxScheme/cbc:ID, e.g. VAT.")


class ItemProperty(CanonicalModel):
    """cac:AdditionalItemProperty (EN 16931 BG-32)."""

    name: str | None = bt("BT-160", "Item attribute name.", default=None)
    name_code: str | None = Field(None, description="cbc:NameCode, property code.")
    name_code_list_id: str | None = Field(None, description="@listID of the property code.")
    value: str | None = bt("BT-161", "Item attribute value.", default=None)
    value_quantity: Quantity | None = Field(None, description="cbc:ValueQuantity")
    value_quantity_unit_code: str | None = Field(
        None, description="@unitCode of the value quantity, UN/ECE Rec 20."
    )
    value_qualifier: str | None = Field(None, description="cbc:ValueQualifier")


class IdentifiedItemProperty(ItemProperty):
    """An item property that may be identified in a property dictionary (e.g. ISO 22057)."""

    id: str | None = Field(None, description="cbc:ID of the property.")
    id_scheme_id: str | None = Field(None, description="@schemeID of the property id.")
    id_scheme_version_id: str | None = Field(None, description="@schemeVersionID")
    id_scheme_data_uri: str | None = Field(None, description="@schemeDataURI")
