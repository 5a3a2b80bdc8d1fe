"""One SERVER span per request when tracing is on (`ServerSpans`): named by the route
template, with what the access event says of it, a caller's trace continued, probes left
out, and no credential in any attribute."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.trace import SpanKind, StatusCode

from hexa.bootstrap import Hexa
from hexa.drivers.http.app import create_app
from tests.http.api import KEYS
from tests.http.test_admin import new_key
from tests.http.test_auth import AUTH, PASSWORD, sign_up
from tests.tracing import Spans

CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{CALLER_TRACE}-b7ad6b7169203331-01"


@pytest.fixture
def app(hexa: Hexa, spans: Spans) -> FastAPI:
    """The app with a server span per request (conftest's `client` signs in to it)."""
    return create_app(hexa=hexa, tracer=spans.provider.get_tracer("hexa.http"))


async def test_a_request_is_one_span_named_by_its_route(
    client: httpx.AsyncClient, spans: Spans
) -> None:
    key = await new_key(client)
    read = await client.get(f"{KEYS}/{key['kid']}", headers={"X-Request-ID": "req-span-1"})
    assert read.status_code == 200

    span = spans.one("GET /api/admin/api-keys/{kid}")
    assert span.kind is SpanKind.SERVER
    assert dict(span.attributes or {}) == {
        "http.request.method": "GET",
        "url.scheme": "http",
        "network.protocol.version": "1.1",
        "client.address": "127.0.0.1",
        "http.route": "/api/admin/api-keys/{kid}",
        "http.response.status_code": 200,
        "hexa.request_id": "req-span-1",
        "hexa.principal.kind": "service",
    }
    assert span.status.status_code is StatusCode.UNSET
    assert [s.name for s in spans.finished()] == [
        "POST /api/admin/api-keys",
        "GET /api/admin/api-keys/{kid}",
    ]  # one span a request: none per send or receive


async def test_probes_and_scrapes_make_no_span(client: httpx.AsyncClient, spans: Spans) -> None:
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/metrics")).status_code in (200, 401, 403)
    assert spans.finished() == []


async def test_an_unmatched_path_is_not_named(client: httpx.AsyncClient, spans: Spans) -> None:
    assert (await client.get("/api/v1/nowhere/secret-ish")).status_code == 404
    [span] = spans.finished()
    assert span.name == "GET"
    assert "http.route" not in (span.attributes or {})
    assert span.status.status_code is StatusCode.UNSET


async def test_a_callers_trace_is_continued(client: httpx.AsyncClient, spans: Spans) -> None:
    await client.get(f"{AUTH}/me", headers={"traceparent": TRACEPARENT})
    [span] = spans.finished()
    assert f"{span.context.trace_id:032x}" == CALLER_TRACE
    assert span.parent is not None and f"{span.parent.span_id:016x}" == "b7ad6b7169203331"


async def test_no_credential_reaches_a_span(
    app: FastAPI, client: httpx.AsyncClient, spans: Spans
) -> None:
    key = await new_key(client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as anonymous:
        await sign_up(anonymous)
        login = await anonymous.post(
            f"{AUTH}/login", json={"email": "ana@example.com", "password": PASSWORD}
        )
        tokens = login.json()
        await anonymous.get(f"{AUTH}/me", headers={"X-API-Key": key["token"]})
        await anonymous.get(
            "/api/v1/jobs/none", params={"token": key["token"]}, headers={"X-API-Key": "x"}
        )
    secrets = [PASSWORD, key["token"], tokens["access_token"], tokens["refresh_token"]]
    secrets.append(client.headers["authorization"].split()[1])
    said = " ".join(_values(span) for span in spans.finished())
    assert spans.finished()
    for secret in secrets:
        assert secret not in said


def _values(span: Any) -> str:
    parts = [span.name, *(str(v) for v in (span.attributes or {}).values())]
    for event in span.events:
        parts += [event.name, *(str(v) for v in (event.attributes or {}).values())]
    return " ".join(parts)
