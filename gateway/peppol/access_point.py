"""The gateway as a Peppol access point, built once from the settings (docs/peppol.md).

``build_access_point(settings)`` loads our AP key and certificate, the AP and SMP trust stores,
the revocation checker (policy soft/hard/off, CRL sources), our participants and the services
we receive, and, when publishing, signs our SMP ServiceMetadata. From it the app takes:

* ``receiver_settings()``: the AS4 receiver (decryption keys, signer check, recipient check);
* ``transport_config(session)``: the ``peppol-as4`` transport (our identity as C2 and the
  default C1, SML/SMP discovery when a zone or a fixed SMP is configured, the receiving AP
  check);
* ``publisher``: our SMP (``/smp``), or None.

Every problem is a ``ConfigurationError`` naming the setting and its environment variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from cryptography import x509

from gateway.errors import ConfigurationError, InputError
from gateway.peppol.as4.inbound import ReceiverSettings
from gateway.peppol.as4.outbound import SenderIdentity
from gateway.peppol.as4.transport import As4TransportConfig
from gateway.peppol.discovery import Discovery, DiscoveryConfig, aiohttp_fetch
from gateway.peppol.identifiers import DocumentTypeId, ParticipantId, ProcessId
from gateway.peppol.revocation import (
    RevocationChecker,
    RevocationConfig,
    crl_fetcher,
    issuers_of,
)
from gateway.peppol.sml import SmlResolver, check_zone, dns_naptr_lookup
from gateway.peppol.smp_publish import PublishedEndpoint
from gateway.peppol.smp_server import Publication, SmpPublisher
from gateway.peppol.truststore import CertificateCheck, load_files, trust_from_certificates
from gateway.settings import Settings, env_name
from gateway.signing.credentials import SigningCredentials
from gateway.signing.document import DocumentSigner
from gateway.signing.pki import common_name
from gateway.signing.trust import SignerTrust, UntrustedCertificate
from gateway.transports.base import Clock, utc_now

BILLING_PROCESS = "cenbii-procid-ubl::urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
_BILLING_CUSTOMIZATION = (
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
)
BILLING_SERVICES = (
    f"busdox-docid-qns::urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice"
    f"##{_BILLING_CUSTOMIZATION}::2.1 {BILLING_PROCESS};"
    f"busdox-docid-qns::urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote"
    f"##{_BILLING_CUSTOMIZATION}::2.1 {BILLING_PROCESS}"
)
"""The default of ``peppol_services``: Peppol BIS Billing 3.0 invoice and credit note."""
DEFAULT_DNS_PORT = 53

Service = tuple[DocumentTypeId, ProcessId]
SessionSource = Callable[[], aiohttp.ClientSession]


def _error(key: str, problem: str) -> ConfigurationError:
    return ConfigurationError(f"setting {key!r} ({env_name(key)}) {problem}",
                              code="invalid-setting")


def _items(text: str | None, separator: str = ",") -> list[str]:
    return [item.strip() for item in (text or "").split(separator) if item.strip()]


def parse_participants(text: str | None) -> tuple[ParticipantId, ...]:
    try:
        participants = tuple(ParticipantId.parse(item) for item in _items(text))
    except InputError as exc:
        raise _error("peppol_participants", exc.message) from None
    if not participants:
        raise _error("peppol_participants", "is required: the participant ids this access "
                     "point sends for and receives for (e.g. 0088:5790000435975)")
    return participants


def parse_services(text: str | None) -> tuple[Service, ...]:
    """``<document type id> <process id>`` pairs separated by ``;``."""
    services = []
    for entry in _items(text or BILLING_SERVICES, ";"):
        parts = entry.split()
        if len(parts) != 2:
            raise _error("peppol_services", f"entry {entry!r}: expected '<document type id> "
                         "<process id>'")
        try:
            services.append((DocumentTypeId.parse(parts[0]), ProcessId.parse(parts[1])))
        except InputError as exc:
            raise _error("peppol_services", f"entry {entry!r}: {exc.message}") from None
    return tuple(services)


def parse_nameservers(text: str | None) -> tuple[list[str], int]:
    """``ip`` or ``ip:port`` entries (one port for all) → addresses and port."""
    addresses, ports = [], set()
    for item in _items(text):
        host, _, port = item.rpartition(":") if item.count(":") == 1 else (item, "", "")
        addresses.append(host)
        if port and (not port.isdigit() or not 0 < int(port) < 65536):
            raise _error("peppol_sml_nameservers", f"entry {item!r}: bad port")
        ports.add(int(port) if port else DEFAULT_DNS_PORT)
    if len(ports) > 1:
        raise _error("peppol_sml_nameservers", "entries must all use the same port")
    return addresses, ports.pop() if ports else DEFAULT_DNS_PORT


def _trust(text: str | None, key: str, what: str) -> SignerTrust:
    paths = [Path(p).expanduser() for p in (text or "").split(os.pathsep) if p]
    try:
        return trust_from_certificates(load_files(paths, what), what)
    except ConfigurationError as exc:
        raise _error(key, exc.message) from None


def _credentials(key_file: Path, cert_file: Path, key: str) -> SigningCredentials:
    try:
        return SigningCredentials.from_files(key_file, cert_file)
    except (ConfigurationError, ValueError, TypeError) as exc:
        raise _error(key, f"({key_file}, {cert_file}): {exc}") from None


class ServedRecipients:
    """The AS4 recipient check: ours when the participant and the (document type, process)
    pair are configured; anything else is answered ``PEPPOL:NOT_SERVICED``."""

    def __init__(self, participants: Sequence[ParticipantId], services: Sequence[Service]):
        self._participants = frozenset(participants)
        self._services = frozenset(services)

    def __call__(
        self, participant: ParticipantId, document_type: DocumentTypeId, process: ProcessId
    ) -> bool:
        return participant in self._participants and (document_type, process) in self._services


@dataclass(frozen=True, slots=True)
class AccessPoint:
    settings: Settings
    credentials: SigningCredentials
    ap_trust: SignerTrust
    smp_trust: SignerTrust | None
    revocation: RevocationChecker | None
    participants: tuple[ParticipantId, ...]
    services: tuple[Service, ...]
    publisher: SmpPublisher | None
    clock: Clock

    @property
    def seat_id(self) -> str:
        return common_name(self.credentials.certificate)

    @property
    def certificate_check(self) -> CertificateCheck:
        return CertificateCheck(self.ap_trust, self.revocation, clock=self.clock)

    def receiver_settings(self) -> ReceiverSettings:
        return ReceiverSettings(
            keys=(self.credentials,),
            check_signer=self.certificate_check,
            serves=ServedRecipients(self.participants, self.services),
            max_payload_bytes=self.settings.max_document_bytes,
        )

    def transport_config(self, session: aiohttp.ClientSession) -> As4TransportConfig:
        return As4TransportConfig(
            identity=SenderIdentity(self.credentials, self.participants[0],
                                    _country(self.settings)),
            discovery=self._discovery(session),
            check_peer=self.certificate_check,
        )

    def _discovery(self, session: aiohttp.ClientSession) -> Discovery | None:
        settings = self.settings
        if settings.peppol_smp_url is None and settings.peppol_sml_zone is None:
            return None  # static AS4 endpoints only
        if self.smp_trust is None:
            raise _error("peppol_smp_ca_files", "is required for SML/SMP discovery")
        fixed_smp = settings.peppol_smp_url
        if fixed_smp is not None:

            async def locate(participant: ParticipantId) -> str:
                return fixed_smp

        else:
            assert settings.peppol_sml_zone is not None
            addresses, port = parse_nameservers(settings.peppol_sml_nameservers)
            locate = SmlResolver(settings.peppol_sml_zone,
                                 dns_naptr_lookup(addresses, port=port)).smp_url
        return Discovery(
            locate=locate,
            fetch=aiohttp_fetch(session),
            config=DiscoveryConfig(smp_trust=self.smp_trust, ap_trust=self.ap_trust),
            clock=self.clock,
        )


def _revocation(
    settings: Settings, ap_trust: SignerTrust, session: SessionSource | None, clock: Clock
) -> RevocationChecker | None:
    if settings.peppol_revocation == "off":
        return None
    issuers = issuers_of([*ap_trust.anchors, *ap_trust.intermediates])

    async def fetch(source: str) -> bytes:
        return await crl_fetcher(session() if session else None)(source)

    config = RevocationConfig(soft_fail=settings.peppol_revocation == "soft",
                              sources=tuple(_items(settings.peppol_crl_sources)))
    return RevocationChecker(issuers, fetch, config, clock=clock)


def _country(settings: Settings) -> str:
    country = (settings.peppol_country_c1 or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise _error("peppol_country_c1", "must be the ISO 3166-1 alpha-2 country of C1 "
                     f"(SBDH COUNTRY_C1); got {settings.peppol_country_c1!r}")
    return country


def _as4_url(settings: Settings) -> str:
    if settings.peppol_as4_url:
        return settings.peppol_as4_url
    if settings.public_url:
        return settings.public_url.rstrip("/") + "/as4"
    raise _error("peppol_as4_url", "is required to publish our SMP (or set public_url)")


def _publisher(
    settings: Settings,
    credentials: SigningCredentials,
    participants: Sequence[ParticipantId],
    services: Sequence[Service],
) -> SmpPublisher | None:
    if not settings.peppol_smp_publish:
        return None
    if settings.peppol_smp_key_file is None or settings.peppol_smp_cert_file is None:
        raise _error("peppol_smp_key_file", "and peppol_smp_cert_file are required to publish")
    signer = DocumentSigner(_credentials(settings.peppol_smp_key_file,
                                         settings.peppol_smp_cert_file, "peppol_smp_key_file"))
    url = _as4_url(settings)
    certificate: x509.Certificate = credentials.certificate
    publications = []
    for participant in participants:
        for document_type in dict.fromkeys(document_type for document_type, _ in services):
            endpoints = tuple(
                PublishedEndpoint(process=process, address=url, certificate=certificate,
                                  expiration=certificate.not_valid_after_utc)
                for doc, process in services if doc == document_type
            )
            publications.append(Publication(participant, document_type, endpoints))
    return SmpPublisher(publications, signer)


def build_access_point(
    settings: Settings, *, clock: Clock = utc_now, session: SessionSource | None = None
) -> AccessPoint:
    """The access point of ``settings`` (``settings.peppol_enabled`` must be true);
    ``session`` gives the app's HTTP client when the CRLs are fetched (after start-up)."""
    if settings.peppol_ap_key_file is None or settings.peppol_ap_cert_file is None:
        raise _error("peppol_ap_key_file", "and peppol_ap_cert_file are required")
    credentials = _credentials(settings.peppol_ap_key_file, settings.peppol_ap_cert_file,
                               "peppol_ap_key_file")
    seat = common_name(credentials.certificate)
    if settings.peppol_seat_id and settings.peppol_seat_id != seat:
        raise _error("peppol_seat_id", f"is {settings.peppol_seat_id!r} but the AP certificate "
                     f"is issued to {seat!r}")
    ap_trust = _trust(settings.peppol_ap_ca_files, "peppol_ap_ca_files", "Peppol AP CA")
    try:
        ap_trust.check_certificate(credentials.certificate, clock())
    except UntrustedCertificate as exc:
        raise _error("peppol_ap_cert_file", f"is not trusted by peppol_ap_ca_files: {exc}"
                     ) from None
    smp_trust = (_trust(settings.peppol_smp_ca_files, "peppol_smp_ca_files", "Peppol SMP CA")
                 if settings.peppol_smp_ca_files else None)
    if settings.peppol_sml_zone is not None:
        try:
            check_zone(settings.peppol_sml_zone)
        except ConfigurationError as exc:
            raise _error("peppol_sml_zone", exc.message) from None
    _country(settings)
    participants = parse_participants(settings.peppol_participants)
    services = parse_services(settings.peppol_services)
    return AccessPoint(
        settings=settings,
        credentials=credentials,
        ap_trust=ap_trust,
        smp_trust=smp_trust,
        revocation=_revocation(settings, ap_trust, session, clock),
        participants=participants,
        services=services,
        publisher=_publisher(settings, credentials, participants, services),
        clock=clock,
    )
