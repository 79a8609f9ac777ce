"""A real local HTTPS partner (aiohttp server) with scripted routes, and the test PKI."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from gateway.errors import GatewayError
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.http import HttpTransport, new_client_session, read_inbound_request
from gateway.webhooks.signing import SigningKey
from tests.integration.transports.pki import Pki, make_pki

PARTNER_KEY = SigningKey("partner-k1", b"whsec_partner_inbound_secret")
INBOUND_LIMIT = 4096


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes
    client_certificate: bytes | None


@dataclass
class PartnerServer:
    base_url: str
    transport: HttpTransport
    requests: list[Recorded] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    flaky_failures: int = 2

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


def _peer_certificate(request: web.Request) -> bytes | None:
    transport = request.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport else None
    return ssl_object.getpeercert(binary_form=True) if ssl_object else None


def _routes(server: PartnerServer) -> web.RouteTableDef:
    routes = web.RouteTableDef()
    counts: Counter[str] = Counter()

    async def record(request: web.Request) -> Recorded:
        entry = Recorded(
            request.path, dict(request.headers), await request.read(), _peer_certificate(request)
        )
        server.requests.append(entry)
        return entry

    @routes.post("/ok")
    async def ok(request: web.Request) -> web.Response:
        entry = await record(request)
        receipt_id = f"rcpt-{entry.headers.get('X-Gateway-Message-Id')}"
        return web.json_response(
            {"accepted": True}, status=202, headers={"X-Gateway-Receipt-Id": receipt_id}
        )

    @routes.post("/flaky")
    async def flaky(request: web.Request) -> web.Response:
        entry = await record(request)
        message_id = entry.headers.get("X-Gateway-Message-Id", "")
        counts[message_id] += 1
        if counts[message_id] <= server.flaky_failures:
            return web.Response(status=503, text="maintenance", headers={"Retry-After": "7"})
        return web.json_response({"accepted": True}, status=202)

    @routes.post("/reject")
    async def reject(request: web.Request) -> web.Response:
        await record(request)
        problem = {"title": "BR-CO-10 failed", "status": 400}
        return web.json_response(problem, status=400, content_type="application/problem+json")

    @routes.post("/redirect")
    async def redirect(request: web.Request) -> web.Response:
        await record(request)
        raise web.HTTPFound("/ok")

    @routes.post("/slow")
    async def slow(request: web.Request) -> web.Response:
        await record(request)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.release.wait(), timeout=10)
        return web.Response(status=200)

    @routes.post("/big")
    async def big(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(status=200, body=b"x" * 5000)

    @routes.post("/inbound")
    async def inbound(request: web.Request) -> web.Response:
        endpoint = EndpointConfig("https://partner.test/", signing_keys=(PARTNER_KEY,))
        try:
            raw = await read_inbound_request(request, max_bytes=INBOUND_LIMIT)
            received = await server.transport.receive(raw, endpoint)
        except GatewayError as exc:
            return web.json_response({"code": exc.code}, status=exc.http_status)
        return web.json_response(
            {
                "message_id": received.message_id,
                "key_id": received.signature_key_id,
                "client_certificate_sha256": received.client_certificate_sha256,
                "sha256": received.sha256,
                "content_type": received.content_type,
            }
        )

    return routes


StartServer = Callable[..., Awaitable[PartnerServer]]


def server_context(pki: Pki, *, require_client_cert: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.server.cert_path, pki.server.key_path)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=str(pki.ca.cert_path))
    return context


@pytest.fixture
async def start_server(pki: Pki, session: aiohttp.ClientSession) -> AsyncIterator[StartServer]:
    runners: list[tuple[web.AppRunner, PartnerServer]] = []

    async def start(*, require_client_cert: bool = False, host: str = "localhost") -> PartnerServer:
        app = web.Application()
        runner = web.AppRunner(app, shutdown_timeout=1)
        server = PartnerServer(base_url="", transport=HttpTransport(session))
        app.add_routes(_routes(server))
        await runner.setup()
        site = web.TCPSite(
            runner,
            "127.0.0.1",
            0,
            ssl_context=server_context(pki, require_client_cert=require_client_cert),
        )
        await site.start()
        port = runner.addresses[0][1]
        server.base_url = f"https://{host}:{port}"
        runners.append((runner, server))
        return server

    yield start
    for runner, server in runners:
        server.release.set()
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with new_client_session() as client_session:
        yield client_session


@pytest.fixture
def ca_file(pki: Pki) -> Path:
    return pki.ca.cert_path
