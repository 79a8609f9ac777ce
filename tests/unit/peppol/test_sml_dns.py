"""``dns_naptr_lookup`` against a real UDP DNS server on loopback (dnspython on both sides),
so the wiring (nameserver, port, NAPTR parsing, NXDOMAIN, timeouts) is exercised end to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

from gateway.peppol.errors import DiscoveryUnavailable, ParticipantUnknown
from gateway.peppol.identifiers import ParticipantId
from gateway.peppol.sml import SmlResolver, dns_naptr_lookup, naptr_name

ZONE = "sml.gateway.test."
KNOWN = ParticipantId("0088:5790000435975")


class NaptrServer(asyncio.DatagramProtocol):
    """Answers NAPTR for the names in ``records``; NXDOMAIN otherwise."""

    def __init__(self, records: dict[str, list[str]]) -> None:
        self.records = records
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # a datagram transport (its class is loop-specific)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        question = query.question[0]
        texts = self.records.get(question.name.to_text().lower())
        if texts is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        else:
            response.answer.append(
                dns.rrset.from_text_list(
                    question.name, 60, dns.rdataclass.IN, dns.rdatatype.NAPTR, texts
                )
            )
        self.transport.sendto(response.to_wire(), addr)


@pytest.fixture
async def server_port() -> AsyncIterator[int]:
    records = {
        naptr_name(KNOWN, ZONE): [
            '100 10 "U" "Meta:SMP" "!^.*$!http://127.0.0.1:8081!" .',
            '10 10 "U" "Meta:Other" "!^.*$!http://wrong.example!" .',
        ]
    }
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: NaptrServer(records), local_addr=("127.0.0.1", 0)
    )
    yield transport.get_extra_info("sockname")[1]
    transport.close()


async def test_naptr_lookup_over_udp(server_port: int) -> None:
    resolver = SmlResolver(ZONE, dns_naptr_lookup(["127.0.0.1"], port=server_port, timeout=2))
    assert await resolver.smp_url(KNOWN) == "http://127.0.0.1:8081"


async def test_nxdomain_over_udp_is_participant_unknown(server_port: int) -> None:
    resolver = SmlResolver(ZONE, dns_naptr_lookup(["127.0.0.1"], port=server_port, timeout=2))
    with pytest.raises(ParticipantUnknown):
        await resolver.smp_url(ParticipantId("0088:0000000000000"))


async def test_silent_nameserver_is_retryable() -> None:
    loop = asyncio.get_running_loop()
    # A bound socket that never answers: the lookup must time out, not hang or say "unknown".
    transport, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
    )
    try:
        port = transport.get_extra_info("sockname")[1]
        resolver = SmlResolver(ZONE, dns_naptr_lookup(["127.0.0.1"], port=port, timeout=0.3))
        with pytest.raises(DiscoveryUnavailable) as caught:
            await resolver.smp_url(KNOWN)
        assert caught.value.retryable
    finally:
        transport.close()


def test_names_are_absolute() -> None:
    assert dns.name.from_text(naptr_name(KNOWN, ZONE)).is_absolute()
