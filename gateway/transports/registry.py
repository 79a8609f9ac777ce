"""Transport name → factory, and the per-app set of transport instances built from it.

No module-level registry: the app builds one with ``default_registry()`` (adding its own
entries) and keeps the ``TransportSet`` under an ``aiohttp.web.AppKey``. ``peppol-as4`` needs
``TransportDeps.peppol_as4`` (gateway.peppol.as4.transport.As4TransportConfig).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp

from gateway.errors import ConfigurationError
from gateway.transports.base import Clock, Transport, utc_now
from gateway.transports.endpoint import TRANSPORT_NAME, EndpointConfig
from gateway.transports.fake import FakeTransport
from gateway.transports.http import HttpTransport

if TYPE_CHECKING:
    from gateway.peppol.as4.transport import As4TransportConfig


@dataclass(frozen=True, slots=True)
class TransportDeps:
    """What factories may need; resources are owned by the app (cleanup_ctx), not by transports."""

    http_session: aiohttp.ClientSession | None = None
    clock: Clock = utc_now
    peppol_as4: As4TransportConfig | None = None
    """Our AP key, C1 defaults and discovery for ``peppol-as4`` (None: not configured)."""


TransportFactory = Callable[[TransportDeps], Transport]


def http_factory(deps: TransportDeps) -> Transport:
    if deps.http_session is None:
        raise ConfigurationError("the http transport needs the app's aiohttp ClientSession")
    return HttpTransport(deps.http_session, clock=deps.clock)


def peppol_as4_factory(deps: TransportDeps) -> Transport:
    # Imported here: the AS4 stack (lxml, signxml, discovery) loads only when it is used.
    from gateway.peppol.as4.transport import PeppolAs4Transport

    if deps.http_session is None or deps.peppol_as4 is None:
        raise ConfigurationError(
            "the peppol-as4 transport needs the app's aiohttp ClientSession and an AS4 "
            "configuration (our access-point key and certificate, discovery)"
        )
    return PeppolAs4Transport(deps.http_session, deps.peppol_as4, clock=deps.clock)


def fake_factory(deps: TransportDeps) -> Transport:
    return FakeTransport(clock=deps.clock)


class TransportRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, TransportFactory] = {}

    def register(self, name: str, factory: TransportFactory) -> None:
        if not TRANSPORT_NAME.fullmatch(name):
            raise ConfigurationError(f"{name!r} is not a valid transport name")
        if name in self._factories:
            raise ConfigurationError(f"transport {name!r} is already registered")
        self._factories[name] = factory

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._factories))

    def create(self, name: str, deps: TransportDeps) -> Transport:
        factory = self._factories.get(name)
        if factory is None:
            known = ", ".join(self.names()) or "none"
            raise ConfigurationError(f"transport {name!r} is not available (registered: {known})")
        return factory(deps)


def default_registry(*, include_fake: bool = False) -> TransportRegistry:
    """``http`` and ``peppol-as4`` always (the latter fails loudly when the app gave it no
    AS4 configuration); ``fake`` only on request, so a production endpoint misconfigured as
    ``fake`` fails loudly instead of swallowing deliveries."""
    registry = TransportRegistry()
    registry.register("http", http_factory)
    registry.register("peppol-as4", peppol_as4_factory)
    if include_fake:
        registry.register("fake", fake_factory)
    return registry


class TransportSet:
    """The app's transport instances, created on first use and then reused."""

    def __init__(self, registry: TransportRegistry, deps: TransportDeps) -> None:
        self._registry = registry
        self._deps = deps
        self._instances: dict[str, Transport] = {}

    def get(self, name: str) -> Transport:
        instance = self._instances.get(name)
        if instance is None:
            instance = self._registry.create(name, self._deps)
            self._instances[name] = instance
        return instance

    def for_endpoint(self, endpoint: EndpointConfig) -> Transport:
        return self.get(endpoint.transport)
