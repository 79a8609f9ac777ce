"""The DocumentType registry.

A document type is identified by its UBL root element and `cbc:CustomizationID`
(ProfileID is checked by the rules, not used for dispatch; see MANIFEST of the standards).
Each entry names its canonical model class, its mapping file and its official rule sets, so
registry-wide tests cover every type automatically.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from lxml import etree

from gateway.errors import UnsupportedDocumentError

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_ORDER = "urn:oasis:names:specification:ubl:schema:xsd:Order-2"
NS_ORDER_RESPONSE = "urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2"
NS_DESPATCH_ADVICE = "urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2"
NS_APPLICATION_RESPONSE = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"

CUST_PEPPOL_BILLING = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
CUST_PEPPOL_SELF_BILLING = (
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:selfbilling:3.0"
)
CUST_EN16931 = "urn:cen.eu:en16931:2017"
CUST_ORDER = "urn:fdc:peppol.eu:poacc:trns:order:3"
CUST_ORDER_RESPONSE = "urn:fdc:peppol.eu:poacc:trns:order_response:3"
CUST_DESPATCH_ADVICE = "urn:fdc:peppol.eu:poacc:trns:despatch_advice:3"
CUST_INVOICE_RESPONSE = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
CUST_MLR = "urn:fdc:peppol.eu:poacc:trns:mlr:3"

_CUSTOMIZATION_ID = (
    "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}CustomizationID"
)

# Official rule-set ids, resolved to files by gateway.validation.artefacts.
RULES_CEN = "CEN-EN16931-UBL"
RULES_PEPPOL = "PEPPOL-EN16931-UBL"
RULES_PEPPOL_SB = "PEPPOL-EN16931-UBL-SB"
RULES_EN16931 = "EN16931-UBL-validation"


@dataclass(frozen=True, slots=True)
class DocumentType:
    key: str
    title: str
    root: str
    namespace: str
    customization_id: str
    profile_id: str | None
    model_path: str  # "module:Class", imported on first use
    mapping: str  # file name in mappings/
    xsd: str  # path under the artefacts dir
    rule_sets: tuple[str, ...]
    parent: str | None = None  # the flavour this one extends

    @property
    def model(self) -> type[Any]:
        module_name, _, class_name = self.model_path.partition(":")
        return getattr(importlib.import_module(module_name), class_name)  # type: ignore[no-any-return]


def _billing(key: str, title: str, root: str, ns: str, cust: str, rules: tuple[str, ...],
             parent: str | None, model: str) -> DocumentType:
    mapping = "invoice.yaml" if root == "Invoice" else "credit-note.yaml"
    return DocumentType(
        key=key, title=title, root=root, namespace=ns, customization_id=cust,
        profile_id=(
            "urn:fdc:peppol.eu:2017:poacc:selfbilling:01:1.0" if "selfbilling" in cust
            else "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
        ),
        model_path=model, mapping=mapping,
        xsd=f"ubl-2.1/xsdrt/maindoc/UBL-{root}-2.1.xsd", rule_sets=rules, parent=parent,
    )


_INVOICE_MODEL = "gateway.model.invoice:Invoice"
_CREDIT_NOTE_MODEL = "gateway.model.invoice:CreditNote"

DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    _billing("invoice", "Peppol BIS Billing 3.0 Invoice", "Invoice", NS_INVOICE,
             CUST_PEPPOL_BILLING, (RULES_CEN, RULES_PEPPOL), None, _INVOICE_MODEL),
    _billing("credit-note", "Peppol BIS Billing 3.0 Credit Note", "CreditNote", NS_CREDIT_NOTE,
             CUST_PEPPOL_BILLING, (RULES_CEN, RULES_PEPPOL), None, _CREDIT_NOTE_MODEL),
    _billing("self-billing-invoice", "Peppol BIS Self-Billing 3.0 Invoice", "Invoice",
             NS_INVOICE, CUST_PEPPOL_SELF_BILLING, (RULES_CEN, RULES_PEPPOL_SB), "invoice",
             _INVOICE_MODEL),
    _billing("self-billing-credit-note", "Peppol BIS Self-Billing 3.0 Credit Note",
             "CreditNote", NS_CREDIT_NOTE, CUST_PEPPOL_SELF_BILLING,
             (RULES_CEN, RULES_PEPPOL_SB), "credit-note", _CREDIT_NOTE_MODEL),
    _billing("en16931-invoice", "EN 16931 Invoice (UBL)", "Invoice", NS_INVOICE, CUST_EN16931,
             (RULES_EN16931,), "invoice", _INVOICE_MODEL),
    _billing("en16931-credit-note", "EN 16931 Credit Note (UBL)", "CreditNote", NS_CREDIT_NOTE,
             CUST_EN16931, (RULES_EN16931,), "credit-note", _CREDIT_NOTE_MODEL),
    DocumentType(
        key="order", title="Peppol BIS Ordering Order (T01)", root="Order", namespace=NS_ORDER,
        customization_id=CUST_ORDER, profile_id="urn:fdc:peppol.eu:poacc:bis:ordering:3",
        model_path="gateway.model.order:Order", mapping="order.yaml",
        xsd="ubl-2.1/xsdrt/maindoc/UBL-Order-2.1.xsd", rule_sets=("PEPPOLBIS-T01",),
    ),
    DocumentType(
        key="order-response", title="Peppol BIS Order Response (T76)", root="OrderResponse",
        namespace=NS_ORDER_RESPONSE, customization_id=CUST_ORDER_RESPONSE,
        profile_id="urn:fdc:peppol.eu:poacc:bis:ordering:3",
        model_path="gateway.model.order_response:OrderResponse", mapping="order-response.yaml",
        xsd="ubl-2.1/xsdrt/maindoc/UBL-OrderResponse-2.1.xsd", rule_sets=("PEPPOLBIS-T76",),
    ),
    DocumentType(
        key="despatch-advice", title="Peppol BIS Despatch Advice (T16)", root="DespatchAdvice",
        namespace=NS_DESPATCH_ADVICE, customization_id=CUST_DESPATCH_ADVICE,
        profile_id="urn:fdc:peppol.eu:poacc:bis:despatch_advice:3",
        model_path="gateway.model.despatch_advice:DespatchAdvice",
        mapping="despatch-advice.yaml",
        xsd="ubl-2.1/xsdrt/maindoc/UBL-DespatchAdvice-2.1.xsd", rule_sets=("PEPPOLBIS-T16",),
    ),
    DocumentType(
        key="invoice-response", title="Peppol BIS Invoice Response (T111)",
        root="ApplicationResponse", namespace=NS_APPLICATION_RESPONSE,
        customization_id=CUST_INVOICE_RESPONSE,
        profile_id="urn:fdc:peppol.eu:poacc:bis:invoice_response:3",
        model_path="gateway.model.invoice_response:InvoiceResponse",
        mapping="invoice-response.yaml",
        xsd="ubl-2.1/xsdrt/maindoc/UBL-ApplicationResponse-2.1.xsd",
        rule_sets=("PEPPOLBIS-T111",),
    ),
    DocumentType(
        key="mlr", title="Peppol BIS Message Level Response (T71)", root="ApplicationResponse",
        namespace=NS_APPLICATION_RESPONSE, customization_id=CUST_MLR,
        profile_id="urn:fdc:peppol.eu:poacc:bis:mlr:3",
        model_path="gateway.model.mlr:MessageLevelResponse", mapping="mlr.yaml",
        xsd="ubl-2.1/xsdrt/maindoc/UBL-ApplicationResponse-2.1.xsd",
        rule_sets=("PEPPOLBIS-T71",),
    ),
)


class Registry:
    def __init__(self, types: tuple[DocumentType, ...] = DOCUMENT_TYPES) -> None:
        self._types = types
        self._by_key = {t.key: t for t in types}
        self._by_dispatch = {(t.namespace, t.customization_id): t for t in types}

    def __iter__(self) -> Iterator[DocumentType]:
        return iter(self._types)

    @cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(self._by_key)

    def get(self, key: str) -> DocumentType:
        try:
            return self._by_key[key]
        except KeyError:
            known = ", ".join(self._by_key)
            raise UnsupportedDocumentError(
                f"unknown document type {key!r}; supported: {known}"
            ) from None

    def for_root(self, namespace: str | None, customization_id: str | None) -> DocumentType:
        """The type for a root namespace and CustomizationID (whitespace-trimmed)."""
        cust = (customization_id or "").strip()
        found = self._by_dispatch.get((namespace or "", cust))
        if found is not None:
            return found
        roots = {t.namespace for t in self._types}
        if namespace not in roots:
            raise UnsupportedDocumentError(
                f"unsupported root element namespace {namespace!r}; expected one of: "
                + ", ".join(sorted(roots))
            )
        if not cust:
            raise UnsupportedDocumentError("cbc:CustomizationID is missing; cannot tell the type")
        raise UnsupportedDocumentError(f"unsupported CustomizationID {cust!r}")

    def for_element(self, root: Any) -> DocumentType:
        """The type of a parsed document: root element, its namespace and CustomizationID."""
        qname = etree.QName(root)
        expected = {t.root for t in self._types if t.namespace == qname.namespace}
        if expected and qname.localname not in expected:
            raise UnsupportedDocumentError(
                f"root element {qname.localname!r} does not match its namespace "
                f"{qname.namespace!r} (expected {' or '.join(sorted(expected))})"
            )
        return self.for_root(qname.namespace, root.findtext(_CUSTOMIZATION_ID))

    def flavours_of(self, key: str) -> list[DocumentType]:
        return [t for t in self._types if t.parent == key]


REGISTRY = Registry()
