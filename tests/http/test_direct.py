"""The direct handler answers exactly as FastAPI's own would: same status, headers and
bytes, refusals included. Overriding any dependency sends every route back to FastAPI's
handler, which is how the two are compared here."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from hexa.drivers.http.direct import direct_handler
from tests.http.api import INSPECTIONS, JOBS, RULES, create_inspection, create_rule


def _never() -> None:  # an override no route uses: it only switches the handler
    raise AssertionError


async def _both(app: FastAPI, client: httpx.AsyncClient, method: str, url: str, **kw: Any):  # type: ignore[no-untyped-def]
    direct = await client.request(method, url, **kw)
    app.dependency_overrides[_never] = _never
    try:
        general = await client.request(method, url, **kw)
    finally:
        app.dependency_overrides.clear()
    return direct, general


def _same(direct: httpx.Response, general: httpx.Response) -> None:
    assert direct.status_code == general.status_code
    assert direct.content == general.content
    drop = {"x-request-id", "date"}
    assert [(k, v) for k, v in direct.headers.items() if k not in drop] == [
        (k, v) for k, v in general.headers.items() if k not in drop
    ]


def test_the_busy_reads_are_served_directly(app: FastAPI) -> None:
    direct = {
        (route.path, method)
        for route in app.routes
        if isinstance(route, APIRoute) and direct_handler(route) is not None
        for method in route.methods or ()
    }
    assert {
        (f"{INSPECTIONS}/{{inspection_id}}", "GET"),
        (f"{RULES}/{{rule_id}}", "GET"),
        (f"{JOBS}/{{job_id}}", "GET"),
        ("/health", "GET"),
        ("/api/v1/auth/me", "GET"),
    } <= direct
    # Anything read from the query, headers or body goes through FastAPI.
    assert (INSPECTIONS, "GET") not in direct and (INSPECTIONS, "POST") not in direct


async def test_answers_match_fastapis_own(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    inspection = await create_inspection(client)
    rule = await create_rule(client)
    submitted = await client.post(f"{INSPECTIONS}/{inspection['id']}/submit")
    cases = [
        (client, "GET", f"{INSPECTIONS}/{inspection['id']}"),
        (client, "GET", f"{INSPECTIONS}/no-such-id"),
        (client, "GET", f"{RULES}/{rule['id']}"),
        (client, "GET", f"{JOBS}/{submitted.json()['job_id']}"),
        (client, "GET", "/health"),
        (anonymous, "GET", f"{INSPECTIONS}/{inspection['id']}"),  # 401
        (client, "GET", f"{INSPECTIONS}/a%00b"),  # 422 from the guard
        (client, "POST", f"{INSPECTIONS}/{inspection['id']}/submit"),  # 409: submitted
    ]
    for http, method, url in cases:
        _same(*await _both(app, http, method, url))
