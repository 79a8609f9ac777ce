"""A gateway app on a fresh database (SQLite and PostgreSQL), driven through aiohttp's client.

Every JSON response of every test is validated against the response schema that
/openapi.json declares for its operation and status (`SpecChecker`), so the OpenAPI document
is kept true by the whole suite, not by one test.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gateway.api import keys
from gateway.api.public import OPENAPI_DOCUMENT
from gateway.app import AppOptions, create_app
from gateway.documents.convert import model_to_json, xml_to_model
from gateway.exchange.retry import RetryPolicy
from gateway.exchange.worker import OutboxWorker, WorkerConfig
from gateway.jsonio import dump_json
from gateway.settings import Settings
from gateway.transports.fake import FakeTransport
from gateway.transports.registry import TransportRegistry, default_registry
from gateway.validation.artefacts import Artefacts
from gateway.validation.pipeline import Validator
from gateway.webhooks.dispatcher import DispatcherConfig, WebhookDispatcher
from tests.integration.conftest import DbTarget

ADMIN_TOKEN = "test-admin-token-0123456789"
BASE_EXAMPLE = "peppol-bis-billing-3/examples/base-example.xml"
MAX_DOCUMENT_BYTES = 256 * 1024
FAST_RETRIES = RetryPolicy(base_delay=timedelta(milliseconds=1),
                           max_delay=timedelta(milliseconds=5), max_attempts=3)


@pytest.fixture(scope="session")
def validator(standards_dir: Path) -> Validator:
    """One validator for the session: compiling the official Schematron takes seconds."""
    return Validator(Artefacts(standards_dir))


@pytest.fixture(scope="session")
def invoice_xml(standards_dir: Path) -> bytes:
    return (standards_dir / BASE_EXAMPLE).read_bytes()


@pytest.fixture(scope="session")
def invoice_json(invoice_xml: bytes) -> bytes:
    _, model, _ = xml_to_model(invoice_xml)
    return dump_json(model_to_json(model)).encode()


def invalid_invoice(invoice_xml: bytes) -> bytes:
    """Amount due changed, so BR-CO-16 (amount due = total with VAT - paid) fails."""
    return re.sub(rb'(<cbc:PayableAmount currencyID="EUR">)[^<]*', rb"\g<1>1.00", invoice_xml)


def with_id(invoice_xml: bytes, new_id: str) -> bytes:
    return invoice_xml.replace(b"<cbc:ID>Snippet1</cbc:ID>",
                               f"<cbc:ID>{new_id}</cbc:ID>".encode(), 1)


class SpecChecker:
    """Validates every JSON response against the schema /openapi.json declares for it."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.checked = 0

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        response = await handler(request)
        self.check(request, response)
        return response

    def check(self, request: web.Request, response: web.StreamResponse) -> None:
        route = request.match_info.route
        resource = route.resource
        if resource is None or not isinstance(response, web.Response):
            return
        document = request.config_dict[OPENAPI_DOCUMENT]
        operation = document["paths"].get(resource.canonical, {}).get(request.method.lower())
        if operation is None:
            self.errors.append(f"{request.method} {resource.canonical} is not in the spec")
            return
        reply = operation["responses"].get(str(response.status))
        if reply is None:
            self.errors.append(f"{request.method} {resource.canonical}: status "
                               f"{response.status} is not documented")
            return
        self._check_body(document, reply, request, response)

    def _check_body(self, document: dict[str, Any], reply: dict[str, Any],
                    request: web.Request, response: web.Response) -> None:
        if "$ref" in reply:
            reply = document["components"]["responses"][reply["$ref"].rsplit("/", 1)[1]]
        media = (response.content_type or "").lower()
        content = reply.get("content", {})
        if media not in content or not media.endswith("json") or response.body is None:
            if content and media not in content:
                self.errors.append(f"{request.path}: {media} is not a documented response type")
            return
        assert isinstance(response.body, bytes)
        body = json.loads(response.body)
        schema = dict(document)
        schema.update(content[media]["schema"])
        try:
            jsonschema.Draft202012Validator(schema).validate(body)
        except jsonschema.ValidationError as exc:
            self.errors.append(f"{request.method} {request.path} {response.status}: "
                               f"{exc.message} at {list(exc.absolute_path)}")
        self.checked += 1


