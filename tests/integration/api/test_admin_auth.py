"""The admin API needs the admin key: no key, a partner key or a wrong key is 401, everywhere."""

from __future__ import annotations

import re

import pytest

from gateway.api import ADMIN
from tests.integration.api.conftest import Gateway, GatewayFactory

_PARAM = re.compile(r"\{(\w+)\}")


async def test_every_admin_endpoint_requires_the_admin_key(gateway: Gateway) -> None:
    _, partner_auth = await gateway.create_partner("acme")
    refused = [{}, partner_auth, {"Authorization": "Bearer wrong-admin-key"},
               {"Authorization": "Basic YWRtaW46YWRtaW4="}]
    for operation in ADMIN.operations:
        path = _PARAM.sub("x", ADMIN.full_path(operation))
        for headers in refused:
            response = await gateway.client.request(operation.method, path, headers=headers)
            assert response.status == 401, f"{operation.method} {path} with {headers}"
            assert response.content_type == "application/problem+json"


async def test_admin_key_opens_the_admin_api(gateway: Gateway) -> None:
    response = await gateway.client.get("/admin/v1/partners", headers=gateway.admin)
    assert response.status == 200


async def test_admin_key_is_not_a_partner_key(gateway: Gateway) -> None:
    response = await gateway.client.get("/v1/documents", headers=gateway.admin)
    assert response.status == 401


@pytest.mark.parametrize("path", ["/admin/v1/partners", "/admin/v1/audit/verify"])
async def test_without_a_configured_admin_key_the_admin_api_is_closed(
    make_gateway: GatewayFactory, path: str
) -> None:
    gateway = await make_gateway(settings={"admin_token": None})
    response = await gateway.client.get(path, headers={"Authorization": "Bearer anything"})
    assert response.status == 401
    assert "disabled" in (await response.json())["detail"]


async def test_several_admin_keys_allow_rotation(make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway(settings={"admin_token": "old-admin-key, new-admin-key"})
    for token in ("old-admin-key", "new-admin-key"):
        response = await gateway.client.get("/admin/v1/partners",
                                            headers={"Authorization": f"Bearer {token}"})
        assert response.status == 200
