"""The admin web UI in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`, see scripts/install-browser.sh) driven by Selenium, against a gateway
served on a local port with JavaScript-free pages.

Signs in, onboards a partner (a bad identifier is reported next to the field first), uploads
a certificate, issues an API key, sends a test document, opens a received invoice, replays
a dead letter, signs out.
Screenshots of the main pages go to $GATEWAY_TEST_ARTEFACTS/ui-screenshots (else a pytest
temporary directory); their paths are printed.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from gateway.api import keys
from gateway.app import AppOptions, bound_port, create_app, start
from gateway.db.database import Database
from gateway.db.repos import admin_users, credentials
from gateway.db.repos import partners as partners_repo
from gateway.exchange.retry import RetryPolicy
from gateway.exchange.worker import OutboxWorker, WorkerConfig
from gateway.settings import Settings
from gateway.transports.base import utc_now
from gateway.transports.fake import FakeTransport
from gateway.transports.registry import default_registry
from tests.unit.partners.certs import make_certificate

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-dev-shm-usage", "--window-size=1280,1600")
USERNAME, PASSWORD = "browser-operator", "a password for the browser test"
ADMIN_TOKEN = "browser-test-admin-token-0123"
BASE_EXAMPLE = "peppol-bis-billing-3/examples/base-example.xml"
T = TypeVar("T")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="headless Chromium not installed (scripts/install-browser.sh)"),
]


@dataclass
class LiveGateway:
    """A gateway served from its own event loop in a background thread."""

    loop: asyncio.AbstractEventLoop
    url: str
    app: Any
    fake: FakeTransport

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)


async def _prepare(app: Any) -> None:
    async with app[keys.DATABASE].transaction() as session:
        await admin_users.create_user(session, username=USERNAME, password=PASSWORD,
                                      now=utc_now(), actor="test")


@pytest.fixture
def live_gateway(tmp_path: Path) -> Iterator[LiveGateway]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="live-gateway", daemon=True)
    thread.start()
    fake = FakeTransport()
    registry = default_registry()
    registry.register("fake", lambda deps: fake)

    async def serve() -> tuple[Any, Any, Database]:
        database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'ui.sqlite'}")
        app = create_app(Settings(data_dir=tmp_path, admin_token=ADMIN_TOKEN),
                         AppOptions(database=database, transport_registry=registry, workers=0,
                                    webhook_workers=0))
        runner = await start(app, host="127.0.0.1", port=0)
        await _prepare(app)
        return app, runner, database

    app, runner, database = asyncio.run_coroutine_threadsafe(serve(), loop).result(60)
    live = LiveGateway(loop, f"http://127.0.0.1:{bound_port(runner)}", app, fake)
    try:
        yield live
    finally:
        live.run(runner.cleanup())
        live.run(database.dispose())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(2)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("GATEWAY_TEST_ARTEFACTS")
    target = (Path(configured) / "ui-screenshots" if configured
              else tmp_path_factory.mktemp("ui-screenshots"))
    target.mkdir(parents=True, exist_ok=True)
    return target


class Pages:
    def __init__(self, driver: WebDriver, base: str, shots: Path) -> None:
        self.driver, self.base, self.shots = driver, base, shots

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def fill(self, name: str, value: str) -> None:
        field = self.driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)

    def submit(self, label: str) -> None:
        """Click the button and wait until the next page replaced this one."""
        page = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.XPATH, f"//button[normalize-space()='{label}']").click()
        WebDriverWait(self.driver, 20).until(expected_conditions.staleness_of(page))

    def wait_for_url(self, fragment: str) -> None:
        WebDriverWait(self.driver, 20).until(lambda driver: fragment in driver.current_url)

    def text(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def error_next_to(self, field: str) -> str:
        return str(self.driver.find_element(By.ID, f"{field}-error").text)

    def shot(self, name: str) -> None:
        path = self.shots / f"{name}.png"
        self.driver.save_screenshot(str(path))
        print(f"screenshot: {path}")


async def _partner_with_key(app: Any, prefix: str) -> tuple[str, str]:
    async with app[keys.DATABASE].transaction() as session:
        partner = await partners_repo.create_partner(session, name=f"Sender {prefix}",
                                                     key_prefix=prefix, now=utc_now(),
                                                     actor="test")
        await partners_repo.add_endpoint(session, partner.id, transport="fake",
                                         url=f"https://{prefix}.example/in", now=utc_now(),
                                         actor="test")
        _, key = await credentials.create_api_key(session, partner.id, label="t",
                                                  now=utc_now(), actor="test")
    return partner.id, key


async def _post(url: str, body: bytes, headers: dict[str, str],
                params: dict[str, str] | None = None) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.post(
            url, data=body, headers=headers, params=params) as response:
        answer: dict[str, Any] = await response.json()
        assert response.status in (201, 202), answer
        return answer


async def _dead_letter(live: LiveGateway, invoice: bytes, receiver: str) -> dict[str, Any]:
    sent = await _post(f"{live.url}/admin/v1/outbound", invoice,
                       {"Content-Type": "application/xml",
                        "Authorization": f"Bearer {ADMIN_TOKEN}"},
                       {"receiver": receiver, "document_type": "invoice"})
    live.fake.fail_next(retryable=False)
    policy = RetryPolicy(base_delay=timedelta(milliseconds=1),
                         max_delay=timedelta(milliseconds=5), max_attempts=2)
    worker = OutboxWorker(live.app[keys.DATABASE], live.app[keys.TRANSPORTS],
                          worker_id="browser-test", clock=utc_now,
                          config=WorkerConfig(policy=policy, poll_interval=0.01))
    await worker.run_once()
    return sent


def test_operator_journey(live_gateway: LiveGateway, browser: WebDriver, screenshots: Path,
                          standards_dir: Path) -> None:
    pages = Pages(browser, live_gateway.url, screenshots)
    pages.open("/ui/partners")
    pages.wait_for_url("/ui/sign-in")
    pages.fill("username", USERNAME)
    pages.fill("password", "wrong password here")
    pages.submit("Sign in")
    assert "unknown username or wrong password" in pages.text()
    pages.fill("username", USERNAME)
    pages.fill("password", PASSWORD)
    pages.shot("01-sign-in")
    pages.submit("Sign in")
    pages.wait_for_url("/ui/partners")

    pages.open("/ui/partners/new")
    pages.fill("name", "ACME Trading")
    pages.fill("key_prefix", "acme")
    pages.fill("identifiers", "0088:7300010000002")  # wrong GLN check digit
    WebDriverWait(browser, 10).until(  # checked as typed (static/identifiers.js)
        lambda driver: "line 1" in driver.find_element(By.ID, "identifiers-check").text)
    browser.find_element(By.CSS_SELECTOR, "input[value='invoice']").click()
    pages.submit("Create partner")
    assert "line 1" in pages.error_next_to("identifiers")
    pages.shot("02-onboarding-error")
    pages.fill("identifiers", "0088:7300010000001")
    pages.submit("Create partner")
    assert "Partner created." in pages.text()

    now = datetime.now(UTC)
    pem, _ = make_certificate("as4.acme.example", now - timedelta(days=1),
                              now + timedelta(days=60))
    pem_path = screenshots / "acme.pem"
    pem_path.write_bytes(pem)
    browser.find_element(By.NAME, "pem_file").send_keys(str(pem_path))
    pages.submit("Upload certificate")
    uploaded = browser.find_element(By.ID, "certificate-uploaded").text
    assert "CN=as4.acme.example" in uploaded
    pages.fill("label", "ERP connector")
    pages.submit("Issue API key")
    key = browser.find_element(By.ID, "api-key").text
    assert key.startswith("gw_acme_")
    pages.shot("03-api-key-shown-once")
    pages.open(f"/ui/partners/{browser.current_url.rstrip('/').split('/')[-2]}")
    assert key not in pages.text()
    pages.shot("04-partner")

    invoice = (standards_dir / BASE_EXAMPLE).read_bytes()
    invoice_path = screenshots / "sample-invoice.xml"
    invoice_path.write_bytes(invoice)
    browser.find_element(By.NAME, "document_file").send_keys(str(invoice_path))
    pages.submit("Send test document")
    assert "Test document submitted." in pages.text()
    assert "validated → queued" in pages.text()
    pages.shot("05-test-exchange")

    receiver_id, sender_key = live_gateway.run(_partner_with_key(live_gateway.app, "seller"))
    received = live_gateway.run(_post(f"{live_gateway.url}/v1/documents", invoice, {
        "Content-Type": "application/xml", "Authorization": f"Bearer {sender_key}"}))
    pages.open("/ui/documents")
    pages.shot("06-documents")
    pages.open(f"/ui/documents/{received['id']}")
    assert "SupplierOfficialName Ltd" in pages.text()
    assert "1656.25" in pages.text()
    pages.shot("07-document")

    sent = live_gateway.run(_dead_letter(live_gateway, invoice, receiver_id))
    pages.open(f"/ui/documents/{sent['document_id']}")
    assert "dead_letter" in pages.text()
    pages.fill("reason", "endpoint fixed")
    pages.submit("Replay dead letter")
    assert "Queued again for delivery." in pages.text()
    pages.shot("08-replayed")

    pages.submit("Sign out")
    pages.wait_for_url("/ui/sign-in")
    pages.open("/ui/partners")
    pages.wait_for_url("/ui/sign-in?next=")
