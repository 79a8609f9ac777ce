"""The ``peppol-as4`` transport: the Peppol AS4 sender (and a ``receive`` for the seam) behind
the gateway's Transport protocol (gateway.transports.base).

``send(envelope, endpoint)``:

1. find the receiving AP: SML/SMP discovery (``endpoint.url == DISCOVERY_URL``, the
   participant is ``envelope.receiver_id``) or a static AS4 URL with the AP certificate in
   ``endpoint.peer_certificate_pem``; the certificate passes ``check_peer`` (AP CA chain,
   validity, revocation) before anything is encrypted for it;
2. build the message (SBDH, gzip, sign, encrypt, MIME) in a worker thread;
3. POST it over the app's aiohttp session (TLS 1.2+, the endpoint's CA/pins/client
   certificate, no redirects, the endpoint's timeouts);
4. read the synchronous answer and verify the receipt (``response.interpret_response``).

Every retry of an exchange builds a new message with the same MessageId (and SBDH ids), so
the receiver's duplicate detection absorbs a resend after a lost receipt. Failures are
DeliveryErrors: discovery errors, ``RemoteEbmsError`` (the peer's Error signal, with its retry
verdict), ``MissingReceiptError`` (EBMS:0301, retryable), ``InvalidReceiptError`` (EBMS:0302),
and the HTTP transport's connection/TLS/status errors.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import aiohttp
from cryptography import x509

from gateway import __version__
from gateway.errors import ConfigurationError
from gateway.peppol.as4.errors import MISSING_RECEIPT, MissingReceiptError
from gateway.peppol.as4.inbound import ReceiverSettings, receive_user_message
from gateway.peppol.as4.message import OutboundMessage
from gateway.peppol.as4.outbound import (
    SenderIdentity,
    Target,
    document_identifiers,
    prepare_message,
    receiver_participant,
)
from gateway.peppol.as4.response import interpret_response
from gateway.peppol.discovery import Discovery
from gateway.peppol.errors import CertificateMismatch
from gateway.peppol.revocation import RevocationUnavailable
from gateway.signing.credentials import load_certificates
from gateway.signing.trust import UntrustedCertificate
from gateway.transports.base import (
    Clock,
    Envelope,
    Inbound,
    InboundRequest,
    Receipt,
    sha256_hex,
    utc_now,
)
from gateway.transports.endpoint import EndpointConfig, is_pem_text
from gateway.transports.errors import DeliveryError, EndpointConfigError
from gateway.transports.http import error_for_exception, post_for_receipt
from gateway.transports.http_protocol import checked_url, display_url
from gateway.transports.tls import TlsContextCache

_log = logging.getLogger(__name__)

TRANSPORT = "peppol-as4"
DISCOVERY_URL = "peppol:smp"
"""``EndpointConfig.url`` meaning "find the receiving AP through SML/SMP"."""
USER_AGENT = f"einvoice-gateway/{__version__} (Peppol AS4)"
CHUNK_BYTES = 64 * 1024

PeerCheck = Callable[[x509.Certificate], None]
"""Raises UntrustedCertificate (gateway.signing.trust) for a receiving AP certificate that is
not trusted: outside its validity, not chaining to the AP CA, or revoked."""


@dataclass(frozen=True, slots=True)
class As4TransportConfig:
    identity: SenderIdentity
    discovery: Discovery | None = None
    check_peer: PeerCheck | None = None
    receiver: ReceiverSettings | None = None
    """Only for ``receive`` (the /as4 endpoint uses gateway.peppol.as4.endpoint directly)."""


class PeppolAs4Transport:
    name = TRANSPORT

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: As4TransportConfig,
        *,
        clock: Clock = utc_now,
        tls_contexts: TlsContextCache | None = None,
    ) -> None:
        self._session = session
        self._config = config
        self._clock = clock
        self._tls = tls_contexts or TlsContextCache()

    async def send(self, envelope: Envelope, endpoint: EndpointConfig) -> Receipt:
        started = time.monotonic()
        target = await self.resolve(envelope, endpoint)
        message = await asyncio.to_thread(
            prepare_message,
            envelope,
            target=target,
            identity=self._config.identity,
            now=self._clock(),
        )
        delivery = replace(endpoint, url=target.url)
        try:
            evidence, retry_after = await self._post(message, envelope, delivery)
            verified = interpret_response(
                evidence,
                message=message,
                expected_signer=target.certificate,
                retry_after=retry_after,
            )
        except DeliveryError as exc:
            _log.warning(
                "AS4 delivery of %s to %s failed after %.0f ms: %s [%s, retryable=%s]",
                message.message_id,
                target.url.split("?", 1)[0],
                (time.monotonic() - started) * 1000,
                exc.code,
                exc.wire_code,
                exc.retryable,
            )
            raise
        _log.info(
            "AS4 message %s delivered to %s (%s): receipt %s",
            message.message_id,
            target.seat_id,
            display_url(checked_url(delivery)),
            verified.message_id,
        )
        return replace(evidence, remote_message_id=verified.message_id or None)

    async def resolve(self, envelope: Envelope, endpoint: EndpointConfig) -> Target:
        """The receiving AP for ``envelope``: discovered, or configured on ``endpoint``."""
        if endpoint.url == DISCOVERY_URL:
            target = await self._discover(envelope)
        else:
            checked_url(endpoint)
            target = Target(endpoint.url, _peer_certificate(endpoint))
        self._check_peer(target)
        return target

    async def _discover(self, envelope: Envelope) -> Target:
        discovery = self._config.discovery
        if discovery is None:
            raise EndpointConfigError(
                f"{envelope.message_id}: the endpoint asks for SMP discovery but the "
                "peppol-as4 transport has no Discovery configured",
                wire_code="local:no-discovery",
            )
        receiver = receiver_participant(envelope)
        document_type, process = document_identifiers(envelope)
        found = await discovery.find_endpoint(receiver, document_type, process)
        return Target(found.address, found.certificate)

    def _check_peer(self, target: Target) -> None:
        if self._config.check_peer is None:
            return
        try:
            self._config.check_peer(target.certificate)
        except RevocationUnavailable as exc:
            raise DeliveryError(
                f"receiving AP certificate: {exc}",
                wire_code="as4:revocation-unknown",
                retryable=True,
            ) from None
        except UntrustedCertificate as exc:
            raise CertificateMismatch(
                f"receiving AP certificate {target.certificate.subject.rfc4514_string()} "
                f"refused: {exc}",
                wire_code="as4:peer-certificate",
            ) from None

    async def _post(
        self, message: OutboundMessage, envelope: Envelope, endpoint: EndpointConfig
    ) -> tuple[Receipt, timedelta | None]:
        url = checked_url(endpoint)
        headers = dict(endpoint.extra_headers) | message.http_headers()
        headers["User-Agent"] = USER_AGENT
        try:
            return await post_for_receipt(
                self._session, self._tls, url, message.body, headers,
                envelope=envelope, endpoint=endpoint, clock=self._clock, transport=TRANSPORT,
            )
        except aiohttp.ServerDisconnectedError as exc:
            # The peer hung up without an answer, usually after reading the request: treated
            # as a missing receipt (EBMS:0301), resent with the same MessageId.
            raise MissingReceiptError(
                f"{message.message_id}: the receiving AP closed the connection without an answer",
                wire_code=MISSING_RECEIPT,
            ) from exc
        except (aiohttp.ClientError, TimeoutError, ssl.SSLError) as exc:
            raise error_for_exception(exc, envelope, endpoint) from exc

    async def receive(self, request: InboundRequest, endpoint: EndpointConfig) -> Inbound:
        """The Transport seam's receive: verify and unpack one AS4 request (no persistence and
        no signal: gateway.peppol.as4.endpoint does both); refusals raise ``As4Rejected``."""
        settings = self._config.receiver
        if settings is None:
            raise EndpointConfigError(
                "the peppol-as4 transport has no receiver settings", wire_code="local:no-receiver"
            )
        received = await asyncio.to_thread(
            receive_user_message,
            request.headers.get("Content-Type", ""),
            request.body,
            settings,
        )
        document = received.envelope.document
        return Inbound(
            transport=TRANSPORT,
            payload=document,
            sha256=sha256_hex(document),
            content_type="application/xml",
            received_at=request.received_at,
            message_id=received.message_id,
            signature_key_id=received.header.from_party,
            client_certificate_sha256=(
                sha256_hex(request.client_certificate_der)
                if request.client_certificate_der
                else None
            ),
            remote_address=request.remote_address,
        )


def _peer_certificate(endpoint: EndpointConfig) -> x509.Certificate:
    source = endpoint.peer_certificate_pem
    if not source:
        raise EndpointConfigError(
            f"AS4 endpoint {endpoint.url}: a static AS4 URL needs peer_certificate_pem (the "
            "receiving AP certificate); use the URL 'peppol:smp' to discover it",
            wire_code="local:no-peer-certificate",
        )
    try:
        pem = source.encode("ascii") if is_pem_text(source) else Path(source).read_bytes()
        return load_certificates(pem, what="peer_certificate_pem")[0]
    except OSError as exc:
        raise EndpointConfigError(
            f"peer_certificate_pem: cannot read {source!r} ({exc.strerror})",
            wire_code="local:no-peer-certificate",
        ) from None
    except ConfigurationError as exc:
        raise EndpointConfigError(exc.message, wire_code="local:no-peer-certificate") from None
