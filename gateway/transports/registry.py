"""Transport name → factory, and the per-app set of transport instances built from it.

No module-level registry: the app builds one with ``default_registry()`` (adding its own
entries, e.g. ``peppol-as4`` when that transport exists) and keeps the ``TransportSet``
under an ``aiohttp.web.AppKey``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from gateway.errors import ConfigurationError
from gateway.transports.base import Clock, Transport, utc_now
from gateway.transports.endpoint import TRANSPORT_NAME, EndpointConfig
from gateway.transports.fake import FakeTransport
from gateway.transports.http import HttpTransport


@dataclass(frozen=True, slots=True)
class TransportDeps:
    """What factories may need; resources are owned by the app (cleanup_ctx), not by transports."""

    http_session: aiohttp.ClientSession | None = None
    clock: Clock = utc_now


TransportFactory = Callable[[TransportDeps], Transport]


def http_factory(deps: TransportDeps) -> Transport:
    if deps.http_session is None:
        raise ConfigurationError("the http transport needs the app's aiohttp ClientSession")
    return HttpTransport(deps.http_session, clock=deps.clock)


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
    """``http`` always; ``fake`` only on request, so a production endpoint misconfigured as
    ``fake`` fails loudly instead of swallowing deliveries."""
    registry = TransportRegistry()
    registry.register("http", http_factory)
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
