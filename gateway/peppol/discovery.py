"""Receiver discovery: participant + document type + process → a verified AS4 endpoint.

``Discovery.find_endpoint`` runs SML (NAPTR) → SMP ServiceMetadata (signed) → identifier echo
check → active endpoint for the transport profile → endpoint certificate against the AP trust
store. Successes are cached for ``ttl``; "participant unknown" and "document type not
supported" are cached for the shorter ``negative_ttl``; technical failures are never cached.
A 404 on ServiceMetadata is told apart by asking for the ServiceGroup: 404 there means the
participant is unknown to the SMP, otherwise the document type is not supported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import aiohttp

from gateway.peppol.cache import TtlCache
from gateway.peppol.errors import (
    CertificateMismatch,
    DiscoveryError,
    DiscoveryUnavailable,
    DocumentTypeNotSupported,
    ParticipantUnknown,
    SmpResponseInvalid,
)
from gateway.peppol.identifiers import DocumentTypeId, ParticipantId, ProcessId
from gateway.peppol.smp import (
    AS4_TRANSPORT_PROFILE,
    MAX_SMP_RESPONSE_BYTES,
    Endpoint,
    HttpResponse,
    Redirect,
    ServiceMetadata,
    SmpFetch,
    SmpLocator,
    check_endpoint_certificate,
    check_identifiers,
    select_endpoint,
    verify_service_metadata,
)
from gateway.signing.pki import common_name
from gateway.signing.trust import SignerTrust
from gateway.transports.base import utc_now

CacheKey = tuple[ParticipantId, DocumentTypeId, ProcessId, str]
_NEGATIVE = (ParticipantUnknown, DocumentTypeNotSupported)


@dataclass(frozen=True, slots=True)
class DiscoveryConfig:
    smp_trust: SignerTrust
    ap_trust: SignerTrust | None = None
    transport_profile: str = AS4_TRANSPORT_PROFILE
    ttl: timedelta = timedelta(hours=1)
    negative_ttl: timedelta = timedelta(minutes=5)


@dataclass(slots=True)
class Discovery:
    locate: SmpLocator
    fetch: SmpFetch
    config: DiscoveryConfig
    clock: Callable[[], datetime] = utc_now
    cache: TtlCache[Endpoint | DiscoveryError] = field(default_factory=TtlCache)

    async def find_endpoint(
        self, participant: ParticipantId, document_type: DocumentTypeId, process: ProcessId
    ) -> Endpoint:
        key: CacheKey = (participant, document_type, process, self.config.transport_profile)
        cached = self.cache.get(key, self.clock())
        if isinstance(cached, Endpoint):
            return cached
        if cached is not None:
            raise type(cached)(cached.message, wire_code=cached.wire_code)
        try:
            endpoint = await self._discover(participant, document_type, process)
        except _NEGATIVE as exc:
            self.cache.put(key, exc, self.clock(), self.config.negative_ttl)
            raise
        self.cache.put(key, endpoint, self.clock(), self._ttl_for(endpoint))
        return endpoint

    def _ttl_for(self, endpoint: Endpoint) -> timedelta:
        if endpoint.expiration is None:
            return self.config.ttl
        return min(self.config.ttl, endpoint.expiration - self.clock())

    async def _discover(
        self, participant: ParticipantId, document_type: DocumentTypeId, process: ProcessId
    ) -> Endpoint:
        smp_url = (await self.locate(participant)).rstrip("/")
        url = f"{smp_url}/{participant.url_segment()}/services/{document_type.url_segment()}"
        metadata = await self._service_metadata(url, smp_url, participant)
        check_identifiers(metadata, participant, document_type)
        now = self.clock()
        endpoint = select_endpoint(metadata, process, self.config.transport_profile, now)
        check_endpoint_certificate(endpoint, self.config.ap_trust, now)
        return endpoint

    async def _service_metadata(
        self, url: str, smp_url: str, participant: ParticipantId
    ) -> ServiceMetadata:
        result = verify_service_metadata(
            await self._get(url, smp_url, participant), self.config.smp_trust
        )
        if isinstance(result, Redirect):
            # SMP 1.x §3.3: follow one redirect; the target must be signed by CertificateUID.
            target = verify_service_metadata(
                await self._get(result.href, smp_url, participant), self.config.smp_trust
            )
            if isinstance(target, Redirect):
                raise SmpResponseInvalid(
                    "SMP redirect points to another redirect", wire_code="smp:redirect-loop"
                )
            _check_redirect_signer(result, target)
            return target
        return result

    async def _get(self, url: str, smp_url: str, participant: ParticipantId) -> bytes:
        response = await self.fetch(url)
        if response.status == 200:
            return response.body
        if response.status == 404:
            group = await self.fetch(f"{smp_url}/{participant.url_segment()}")
            if group.status == 404:
                raise ParticipantUnknown(
                    f"{participant} is not known to its SMP {smp_url}", wire_code="smp:404"
                )
            if group.status != 200:
                raise _http_failure(group, smp_url)
            raise DocumentTypeNotSupported(
                f"{participant} publishes no metadata at {url}", wire_code="smp:404"
            )
        raise _http_failure(response, url)


def _http_failure(response: HttpResponse, url: str) -> DiscoveryError:
    if response.status >= 500 or response.status in (408, 429):
        return DiscoveryUnavailable(
            f"SMP {url} answered HTTP {response.status}", wire_code=f"http:{response.status}"
        )
    return SmpResponseInvalid(
        f"SMP {url} answered HTTP {response.status}", wire_code=f"http:{response.status}"
    )


def _check_redirect_signer(redirect: Redirect, target: ServiceMetadata) -> None:
    if redirect.certificate_uid is None:
        return
    names = {common_name(target.signer), *_subject_values(target)}
    if redirect.certificate_uid not in names:
        raise CertificateMismatch(
            f"redirected SMP signed by {target.signer.subject.rfc4514_string()}, "
            f"expected CertificateUID {redirect.certificate_uid}",
            wire_code="smp:redirect-signer",
        )


def _subject_values(metadata: ServiceMetadata) -> set[str]:
    return {str(attribute.value) for attribute in metadata.signer.subject}


def aiohttp_fetch(
    session: aiohttp.ClientSession,
    *,
    timeout: float = 10.0,
    max_bytes: int = MAX_SMP_RESPONSE_BYTES,
) -> SmpFetch:
    """An ``SmpFetch`` over the app's aiohttp session: no redirects, bounded body, and every
    network failure reported as ``DiscoveryUnavailable`` (never as "not found")."""

    async def fetch(url: str) -> HttpResponse:
        try:
            async with session.get(
                url, allow_redirects=False, timeout=aiohttp.ClientTimeout(total=timeout)
            ) as response:
                body = await response.content.read(max_bytes + 1)
                if len(body) > max_bytes:
                    raise SmpResponseInvalid(
                        f"SMP response from {url} exceeds {max_bytes} bytes",
                        wire_code="smp:too-large",
                    )
                return HttpResponse(response.status, body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DiscoveryUnavailable(
                f"SMP {url} unreachable: {type(exc).__name__}", wire_code="smp:unreachable"
            ) from None

    return fetch
