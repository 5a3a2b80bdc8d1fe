"""The tests of direct that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from hexa.drivers.http.direct import direct_handler
from tests.http.api import JOBS
from tests.http.inspection_api import INSPECTIONS, RULES, create_inspection, create_rule
from tests.http.test_direct import _both, _same


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
