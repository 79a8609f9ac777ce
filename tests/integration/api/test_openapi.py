"""The OpenAPI 3.1 document is true: every route is described, every described path is
routed, and the document is a valid OpenAPI 3.1 description. (Every JSON response of the
API suite is also validated against it: see conftest.SpecChecker.)"""

from __future__ import annotations

from aiohttp import web
from openapi_spec_validator import validate

from gateway.admin.render import UI_PREFIX
from tests.integration.api.conftest import Gateway


def routed_operations(app: web.Application) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for resource in app.router.resources():
        sub_app = getattr(resource, "_app", None)
        if isinstance(sub_app, web.Application):
            if resource.canonical != UI_PREFIX:  # the HTML admin UI is not part of the API
                found |= routed_operations(sub_app)
            continue
        for route in resource:
            if route.method != "HEAD":
                found.add((route.method.lower(), resource.canonical))
    return found


def described_operations(document: dict) -> set[tuple[str, str]]:
    return {(method, path) for path, item in document["paths"].items() for method in item}


async def test_every_route_is_described_and_every_path_is_routed(gateway: Gateway) -> None:
    response = await gateway.client.get("/openapi.json")
    assert response.status == 200
    document = await response.json()
    routed = routed_operations(gateway.app)
    described = described_operations(document)
    assert routed - described == set(), "routes missing from /openapi.json"
    assert described - routed == set(), "/openapi.json describes unrouted operations"
    assert ("post", "/v1/documents") in routed
    assert ("post", "/admin/v1/outbound") in routed


async def test_the_document_is_valid_openapi_3_1(gateway: Gateway) -> None:
    document = await (await gateway.client.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    validate(document)


async def test_operation_ids_are_unique_and_errors_are_problems(gateway: Gateway) -> None:
    document = await (await gateway.client.get("/openapi.json")).json()
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    for item in document["paths"].values():
        for operation in item.values():
            assert "500" in operation["responses"]
            if operation["security"]:
                assert "401" in operation["responses"]


async def test_unknown_path_and_method_are_problems(gateway: Gateway) -> None:
    missing = await gateway.client.get("/nowhere")
    assert missing.status == 404
    assert missing.content_type == "application/problem+json"
    wrong_method = await gateway.client.delete("/openapi.json")
    assert wrong_method.status == 405
    assert (await wrong_method.json())["code"] == "method-not-allowed"
