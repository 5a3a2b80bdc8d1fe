"""OpenAPI and its UI are served in dev, and outside dev only when asked for."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from hexa.bootstrap import Hexa
from hexa.config import load_settings
from hexa.drivers.http.app import create_app
from tests.http.api import assert_problem
from tests.http.conftest import TEST_SECRET, admin_headers


async def _get(hexa: Hexa, path: str, **settings: object) -> httpx.Response:
    serving = dataclasses.replace(hexa, settings=load_settings(persistence="memory", **settings))
    transport = httpx.ASGITransport(app=create_app(hexa=serving))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=admin_headers(hexa)
    ) as http:
        return await http.get(path)


async def test_docs_page_is_served_in_dev(hexa: Hexa) -> None:
    response = await _get(hexa, "/docs", env="dev")

    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
@pytest.mark.parametrize("env", ["prod", "test"])
async def test_docs_are_hidden_outside_dev(hexa: Hexa, path: str, env: str) -> None:
    response = await _get(hexa, path, env=env, jwt_secret=TEST_SECRET, api_key_pepper=TEST_SECRET)

    assert_problem(response, 404)


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
async def test_allow_public_docs_serves_them_in_prod(hexa: Hexa, path: str) -> None:
    response = await _get(
        hexa,
        path,
        env="prod",
        jwt_secret=TEST_SECRET,
        api_key_pepper=TEST_SECRET,
        allow_public_docs=True,
    )

    assert response.status_code == 200


async def test_every_documented_error_is_a_problem_document(hexa: Hexa) -> None:
    document = (await _get(hexa, "/openapi.json", env="dev")).json()

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and path != "/healthz":
                    media = response["content"]
                    assert list(media) == ["application/problem+json"], (method, path, status)
    assert "HTTPValidationError" not in document["components"]["schemas"]
