"""Every error answer is an RFC 9457 problem, and none gives away the server's insides."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from hexa.bootstrap import Hexa
from hexa.domain.errors import Unavailable
from hexa.drivers.http.limits import MAX_JSON_BYTES
from tests.http.api import KEYS, USERS, assert_problem
from tests.http.conftest import admin_headers


@pytest.fixture
async def lenient_client(app: FastAPI, hexa: Hexa) -> AsyncIterator[httpx.AsyncClient]:
    """A client that receives the app's 500 answer instead of the exception behind it."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=admin_headers(hexa)
    ) as http:
        yield http


async def test_unknown_route_answers_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/nowhere"), 404)


async def test_wrong_method_answers_405(client: httpx.AsyncClient) -> None:
    response = await client.patch(KEYS, json={})

    assert_problem(response, 405)
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.parametrize("content", [b'{"name": "half', b"", b"not json at all"])
async def test_malformed_json_body_answers_422(client: httpx.AsyncClient, content: bytes) -> None:
    response = await client.post(
        KEYS, content=content, headers={"content-type": "application/json"}
    )

    assert_problem(response, 422)


async def test_validation_problem_names_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(KEYS, json={"scopes": []})

    body = assert_problem(response, 422)
    assert "name" in body["detail"]


async def test_body_over_the_limit_answers_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        KEYS,
        content=b"x" * (MAX_JSON_BYTES + 1),
        headers={"content-type": "application/json"},
    )

    assert_problem(response, 413)


async def test_unexpected_error_answers_500_without_its_insides(
    lenient_client: httpx.AsyncClient, hexa: Hexa, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def explode(user_id: str) -> None:
        raise RuntimeError("s3cret connection string postgres://admin:hunter2@db")

    monkeypatch.setattr(hexa.users, "get", explode)

    response = await lenient_client.get(f"{USERS}/someone")

    body = assert_problem(response, 500)
    for leak in ("Traceback", "RuntimeError", "hunter2", "s3cret", "explode", ".py"):
        assert leak not in response.text
    assert body["detail"]


async def test_unavailable_store_answers_503_with_retry_after(
    client: httpx.AsyncClient, hexa: Hexa, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable(**_: object) -> None:
        raise Unavailable("the database cannot be reached")

    monkeypatch.setattr(hexa.users, "page", unreachable)

    response = await client.get(USERS)

    body = assert_problem(response, 503)
    assert int(response.headers["retry-after"]) > 0
    assert body["detail"] == "the database cannot be reached"


async def test_an_unexpected_error_is_logged_once_and_not_raised_to_the_server(
    app: FastAPI, hexa: Hexa, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Starlette raises the error again after its 500, for the server to log: uvicorn's
    "Exception in ASGI application" was a second traceback of the same error."""

    async def explode(user_id: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(hexa.users, "get", explode)
    transport = httpx.ASGITransport(app=app)  # raises whatever the app raises
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=admin_headers(hexa)
    ) as http:
        response = await http.get(f"{USERS}/someone")

    assert_problem(response, 500)
    tracebacks = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert len(tracebacks) == 1, [r.getMessage() for r in tracebacks]


async def test_an_error_of_the_500_handler_itself_still_reaches_the_server(
    app: FastAPI, hexa: Hexa, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the error the handler logged is kept from the server: another (here, the
    handler's own) goes on, so it is logged somewhere."""

    async def explode(user_id: str) -> None:
        raise RuntimeError("boom")

    def broken_log(*args: object, **kwargs: object) -> None:
        raise OSError("the log is gone")

    monkeypatch.setattr(hexa.users, "get", explode)
    monkeypatch.setattr("hexa.drivers.http.problems.log.error", broken_log)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=admin_headers(hexa)
    ) as http:
        with pytest.raises(OSError, match="the log is gone"):
            await http.get(f"{USERS}/someone")
