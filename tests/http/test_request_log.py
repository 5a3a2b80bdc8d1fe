"""Each request's id, echoed on every answer, and its one access event in the logs; the
job a request accepts logs under the same id."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from hexa.bootstrap import Hexa
from hexa.config import Settings
from hexa.drivers.http.limits import MAX_JSON_BYTES
from hexa.drivers.http.request_log import request_id_of
from tests.http.api import KEYS, USERS
from tests.http.conftest import admin_headers
from tests.log_capture import LogCapture, captured_logs

SANE = "client-7.trace:42_a-b"
GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def logs(settings: Settings) -> Iterator[LogCapture]:
    with captured_logs(settings.model_copy(update={"log_format": "json"})) as capture:
        yield capture


@pytest.fixture
async def lenient(app: FastAPI, hexa: Hexa) -> AsyncIterator[httpx.AsyncClient]:
    """An admin client that receives the app's 500 instead of the exception behind it."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=admin_headers(hexa)
    ) as http:
        yield http


async def test_an_unrouted_request_is_logged_with_its_raw_path(
    client: httpx.AsyncClient, logs: LogCapture
) -> None:
    await client.get("/api/v1/nowhere", headers={"X-Request-ID": SANE})

    [event] = logs.access(SANE)
    assert (event["route"], event["status"]) == ("/api/v1/nowhere", 404)


async def test_no_access_event_below_its_level(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    with captured_logs(settings.model_copy(update={"log_level": "WARNING"})) as quiet:
        assert (await client.get("/health")).status_code == 200
    assert quiet.text == ""


ANSWERS = {
    "200": ("GET", "/health", b""),
    "401": ("GET", USERS, b""),  # the lenient client sends no credentials for this one
    "404": ("GET", "/api/v1/nowhere", b""),
    "405": ("PATCH", USERS, b"{}"),
    "413": ("POST", KEYS, b"x" * (MAX_JSON_BYTES + 1)),
    "422": ("POST", KEYS, b'{"readings": []}'),
    "500": ("GET", USERS, b""),
}


@pytest.mark.parametrize(
    "given",
    ["x" * 129, "two words", "semi;colon", 'quote"d', "<script>", "ünïcode"],
    ids=["too-long", "space", "semicolon", "quote", "markup", "non-ascii"],
)
async def test_an_insane_request_id_is_replaced_by_a_fresh_one(
    client: httpx.AsyncClient, logs: LogCapture, given: str
) -> None:
    response = await client.get("/health", headers={"X-Request-ID": given.encode()})

    fresh = response.headers["x-request-id"]
    assert GENERATED.fullmatch(fresh)
    assert [e["request_id"] for e in logs.events() if e["logger"] == "hexa.access"] == [fresh]
    assert given not in logs.text


@pytest.mark.parametrize(
    "headers",
    [
        [(b"x-request-id", b"abc\r\nx-injected: 1")],
        [(b"x-request-id", b"abc\n")],
        [(b"x-request-id", b"")],
        [(b"x-request-id", b"one"), (b"x-request-id", b"two")],
    ],
    ids=["crlf", "lf", "empty", "twice"],
)
def test_a_request_id_with_line_breaks_empty_or_repeated_is_not_taken(
    headers: list[tuple[bytes, bytes]],
) -> None:
    assert GENERATED.fullmatch(request_id_of({"headers": headers}))


async def test_requests_without_an_id_get_different_ones(client: httpx.AsyncClient) -> None:
    first, second = (await client.get("/health"), await client.get("/health"))
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_a_websocket_is_logged_once_when_it_ends_without_its_token(
    app: FastAPI, hexa: Hexa, logs: LogCapture
) -> None:
    token = admin_headers(hexa)["Authorization"].removeprefix("Bearer ")
    with (
        TestClient(app) as http,
        http.websocket_connect(
            f"/ws/jobs/no-such-job?token={token}", headers={"X-Request-ID": SANE}
        ) as ws,
    ):
        ws.receive()

    [event] = [e for e in logs.events() if e["event"] == "websocket"]
    assert (event["route"], event["status"], event["request_id"]) == (
        "/ws/jobs/{job_id}",
        4404,
        SANE,
    )
    assert (event["principal_kind"], event["principal_id"]) == ("service", "ops")
    assert token not in logs.text


@pytest.mark.parametrize("expected", ANSWERS)
async def test_every_answer_echoes_the_request_id(
    lenient: httpx.AsyncClient,
    hexa: Hexa,
    logs: LogCapture,
    monkeypatch: pytest.MonkeyPatch,
    expected: str,
) -> None:
    method, path, body = ANSWERS[expected]
    headers = {"X-Request-ID": SANE, "content-type": "application/json"}
    if expected == "401":
        headers["Authorization"] = "Bearer not-a-token"
    if expected == "500":

        async def explode(**_: object) -> None:
            raise RuntimeError("a bug")

        monkeypatch.setattr(hexa.users, "page", explode)

    response = await lenient.request(method, path, content=body, headers=headers)

    assert response.status_code == int(expected)
    assert response.headers["x-request-id"] == SANE
    if expected != "200":
        assert response.headers["content-type"] == "application/problem+json"
    [event] = logs.access(SANE)
    assert event["status"] == int(expected)


async def test_an_unexpected_error_is_logged_with_the_request_id_and_its_traceback(
    lenient: httpx.AsyncClient, hexa: Hexa, logs: LogCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def explode(**_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(hexa.users, "page", explode)

    await lenient.get(USERS, headers={"X-Request-ID": SANE})

    [error] = [e for e in logs.events() if e["level"] == "error"]
    assert error["request_id"] == SANE
    assert (
        error["exception"].startswith("Traceback") and "RuntimeError: a bug" in error["exception"]
    )
