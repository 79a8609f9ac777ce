"""`gateway serve` TLS: the app served with `server_ssl_context` speaks TLS 1.2+ only and
sends HSTS; without TLS files it serves plain HTTP."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from gateway.app import AppOptions, bound_port, create_app, start
from gateway.server_tls import server_ssl_context
from gateway.settings import Settings
from gateway.validation.pipeline import Validator
from tests.integration.api.test_operations import sample
from tests.integration.conftest import DbTarget
from tests.unit.partners.certs import make_certificate, private_key_pem


@pytest.fixture
def tls_settings(tmp_path: Path) -> Settings:
    now = datetime.now(UTC)
    pem, key = make_certificate("localhost", now - timedelta(days=1), now + timedelta(days=90))
    cert_file, key_file = tmp_path / "server.pem", tmp_path / "server.key"
    cert_file.write_bytes(pem)
    key_file.write_bytes(private_key_pem(key))
    return Settings(data_dir=tmp_path, tls_cert_file=cert_file, tls_key_file=key_file,
                    hsts_max_age=3600)


@pytest.fixture
async def https_port(tls_settings: Settings, db_target: DbTarget,
                     validator: Validator) -> AsyncIterator[int]:
    database = db_target.database()
    app = create_app(tls_settings, AppOptions(database=database, validator=validator,
                                              workers=0, webhook_workers=0))
    context = server_ssl_context(tls_settings)
    runner = await start(app, host="127.0.0.1", port=0, ssl_context=context)
    try:
        yield bound_port(runner)
    finally:
        await runner.cleanup()
        await database.dispose()


def client_context(maximum: ssl.TLSVersion) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # a throw-away self-signed certificate
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.maximum_version = maximum
    return context


async def get(port: int, context: ssl.SSLContext,
              path: str) -> tuple[aiohttp.ClientResponse, str]:
    async with aiohttp.ClientSession() as session, session.get(
            f"https://127.0.0.1:{port}{path}", ssl=context) as response:
        return response, await response.text()


def test_the_context_refuses_tls_below_1_2(tls_settings: Settings) -> None:
    context = server_ssl_context(tls_settings)
    assert context is not None
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.options & ssl.OP_NO_COMPRESSION
    assert server_ssl_context(Settings(data_dir=tls_settings.data_dir)) is None


async def test_https_with_tls_1_2_and_1_3_and_hsts(https_port: int) -> None:
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        response, _ = await get(https_port, client_context(version), "/healthz")
        assert response.status == 200
        assert response.headers["Strict-Transport-Security"] == (
            "max-age=3600; includeSubDomains")


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
async def test_tls_1_1_client_is_refused(https_port: int) -> None:
    with pytest.raises(aiohttp.ClientError):
        await get(https_port, client_context(ssl.TLSVersion.TLSv1_1), "/healthz")


async def test_metrics_export_the_server_certificate_expiry(https_port: int) -> None:
    response, text = await get(https_port, client_context(ssl.TLSVersion.TLSv1_3), "/metrics")
    assert response.status == 200
    days = sample(text, "gateway_tls_certificate_expiry_days")
    assert days is not None
    assert 89 < days <= 90
