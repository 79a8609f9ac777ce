"""SML naming and U-NAPTR selection (Peppol Policy for use of Identifiers 4.4)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from gateway.errors import ConfigurationError, InputError
from gateway.peppol.errors import DiscoveryUnavailable, NoSmpService, ParticipantUnknown
from gateway.peppol.identifiers import DocumentTypeId, ParticipantId
from gateway.peppol.sml import (
    NaptrNotFound,
    NaptrRecord,
    SmlResolver,
    naptr_name,
    select_smp_url,
    smp_url_from_regexp,
)

OLD_ZONE = "edelivery.tech.ec.europa.eu"


def test_name_matches_peppol_commons_reference_value() -> None:
    # Expected value from peppol-commons' PeppolNaptrURLProvider test (an independent
    # implementation): "9999:elonia" under the DIGIT production zone.
    name = naptr_name(ParticipantId("9999:elonia"), OLD_ZONE)
    assert name == (
        "hsh3fmc5cyerdv5j6ln6mmqcn2pp2ucyvczrwueahosobvikb6kq."
        "iso6523-actorid-upis.edelivery.tech.ec.europa.eu."
    )


def test_name_is_case_insensitive_in_the_participant_value() -> None:
    assert naptr_name(ParticipantId("9999:ELONIA"), OLD_ZONE) == naptr_name(
        ParticipantId("9999:elonia"), OLD_ZONE
    )


def test_zone_must_be_a_dns_name() -> None:
    with pytest.raises(ConfigurationError, match="not a DNS name"):
        naptr_name(ParticipantId("9999:elonia"), "not a zone!")


@pytest.mark.parametrize(
    ("regexp", "url"),
    [
        ("!^.*$!https://smp.example.com!", "https://smp.example.com"),
        ("!^.*$!http://127.0.0.1:8081/!", "http://127.0.0.1:8081"),
        ("#^.*$#https://smp.example.com#", "https://smp.example.com"),
        ("!^(.*)$!https://\\1!", None),  # only the replace-all pattern is allowed (U-NAPTR)
        ("!^.*$!ftp://smp.example.com!", None),
        ("garbage", None),
    ],
)
def test_regexp_to_url(regexp: str, url: str | None) -> None:
    assert smp_url_from_regexp(regexp) == url


def test_best_u_meta_smp_record_is_selected() -> None:
    records = [
        NaptrRecord(100, 10, "U", "Meta:SMP", "!^.*$!https://second.example!"),
        NaptrRecord(10, 10, "S", "Meta:SMP", "!^.*$!https://not-u.example!"),
        NaptrRecord(10, 10, "U", "Meta:Other", "!^.*$!https://other.example!"),
        NaptrRecord(50, 10, "u", "meta:smp", "!^.*$!https://first.example!"),
    ]
    assert select_smp_url(records) == "https://first.example"


def _resolver(result: Sequence[NaptrRecord] | Exception) -> tuple[SmlResolver, list[str]]:
    asked: list[str] = []

    async def lookup(name: str) -> Sequence[NaptrRecord]:
        asked.append(name)
        if isinstance(result, Exception):
            raise result
        return result

    return SmlResolver("participant.sml.test.tech.peppol.org", lookup), asked


async def test_resolver_returns_the_smp_url() -> None:
    resolver, asked = _resolver([NaptrRecord(100, 10, "U", "Meta:SMP", "!^.*$!https://smp.ex!")])
    assert await resolver.smp_url(ParticipantId("0088:5790000435975")) == "https://smp.ex"
    assert asked[0].endswith(".iso6523-actorid-upis.participant.sml.test.tech.peppol.org.")


async def test_unregistered_participant_is_permanent() -> None:
    resolver, _ = _resolver(NaptrNotFound("x"))
    with pytest.raises(ParticipantUnknown) as caught:
        await resolver.smp_url(ParticipantId("0088:1"))
    assert caught.value.retryable is False
    assert caught.value.wire_code == "sml:NXDOMAIN"


async def test_records_without_meta_smp_are_a_distinct_error() -> None:
    resolver, _ = _resolver([NaptrRecord(100, 10, "U", "Meta:Other", "!^.*$!https://x.ex!")])
    with pytest.raises(NoSmpService):
        await resolver.smp_url(ParticipantId("0088:1"))


async def test_dns_failure_is_retryable() -> None:
    resolver, _ = _resolver(DiscoveryUnavailable("timeout", wire_code="dns:Timeout"))
    with pytest.raises(DiscoveryUnavailable) as caught:
        await resolver.smp_url(ParticipantId("0088:1"))
    assert caught.value.retryable is True


@pytest.mark.parametrize("text", ["0088", "88:123", "iso6523-actorid-upis::", "0088:has space"])
def test_bad_participant_ids_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        ParticipantId.parse(text)


def test_identifier_forms() -> None:
    participant = ParticipantId.parse("iso6523-actorid-upis::0088:ABC")
    assert participant == ParticipantId("0088:abc")
    assert participant.url_segment() == "iso6523-actorid-upis%3A%3A0088%3Aabc"
    doc = DocumentTypeId.parse("busdox-docid-qns::urn:x::Invoice##urn:y::2.1")
    assert doc.value == "urn:x::Invoice##urn:y::2.1"
    assert doc != DocumentTypeId("URN:X::Invoice##urn:y::2.1")  # case-sensitive