@dataclass
class Gateway:
    """The app under test, its client and helpers."""

    client: TestClient[web.Request, web.Application]
    app: web.Application
    fake: FakeTransport
    checker: SpecChecker
    admin: dict[str, str] = field(default_factory=lambda: {
        "Authorization": f"Bearer {ADMIN_TOKEN}"})

    async def create_partner(self, prefix: str, *, endpoint: str | None = "fake"
                             ) -> tuple[str, dict[str, str]]:
        """A partner with an API key (and a fake-transport endpoint); (id, auth headers)."""
        response = await self.client.post("/admin/v1/partners", headers=self.admin,
                                          json={"name": f"Partner {prefix}", "key_prefix": prefix})
        assert response.status == 201, await response.text()
        partner_id = (await response.json())["id"]
        response = await self.client.post(f"/admin/v1/partners/{partner_id}/api-keys",
                                          headers=self.admin, json={"label": "test"})
        assert response.status == 201, await response.text()
        token = (await response.json())["api_key"]
        if endpoint is not None:
            response = await self.client.post(
                f"/admin/v1/partners/{partner_id}/endpoints", headers=self.admin,
                json={"transport": endpoint, "url": f"https://{prefix}.example/receive"})
            assert response.status == 201, await response.text()
        return partner_id, {"Authorization": f"Bearer {token}"}

    async def send_outbound(self, receiver: str, body: bytes, *, document_type: str = "invoice",
                            content_type: str = "application/json",
                            headers: dict[str, str] | None = None) -> Any:
        return await self.client.post(
            "/admin/v1/outbound", data=body,
            params={"receiver": receiver, "document_type": document_type},
            headers={**self.admin, "Content-Type": content_type, **(headers or {})})

    def outbox_worker(self, name: str = "test-worker") -> OutboxWorker:
        return OutboxWorker(self.app[keys.DATABASE], self.app[keys.TRANSPORTS], worker_id=name,
                            clock=self.app[keys.OPTIONS].clock,
                            config=WorkerConfig(policy=FAST_RETRIES, poll_interval=0.01))

    async def run_outbox(self, rounds: int = 1) -> int:
        worker, handled = self.outbox_worker(), 0
        for _ in range(rounds):
            handled += await worker.run_once()
            await asyncio.sleep(0.01)  # let the backoff of a failed attempt pass
        return handled

    def dispatcher(self) -> WebhookDispatcher:
        return WebhookDispatcher(self.app[keys.DATABASE], self.app[keys.TRANSPORTS],
                                 worker_id="test-dispatcher", clock=self.app[keys.OPTIONS].clock,
                                 config=DispatcherConfig(policy=FAST_RETRIES))

    async def wait_for(self, check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not await check():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("condition not reached in time")
            await asyncio.sleep(0.05)


def fake_registry(fake: FakeTransport) -> TransportRegistry:
    registry = default_registry()
    registry.register("fake", lambda deps: fake)
    return registry


GatewayFactory = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def make_gateway(
    db_target: DbTarget, validator: Validator, tmp_path: Path
) -> AsyncIterator[GatewayFactory]:
    """Builds gateways on the test's database; options override the defaults."""
    opened: list[Gateway] = []
    databases = []

    async def make(fake: FakeTransport | None = None, settings: dict[str, Any] | None = None,
                   **overrides: Any) -> Gateway:
        fake = fake or FakeTransport()
        database = db_target.database()
        databases.append(database)
        defaults: dict[str, Any] = {
            "workers": 0, "webhook_workers": 0,
            "worker": WorkerConfig(policy=FAST_RETRIES, poll_interval=0.05),
            "dispatcher": DispatcherConfig(policy=FAST_RETRIES, poll_interval=0.05),
        }
        options = AppOptions(database=database, validator=validator,
                             transport_registry=fake_registry(fake),
                             **(defaults | overrides))
        configured = {"data_dir": tmp_path, "admin_token": ADMIN_TOKEN,
                      "max_document_bytes": MAX_DOCUMENT_BYTES} | (settings or {})
        app = create_app(Settings(**configured), options)
        checker = SpecChecker()
        app.middlewares.insert(0, checker.middleware)
        client: TestClient[web.Request, web.Application] = TestClient(TestServer(app))
        await client.start_server()
        gateway = Gateway(client, app, fake, checker)
        opened.append(gateway)
        return gateway

    yield make
    for gateway in opened:
        await gateway.client.close()
        assert gateway.checker.errors == [], "responses differ from the OpenAPI document"
    for database in databases:
        await database.dispose()


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> Gateway:
    return await make_gateway()
