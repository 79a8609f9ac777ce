"""Peppol SMP 1.x client (busdox namespaces): ServiceGroup, SignedServiceMetadata, Redirect.

Pure core: ``parse_service_group``, ``verify_service_metadata`` (signature + parsing),
``check_identifiers``, ``select_endpoint``. The ``SmpClient`` composes them with an injected
SML resolver and HTTP ``SmpFetch`` and a TTL cache (peppol-as4.md §1.11):

* the response signature is verified against the SMP trust (SMP CA anchors or a pinned SMP
  certificate). Real SMPs sign with rsa-sha1, so **only here** the SMP algorithm sets
  (``algorithms.SMP_*``) are used; documents never accept SHA-1;
* the participant and document ids in the response must match the request (peppol-commons
  12.6.1: participant case-insensitively, document type case-sensitively);
* the endpoint must be active (ServiceActivationDate/ServiceExpirationDate) and its
  certificate must chain to the AP trust store (G2/G3) when one is configured;
* only a real HTTP 404 means "not there"; timeouts and 5xx are ``DiscoveryUnavailable``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from lxml import etree

from gateway.errors import InputError
from gateway.peppol.errors import (
    CertificateMismatch,
    DocumentTypeNotSupported,
    SmpResponseInvalid,
)
from gateway.peppol.identifiers import DocumentTypeId, ParticipantId, ProcessId
from gateway.signing.algorithms import SMP_DIGEST_ALGORITHMS, SMP_SIGNATURE_METHODS
from gateway.signing.document import DocumentVerifier
from gateway.signing.errors import SIG_UNTRUSTED, SignatureRejected
from gateway.signing.trust import SignerTrust, UntrustedCertificate
from gateway.xml.parser import parse_xml

SMP_NS = "http://busdox.org/serviceMetadata/publishing/1.0/"
IDS_NS = "http://busdox.org/transport/identifiers/1.0/"
WSA_NS = "http://www.w3.org/2005/08/addressing"
AS4_TRANSPORT_PROFILE = "peppol-transport-as4-v2_0"
MAX_SMP_RESPONSE_BYTES = 1024 * 1024


def _q(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


@dataclass(frozen=True, slots=True)
class Endpoint:
    transport_profile: str
    address: str
    certificate: x509.Certificate
    activation: datetime | None = None
    expiration: datetime | None = None
    requires_business_level_signature: bool = False
    technical_contact: str | None = None

    def active_at(self, moment: datetime) -> bool:
        started = self.activation is None or self.activation <= moment
        return started and (self.expiration is None or moment < self.expiration)


@dataclass(frozen=True, slots=True)
class ProcessEndpoints:
    process: ProcessId
    endpoints: tuple[Endpoint, ...]


@dataclass(frozen=True, slots=True)
class ServiceMetadata:
    participant: ParticipantId
    document_type: DocumentTypeId
    processes: tuple[ProcessEndpoints, ...]
    signer: x509.Certificate


@dataclass(frozen=True, slots=True)
class Redirect:
    href: str
    certificate_uid: str | None
    signer: x509.Certificate


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    body: bytes = field(repr=False)


SmpFetch = Callable[[str], Awaitable[HttpResponse]]
SmpLocator = Callable[[ParticipantId], Awaitable[str]]


def _invalid(message: str, wire_code: str = "smp:invalid-response") -> SmpResponseInvalid:
    return SmpResponseInvalid(message, wire_code=wire_code)


def _parse(body: bytes) -> etree._Element:
    try:
        return parse_xml(body, max_bytes=MAX_SMP_RESPONSE_BYTES)
    except InputError as exc:
        raise _invalid(f"SMP response is not readable XML: {exc.message}") from None


def parse_service_group(body: bytes) -> tuple[str, ...]:
    """The ``ServiceMetadataReference/@href`` values of a ServiceGroup (unsigned in SMP 1.x)."""
    root = _parse(body)
    if root.tag != _q(SMP_NS, "ServiceGroup"):
        raise _invalid(f"expected smp:ServiceGroup, got {root.tag}")
    refs = root.iter(_q(SMP_NS, "ServiceMetadataReference"))
    return tuple(href for ref in refs if (href := ref.get("href")))


def smp_verifier(trust: SignerTrust) -> DocumentVerifier:
    """The one verifier that accepts rsa-sha1/sha1, because real SMPs still sign with it."""
    return DocumentVerifier(
        trust,
        max_bytes=MAX_SMP_RESPONSE_BYTES,
        signature_methods=SMP_SIGNATURE_METHODS,
        digest_algorithms=SMP_DIGEST_ALGORITHMS,
    )


def verify_service_metadata(body: bytes, trust: SignerTrust) -> ServiceMetadata | Redirect:
    """Verify a SignedServiceMetadata and read it from the signed bytes only."""
    try:
        verified = smp_verifier(trust).verify(body)
    except SignatureRejected as exc:
        if exc.rule_id == SIG_UNTRUSTED:
            raise CertificateMismatch(
                f"SMP signer not trusted: {exc.message}", wire_code="smp:untrusted-signer"
            ) from None
        raise _invalid(f"SMP signature: {exc.message}", f"smp:{exc.rule_id}") from None
    except InputError as exc:
        raise _invalid(f"SMP response is not readable XML: {exc.message}") from None
    return service_metadata_from_verified(verified.root, verified.signer)


def service_metadata_from_verified(
    root: etree._Element, signer: x509.Certificate
) -> ServiceMetadata | Redirect:
    """Read a SignedServiceMetadata tree. Only pass content a signature check returned."""
    if root.tag != _q(SMP_NS, "SignedServiceMetadata"):
        raise _invalid(f"expected smp:SignedServiceMetadata, got {root.tag}")
    metadata = root.find(_q(SMP_NS, "ServiceMetadata"))
    if metadata is None:
        raise _invalid("SignedServiceMetadata without ServiceMetadata")
    redirect = metadata.find(_q(SMP_NS, "Redirect"))
    if redirect is not None:
        return _redirect(redirect, signer)
    information = metadata.find(_q(SMP_NS, "ServiceInformation"))
    if information is None:
        raise _invalid("ServiceMetadata without ServiceInformation or Redirect")
    return _service_information(information, signer)


def _redirect(element: etree._Element, signer: x509.Certificate) -> Redirect:
    href = element.get("href")
    if not href or not href.startswith(("https://", "http://")):
        raise _invalid("Redirect without an http(s) href")
    uid = element.findtext(_q(SMP_NS, "CertificateUID"))
    return Redirect(href, uid.strip() if uid else None, signer)


def _identifier(parent: etree._Element, local: str) -> tuple[str, str]:
    element = parent.find(_q(IDS_NS, local))
    if element is None or not (element.text or "").strip():
        raise _invalid(f"ServiceInformation without {local}")
    return element.get("scheme", ""), (element.text or "").strip()


def _service_information(info: etree._Element, signer: x509.Certificate) -> ServiceMetadata:
    try:
        scheme, value = _identifier(info, "ParticipantIdentifier")
        participant = ParticipantId(value, scheme)
        scheme, value = _identifier(info, "DocumentIdentifier")
        document_type = DocumentTypeId(value, scheme)
        processes = tuple(_process(process) for process in info.iter(_q(SMP_NS, "Process")))
    except InputError as exc:
        raise _invalid(f"SMP ServiceInformation: {exc.message}") from None
    return ServiceMetadata(participant, document_type, processes, signer)


def _process(element: etree._Element) -> ProcessEndpoints:
    scheme, value = _identifier(element, "ProcessIdentifier")
    endpoints = tuple(_endpoint(e) for e in element.iter(_q(SMP_NS, "Endpoint")))
    return ProcessEndpoints(ProcessId(value, scheme), endpoints)


def _endpoint(element: etree._Element) -> Endpoint:
    address = element.findtext(f"{_q(WSA_NS, 'EndpointReference')}/{_q(WSA_NS, 'Address')}")
    if not address or not address.strip():
        raise _invalid("Endpoint without EndpointReference/Address")
    return Endpoint(
        transport_profile=element.get("transportProfile", ""),
        address=address.strip(),
        certificate=_certificate(element.findtext(_q(SMP_NS, "Certificate")) or ""),
        activation=_datetime(element.findtext(_q(SMP_NS, "ServiceActivationDate"))),
        expiration=_datetime(element.findtext(_q(SMP_NS, "ServiceExpirationDate"))),
        requires_business_level_signature=(
            (element.findtext(_q(SMP_NS, "RequireBusinessLevelSignature")) or "").strip()
            in ("true", "1")
        ),
        technical_contact=element.findtext(_q(SMP_NS, "TechnicalContactUrl")),
    )


def _certificate(text: str) -> x509.Certificate:
    body = "".join(
        line for line in text.split() if not line.startswith("-----") and "CERTIFICATE" not in line
    )
    try:
        return x509.load_der_x509_certificate(base64.b64decode(body, validate=True))
    except (ValueError, binascii.Error):
        raise _invalid("Endpoint Certificate is not a base64 DER certificate") from None


def _datetime(text: str | None) -> datetime | None:
    if text is None or not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(f"invalid xs:dateTime {text!r} in SMP endpoint") from None
    # A dateTime without offset is read as UTC (SMP 1.x gives none; phoss-smp writes Z).
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_identifiers(
    metadata: ServiceMetadata, participant: ParticipantId, document_type: DocumentTypeId
) -> None:
    """The response must be about what was asked (peppol-commons 12.6.1)."""
    if metadata.participant != participant:
        raise _invalid(
            f"SMP answered for {metadata.participant}, not {participant}", "smp:participant-echo"
        )
    if metadata.document_type != document_type:
        raise _invalid(
            f"SMP answered for {metadata.document_type}, not {document_type}", "smp:doctype-echo"
        )


def select_endpoint(
    metadata: ServiceMetadata, process: ProcessId, transport_profile: str, moment: datetime
) -> Endpoint:
    """The active endpoint for ``process`` over ``transport_profile``."""
    candidates = [
        endpoint
        for entry in metadata.processes
        if entry.process == process
        for endpoint in entry.endpoints
        if endpoint.transport_profile == transport_profile
    ]
    active = [endpoint for endpoint in candidates if endpoint.active_at(moment)]
    if not active:
        state = "inactive or expired" if candidates else "not published"
        raise DocumentTypeNotSupported(
            f"{metadata.participant}: {metadata.document_type} with {process} over "
            f"{transport_profile} is {state}",
            wire_code="smp:no-endpoint",
        )
    return active[0]


def check_endpoint_certificate(
    endpoint: Endpoint, ap_trust: SignerTrust | None, moment: datetime
) -> None:
    if ap_trust is None:
        return
    try:
        ap_trust.check_certificate(endpoint.certificate, moment)
    except UntrustedCertificate as exc:
        raise CertificateMismatch(
            f"endpoint certificate of {endpoint.address}: {exc}", wire_code="smp:endpoint-cert"
        ) from None
