"""Two gateways in one process, on two ports: A sends an invoice to B over real HTTP.

A's partner "beta" has an http endpoint at B's POST /v1/documents, authenticated with the API
key B issued to A (read from the environment at send time). B de-duplicates on A's message
id and routes the invoice to its internal inbox; A records B's receipt.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.app import AppOptions, bound_port, create_app, start
from gateway.exchange.worker import WorkerConfig
from gateway.settings import Settings
from gateway.validation.pipeline import Validator


def settings(directory: Path, admin: str) -> Settings:
    return Settings(data_dir=directory, admin_token=admin,
                    database_url=f"sqlite+aiosqlite:///{directory / 'gateway.sqlite'}")


async def call(http: aiohttp.ClientSession, method: str, url: str, admin: str,
               **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {admin}", **kwargs.pop("headers", {})}
    async with http.request(method, url, headers=headers, **kwargs) as response:
        assert response.status < 300, await response.text()
        return await response.json()


async def test_gateway_a_delivers_to_gateway_b(
    tmp_path: Path, validator: Validator, invoice_json: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    fast = WorkerConfig(poll_interval=0.05)
    runner_b = await start(create_app(settings(tmp_path / "b", "admin-b"),
                                      AppOptions(validator=validator, workers=0)),
                           host="127.0.0.1", port=0)
    runner_a = await start(create_app(settings(tmp_path / "a", "admin-a"),
                                      AppOptions(validator=validator, workers=1, worker=fast)),
                           host="127.0.0.1", port=0)
    b = f"http://127.0.0.1:{bound_port(runner_b)}"
    a = f"http://127.0.0.1:{bound_port(runner_a)}"
    try:
        async with aiohttp.ClientSession() as http:
            alpha = await call(http, "POST", f"{b}/admin/v1/partners", "admin-b",
                               json={"name": "Alpha (gateway A)", "key_prefix": "alpha"})
            key = await call(http, "POST", f"{b}/admin/v1/partners/{alpha['id']}/api-keys",
                             "admin-b", json={"label": "gateway A"})
            monkeypatch.setenv("BETA_API_KEY", key["api_key"])
            beta = await call(http, "POST", f"{a}/admin/v1/partners", "admin-a",
                              json={"name": "Beta (gateway B)", "key_prefix": "beta"})
            await call(http, "POST", f"{a}/admin/v1/partners/{beta['id']}/endpoints", "admin-a",
                       json={"transport": "http", "url": f"{b}/v1/documents",
                             "settings": {"bearer_token_ref": "env:BETA_API_KEY",
                                          "allow_plain_http": True}})
            sent = await call(http, "POST", f"{a}/admin/v1/outbound", "admin-a",
                              params={"receiver": beta["id"], "document_type": "invoice"},
                              data=invoice_json, headers={"Content-Type": "application/json"})

            exchange: dict[str, Any] = {}
            for _ in range(200):
                exchange = await call(http, "GET", f"{a}/admin/v1/exchanges/"
                                      f"{sent['exchange_id']}", "admin-a")
                if exchange["state"] in ("delivered", "dead_letter"):
                    break
                await asyncio.sleep(0.05)
            assert exchange["state"] == "delivered", exchange["last_error"]

            inbox = await call(http, "GET", f"{b}/admin/v1/inbox", "admin-b")
            [item] = inbox["items"]
            assert item["message_id"] == sent["message_id"]
            assert item["document_type"] == "invoice"
            assert item["partner_id"] == alpha["id"]
            receipt = exchange["acknowledgements"][0]["detail"]
            assert receipt["status_code"] == 201
            assert receipt["remote_message_id"] == item["document_id"]
    finally:
        await runner_a.cleanup()
        await runner_b.cleanup()
