"""SML lookup: participant → SMP base URL via U-NAPTR (Peppol Policy for use of Identifiers 4.4,
SML specification 1.3 as changed in 2026; peppol-as4.md §1.11).

Name: ``strip-trailing(base32(sha256(lowercase(value))), "=") + "." + scheme + "." + zone``.
Records: NAPTR with flag ``U`` and service ``Meta:SMP``; the regexp ``!^.*$!<url>!`` gives the
SMP base URL. The zone is configuration (production, test, or a local zone); none is
hard-coded here, only named as constants for convenience.

The core (naming, record selection, regexp) is pure; DNS is an injected ``NaptrLookup``
(``dns_naptr_lookup`` builds one over dnspython with a configurable nameserver).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import dns.asyncresolver
import dns.exception
import dns.rdatatype
import dns.resolver

from gateway.errors import ConfigurationError
from gateway.peppol.errors import DiscoveryUnavailable, NoSmpService, ParticipantUnknown
from gateway.peppol.identifiers import ParticipantId

PRODUCTION_ZONE = "participant.sml.prod.tech.peppol.org."
TEST_ZONE = "participant.sml.test.tech.peppol.org."
SMP_SERVICE = "meta:smp"
_ZONE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{1,63}\.?", re.I)
_URL = re.compile(r"https?://[^\s!]+")


@dataclass(frozen=True, slots=True)
class NaptrRecord:
    order: int
    preference: int
    flags: str
    service: str
    regexp: str
    replacement: str = "."


class NaptrNotFound(Exception):
    """The name does not exist (NXDOMAIN) or has no NAPTR records (NODATA)."""


NaptrLookup = Callable[[str], Awaitable[Sequence[NaptrRecord]]]


def check_zone(zone: str) -> str:
    if not _ZONE.fullmatch(zone):
        raise ConfigurationError(f"SML zone {zone!r} is not a DNS name")
    return zone if zone.endswith(".") else zone + "."


def naptr_name(participant: ParticipantId, zone: str) -> str:
    """The DNS name to query for ``participant`` under ``zone`` (lowercase, absolute)."""
    digest = hashlib.sha256(participant.value.lower().encode("utf-8")).digest()
    label = base64.b32encode(digest).decode("ascii").rstrip("=").lower()
    return f"{label}.{participant.scheme}.{check_zone(zone)}"


def smp_url_from_regexp(regexp: str) -> str | None:
    """The URL of a U-NAPTR regexp ``!^.*$!https://smp.example!`` (RFC 4848 §2), else None.

    U-NAPTR only allows the "replace everything" pattern, so any other pattern is refused
    rather than evaluated.
    """
    if len(regexp) < 4:
        return None
    delimiter = regexp[0]
    parts = regexp[1:].split(delimiter)
    if len(parts) != 3 or parts[0] != "^.*$" or parts[2] not in ("", "i"):
        return None
    url = parts[1]
    return url.rstrip("/") if _URL.fullmatch(url) else None


def select_smp_url(records: Sequence[NaptrRecord]) -> str | None:
    """The best ``U``/``Meta:SMP`` record by (order, preference) per RFC 3403 §4.1."""
    usable = sorted(
        (r for r in records if r.flags.lower() == "u" and r.service.lower() == SMP_SERVICE),
        key=lambda r: (r.order, r.preference),
    )
    for record in usable:
        url = smp_url_from_regexp(record.regexp)
        if url is not None:
            return url
    return None


@dataclass(frozen=True, slots=True)
class SmlResolver:
    """Resolves a participant's SMP base URL under one zone through an injected lookup."""

    zone: str
    lookup: NaptrLookup

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", check_zone(self.zone))

    async def smp_url(self, participant: ParticipantId) -> str:
        name = naptr_name(participant, self.zone)
        try:
            records = await self.lookup(name)
        except NaptrNotFound:
            raise ParticipantUnknown(
                f"{participant} is not registered in the SML zone {self.zone}",
                wire_code="sml:NXDOMAIN",
            ) from None
        url = select_smp_url(records)
        if url is None:
            raise NoSmpService(
                f"{participant} has DNS records under {self.zone} but no U-NAPTR Meta:SMP",
                wire_code="sml:no-meta-smp",
            )
        return url


def dns_naptr_lookup(
    nameservers: Sequence[str] = (), *, port: int = 53, timeout: float = 5.0
) -> NaptrLookup:
    """A dnspython lookup; ``nameservers`` empty means the system resolver configuration."""
    resolver = dns.asyncresolver.Resolver(configure=not nameservers)
    if nameservers:
        resolver.nameservers = list(nameservers)
    resolver.port = port
    resolver.lifetime = timeout

    async def lookup(name: str) -> Sequence[NaptrRecord]:
        try:
            answer = await resolver.resolve(name, dns.rdatatype.NAPTR)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            raise NaptrNotFound(name) from None
        except dns.exception.DNSException as exc:
            raise DiscoveryUnavailable(
                f"SML lookup of {name} failed: {type(exc).__name__}",
                wire_code=f"dns:{type(exc).__name__}",
            ) from None
        return [_record(rdata) for rdata in answer]

    return lookup


def _text(value: bytes | str) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value


def _record(rdata: object) -> NaptrRecord:
    return NaptrRecord(
        order=int(getattr(rdata, "order", 0)),
        preference=int(getattr(rdata, "preference", 0)),
        flags=_text(getattr(rdata, "flags", b"")),
        service=_text(getattr(rdata, "service", b"")),
        regexp=_text(getattr(rdata, "regexp", b"")),
        replacement=str(getattr(rdata, "replacement", ".")),
    )
