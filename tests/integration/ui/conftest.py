"""The admin web UI on a fresh database (SQLite and PostgreSQL), driven through aiohttp's test
client like a browser without JavaScript: it follows the forms, keeps the cookies and sends
the CSRF token each page carries."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gateway.api import keys
from gateway.app import AppOptions, create_app
from gateway.db.repos import admin_users, credentials
from gateway.db.repos import partners as partners_repo
from gateway.exchange.retry import RetryPolicy
from gateway.exchange.worker import OutboxWorker, WorkerConfig
from gateway.settings import Settings
from gateway.transports.base import utc_now
from gateway.transports.fake import FakeTransport
from gateway.transports.registry import default_registry
from gateway.validation.artefacts import Artefacts
from gateway.validation.pipeline import Validator
from tests.integration.conftest import DbTarget

ADMIN_TOKEN = "ui-test-admin-token-0123456789"
USERNAME = "operator"
PASSWORD = "correct horse battery staple"
BASE_EXAMPLE = "peppol-bis-billing-3/examples/base-example.xml"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
FAST_RETRIES = RetryPolicy(base_delay=timedelta(milliseconds=1),
                           max_delay=timedelta(milliseconds=5), max_attempts=2)

Client = TestClient[web.Request, web.Application]


@pytest.fixture(scope="session")
def ui_validator(standards_dir: Path) -> Validator:
    return Validator(Artefacts(standards_dir))


@pytest.fixture(scope="session")
def invoice_xml(standards_dir: Path) -> bytes:
    return (standards_dir / BASE_EXAMPLE).read_bytes()


def csrf_token(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def text_of(page: str) -> str:
    """The page's text with tags removed and entities decoded (what a reader sees)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@dataclass
class Ui:
    client: Client
    app: web.Application
    fake: FakeTransport

    async def sign_in(self, username: str = USERNAME, password: str = PASSWORD) -> Any:
        form = await self.client.get("/ui/sign-in")
        token = csrf_token(await form.text())
        return await self.client.post("/ui/sign-in", allow_redirects=False, data={
            "csrf_token": token, "username": username, "password": password,
            "next": "/ui/partners"})

    async def token(self, path: str = "/ui/partners") -> str:
        page = await self.client.get(path)
        assert page.status == 200, await page.text()
        return csrf_token(await page.text())

    async def post(self, path: str, data: dict[str, Any] | Any, *,
                   token_from: str = "/ui/partners") -> Any:
        if isinstance(data, dict):
            data = {"csrf_token": await self.token(token_from), **data}
        return await self.client.post(path, data=data, allow_redirects=False)

    async def partner_with_key(self, prefix: str) -> tuple[str, dict[str, str]]:
        db = self.app[keys.DATABASE]
        async with db.transaction() as session:
            partner = await partners_repo.create_partner(
                session, name=f"Partner {prefix}", key_prefix=prefix, now=utc_now(),
                actor="test")
            await partners_repo.add_endpoint(session, partner.id, transport="fake",
                                             url=f"https://{prefix}.example/in",
                                             now=utc_now(), actor="test")
            _, key = await credentials.create_api_key(session, partner.id, label="t",
                                                      now=utc_now(), actor="test")
        return partner.id, {"Authorization": f"Bearer {key}"}

    async def run_outbox(self) -> int:
        worker = OutboxWorker(self.app[keys.DATABASE], self.app[keys.TRANSPORTS],
                              worker_id="ui-test-worker", clock=utc_now,
                              config=WorkerConfig(policy=FAST_RETRIES, poll_interval=0.01))
        return await worker.run_once()


UiFactory = Callable[..., Awaitable[Ui]]


@pytest.fixture
async def make_ui(db_target: DbTarget, ui_validator: Validator,
                  tmp_path: Path) -> AsyncIterator[UiFactory]:
    opened: list[tuple[Ui, Any]] = []

    async def make(*, create_user: bool = True, **settings: Any) -> Ui:
        fake = FakeTransport()
        registry = default_registry()
        registry.register("fake", lambda deps: fake)
        database = db_target.database()
        options = AppOptions(database=database, validator=ui_validator,
                             transport_registry=registry, workers=0, webhook_workers=0)
        configured: dict[str, Any] = {"data_dir": tmp_path, "admin_token": ADMIN_TOKEN}
        configured |= settings
        app = create_app(Settings(**configured), options)
        client: Client = TestClient(TestServer(app))
        await client.start_server()
        if create_user:
            async with app[keys.DATABASE].transaction() as session:
                await admin_users.create_user(session, username=USERNAME, password=PASSWORD,
                                              now=utc_now(), actor="test")
        ui = Ui(client, app, fake)
        opened.append((ui, database))
        return ui

    yield make
    for ui, database in opened:
        await ui.client.close()
        await database.dispose()


@pytest.fixture
async def ui(make_ui: UiFactory) -> Ui:
    return await make_ui()


@pytest.fixture
async def signed_in(ui: Ui) -> Ui:
    response = await ui.sign_in()
    assert response.status == 303, await response.text()
    return ui
