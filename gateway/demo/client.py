"""A small client of the gateway's HTTP API (admin and partner), for the demo, the end-to-end
tests and the benchmark.

Every call returns the decoded JSON; a non-2xx answer raises `ApiError` with the status and
the problem's title and detail (application/problem+json), so a failure says what the
gateway said.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp

from gateway.errors import GatewayError

JSON = "application/json"
XML = "application/xml"
DEFAULT_TIMEOUT_S = 30.0


class ApiError(GatewayError):
    code = "api-call-failed"

    def __init__(self, message: str, *, status: int, problem: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.status = status
        self.problem = dict(problem)


class ApiClient:
    """Calls one gateway with one bearer token (an admin token or a partner API key)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str,
                 *, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        sent = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        if content_type is not None:
            sent["Content-Type"] = content_type
        async with self.session.request(
            method, self.base_url + path, json=json, data=data, params=params,
            headers=sent, timeout=self.timeout,
        ) as response:
            body = await response.read()
            if response.status >= 300:
                raise _api_error(method, path, response.status, body)
            if not body or not response.content_type.endswith("json"):
                return body
            return await response.json(content_type=None)

    async def get(self, path: str, **params: str) -> Any:
        return await self.call("GET", path, params=params or None)

    async def post_json(self, path: str, value: Any, *,
                        headers: Mapping[str, str] | None = None) -> Any:
        return await self.call("POST", path, json=value, headers=headers)

    async def pages(self, path: str, *, limit: int = 200, **params: str) -> list[Any]:
        """Every item of a cursor-paginated list (``items`` + ``next_cursor``)."""
        items: list[Any] = []
        cursor: str | None = None
        while True:
            query = {**params, "limit": str(limit)} | ({"after": cursor} if cursor else {})
            page = await self.get(path, **query)
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items


def _api_error(method: str, path: str, status: int, body: bytes) -> ApiError:
    import json

    try:
        problem = json.loads(body)
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    title = problem.get("title") or ""
    detail = problem.get("detail") or body[:300].decode("utf-8", errors="replace")
    findings = problem.get("findings") or []
    lines = [f"{method} {path} answered {status} {title}: {detail}".rstrip(": ")]
    lines += [f"  [{f.get('rule_id')}] {f.get('message')}" for f in findings[:10]
              if isinstance(f, dict) and f.get("severity") in ("fatal", "error")]
    return ApiError("\n".join(lines), status=status, problem=problem)
