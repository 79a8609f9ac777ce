"""Certificate revocation by CRL, cached and refreshed in the background, with an explicit
soft-fail policy (peppol-as4.md §1.10).

Never a live fetch per message: phase4 #354 (2026-01) shows what that does when the CRL server
is slow ("all certificates reported as revoked"). ``check`` reads only the cache:

* a CRL from the certificate's issuer, correctly signed by it and current (``nextUpdate`` plus
  ``grace`` not passed) says whether the serial is revoked → ``CertificateRevoked``;
* without such a CRL the status is *unknown*, and the policy decides: ``soft_fail=True``
  accepts (and logs), ``soft_fail=False`` raises ``RevocationUnavailable`` (the receiver answers
  a retryable EBMS:0004, the sender retries later).

CRLs come from the configured ``sources`` (``https://…``, ``http://…`` or ``file:/…``; the
Peppol CA CRLs, or a local mirror when the network is closed) and, unless disabled, from the
CRL distribution points of the certificates seen (remembered by ``check`` and fetched by the
next ``refresh``). ``overrides`` maps a distribution point URL to another source (a mirror).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiohttp
from cryptography import x509

from gateway.signing.trust import UntrustedCertificate
from gateway.transports.base import Clock, utc_now

_log = logging.getLogger(__name__)
MAX_CRL_BYTES = 20 * 1024 * 1024

CrlFetch = Callable[[str], Awaitable[bytes]]


class CertificateRevoked(UntrustedCertificate):
    """The issuer's current CRL lists the certificate's serial number."""


class RevocationUnavailable(Exception):
    """No current CRL for the issuer and the policy is hard-fail: try again later."""


class CrlError(Exception):
    """A CRL could not be fetched, read or verified (the source and the reason)."""


@dataclass(frozen=True, slots=True)
class RevocationConfig:
    soft_fail: bool = True
    """True: an unknown status (no current CRL) is accepted and logged; False: refused."""
    sources: tuple[str, ...] = ()
    overrides: Mapping[str, str] = field(default_factory=dict)
    use_distribution_points: bool = True
    grace: timedelta = timedelta(hours=6)
    """How long after its nextUpdate a CRL is still used (CA publication lag)."""
    refresh_interval: timedelta = timedelta(hours=1)
    fetch_timeout: float = 15.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", tuple(self.sources))
        object.__setattr__(self, "overrides", dict(self.overrides))


@dataclass(frozen=True, slots=True)
class CrlStatus:
    """One CRL source as last seen (for the admin API and logs)."""

    source: str
    issuer: str | None = None
    this_update: datetime | None = None
    next_update: datetime | None = None
    fetched_at: datetime | None = None
    revoked: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class _Crl:
    crl: x509.CertificateRevocationList
    source: str
    fetched_at: datetime


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as exc:
        raise CrlError(f"not a CRL ({exc})") from None


def distribution_points(certificate: x509.Certificate) -> list[str]:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    except x509.ExtensionNotFound:
        return []
    urls = []
    for point in extension.value:
        for name in point.full_name or ():
            if isinstance(name, x509.UniformResourceIdentifier) and name.value.startswith(
                ("http://", "https://")
            ):
                urls.append(name.value)
    return urls


class RevocationChecker:
    def __init__(
        self,
        issuers: Iterable[x509.Certificate],
        fetch: CrlFetch,
        config: RevocationConfig | None = None,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self._issuers = {issuer.subject: issuer for issuer in issuers}
        self._fetch = fetch
        self.config = config or RevocationConfig()
        self._clock = clock
        self._crls: dict[x509.Name, _Crl] = {}
        self._wanted: set[str] = set()
        self._status: dict[str, CrlStatus] = {}

    # --- checking (sync, cache only) -------------------------------------------------------

    def check(self, certificate: x509.Certificate) -> bool:
        """True when a current CRL says "not revoked"; False when unknown and the policy is
        soft-fail. Raises ``CertificateRevoked`` or (hard-fail) ``RevocationUnavailable``."""
        if self.config.use_distribution_points:
            self._wanted.update(distribution_points(certificate))
        cached = self._crls.get(certificate.issuer)
        now = self._clock()
        if cached is None or not self._current(cached.crl, now):
            return self._unknown(certificate, "no current CRL from its issuer")
        entry = cached.crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
        if entry is not None and entry.revocation_date_utc <= now:
            raise CertificateRevoked(
                f"{certificate.subject.rfc4514_string()} (serial {certificate.serial_number:x}) "
                f"was revoked on {entry.revocation_date_utc.date()} (CRL {cached.source})"
            )
        return True

    def _current(self, crl: x509.CertificateRevocationList, now: datetime) -> bool:
        next_update = crl.next_update_utc
        return next_update is not None and now <= next_update + self.config.grace

    def _unknown(self, certificate: x509.Certificate, reason: str) -> bool:
        subject = certificate.subject.rfc4514_string()
        if self.config.soft_fail:
            _log.warning("revocation of %s unknown (%s): accepted (soft-fail)", subject, reason)
            return False
        raise RevocationUnavailable(f"revocation status of {subject} unknown: {reason}")

    # --- refreshing (async, background) ----------------------------------------------------

    def sources(self) -> list[str]:
        wanted = sorted(self._wanted) if self.config.use_distribution_points else []
        ordered = dict.fromkeys([*self.config.sources, *wanted])
        return [self.config.overrides.get(source, source) for source in ordered]

    async def refresh(self) -> list[CrlStatus]:
        """Fetch every known source once (concurrently); failures keep the previous CRL."""
        results = await asyncio.gather(*(self._refresh_one(s) for s in self.sources()))
        return list(results)

    async def _refresh_one(self, source: str) -> CrlStatus:
        now = self._clock()
        try:
            data = await asyncio.wait_for(self._fetch(source), self.config.fetch_timeout)
            crl = self.accept(load_crl(data), source, now)
        except (CrlError, OSError, TimeoutError, aiohttp.ClientError) as exc:
            reason = str(exc) or type(exc).__name__
            _log.warning("CRL %s not refreshed: %s", source, reason)
            status = CrlStatus(source, fetched_at=now, error=reason)
        else:
            status = CrlStatus(
                source,
                crl.issuer.rfc4514_string(),
                crl.last_update_utc,
                crl.next_update_utc,
                now,
                len(crl),
            )
        self._status[source] = status
        return status

    def accept(
        self, crl: x509.CertificateRevocationList, source: str, now: datetime
    ) -> x509.CertificateRevocationList:
        """Verify ``crl`` against its issuer and cache it (newer than the cached one only)."""
        issuer = self._issuers.get(crl.issuer)
        if issuer is None:
            raise CrlError(f"issuer {crl.issuer.rfc4514_string()} is not a configured CA")
        if not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
            raise CrlError(f"signature does not verify with {issuer.subject.rfc4514_string()}")
        if crl.last_update_utc > now + timedelta(minutes=5):
            raise CrlError(f"thisUpdate {crl.last_update_utc.isoformat()} is in the future")
        cached = self._crls.get(crl.issuer)
        if cached is None or crl.last_update_utc >= cached.crl.last_update_utc:
            self._crls[crl.issuer] = _Crl(crl, source, now)
        return crl

    def status(self) -> list[CrlStatus]:
        return [self._status[source] for source in sorted(self._status)]

    async def run(self, stop: asyncio.Event) -> None:
        """Refresh now and then every ``refresh_interval`` until ``stop`` (an app task)."""
        while not stop.is_set():
            try:
                await self.refresh()
            except Exception:
                _log.exception("CRL refresh failed")
            try:
                await asyncio.wait_for(stop.wait(), self.config.refresh_interval.total_seconds())
            except TimeoutError:
                continue


def crl_fetcher(
    session: aiohttp.ClientSession | None, *, max_bytes: int = MAX_CRL_BYTES
) -> CrlFetch:
    """Fetch ``http(s)://`` over the app's session (no redirects, bounded) and ``file:`` paths."""

    async def fetch(source: str) -> bytes:
        parts = urlsplit(source)
        if parts.scheme == "file":
            path = Path(unquote(parts.path))
            data = await asyncio.to_thread(path.read_bytes)
        elif parts.scheme in ("http", "https"):
            if session is None:
                raise CrlError(f"{source}: no HTTP session to fetch it with")
            async with session.get(source, allow_redirects=False) as response:
                if response.status != 200:
                    raise CrlError(f"{source}: HTTP {response.status}")
                data = await response.content.read(max_bytes + 1)
        else:
            raise CrlError(f"{source}: only http(s):// and file: CRL sources are supported")
        if len(data) > max_bytes:
            raise CrlError(f"{source}: larger than {max_bytes} bytes")
        return data

    return fetch


def issuers_of(certificates: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """The CA certificates among ``certificates`` (BasicConstraints cA=true)."""
    cas = []
    for certificate in certificates:
        try:
            constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        except x509.ExtensionNotFound:
            continue
        if constraints.value.ca:
            cas.append(certificate)
    return cas
