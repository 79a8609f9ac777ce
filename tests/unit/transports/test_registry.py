from __future__ import annotations

import aiohttp
import pytest

from gateway.errors import ConfigurationError
from gateway.transports.base import Transport
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.fake import FakeTransport
from gateway.transports.http import HttpTransport
from gateway.transports.registry import (
    TransportDeps,
    TransportRegistry,
    TransportSet,
    default_registry,
)


def test_default_registry_has_http_and_peppol_as4_and_no_fake() -> None:
    assert default_registry().names() == ("http", "peppol-as4")
    assert default_registry(include_fake=True).names() == ("fake", "http", "peppol-as4")


def test_peppol_as4_needs_its_configuration() -> None:
    with pytest.raises(ConfigurationError, match="AS4 configuration"):
        default_registry().create("peppol-as4", TransportDeps())


def test_http_needs_the_app_session() -> None:
    with pytest.raises(ConfigurationError, match="ClientSession"):
        default_registry().create("http", TransportDeps())


async def test_http_uses_the_given_session() -> None:
    async with aiohttp.ClientSession() as session:
        transport = default_registry().create("http", TransportDeps(http_session=session))
        assert isinstance(transport, HttpTransport)
        assert isinstance(transport, Transport)


def test_unknown_transport_lists_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"'as2' is not available.*http, peppol-as4"):
        default_registry().create("as2", TransportDeps())


def test_register_refuses_duplicates_and_bad_names() -> None:
    registry = TransportRegistry()
    registry.register("fake", lambda deps: FakeTransport())
    with pytest.raises(ConfigurationError, match="already registered"):
        registry.register("fake", lambda deps: FakeTransport())
    with pytest.raises(ConfigurationError, match="not a valid"):
        registry.register("Bad Name", lambda deps: FakeTransport())


def test_transport_set_reuses_instances_per_name() -> None:
    fake = FakeTransport()
    registry = TransportRegistry()
    registry.register("fake", lambda deps: fake)
    transports = TransportSet(registry, TransportDeps())
    endpoint = EndpointConfig("fake://p", transport="fake")
    assert transports.for_endpoint(endpoint) is fake
    assert transports.get("fake") is fake
