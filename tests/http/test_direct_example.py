"""The tests of direct that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from hexa.drivers.http.direct import direct_handler
from tests.http.api import JOBS
from tests.http.inspection_api import (
    INSPECTIONS,
    RULES,
    create_inspection,
    create_rule,
    inspection_body,
)
from tests.http.test_direct import _both, _never, _same

JSON = {"content-type": "application/json"}


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
    # A JSON body and an optional header string are taken directly too.
    assert {
        (INSPECTIONS, "POST"),
        (f"{INSPECTIONS}/{{inspection_id}}", "PATCH"),
        (f"{RULES}/{{rule_id}}", "PUT"),
    } <= direct
    # Anything read from the query goes through FastAPI.
    assert (INSPECTIONS, "GET") not in direct


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


def _masked(response: httpx.Response) -> tuple[int, object, list[tuple[str, str]]]:
    """What two answers about two new objects have in common: all but their ids and
    times."""

    def mask(value: object) -> object:
        if isinstance(value, dict):
            return {
                k: "*" if k in {"id", "created_at", "updated_at"} else mask(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [mask(v) for v in value]
        return value

    body = mask(response.json()) if response.content else None
    headers = [
        (k, v.rsplit("/", 1)[0] if k == "location" else v)
        for k, v in response.headers.items()
        if k not in {"x-request-id", "date"}
    ]
    return response.status_code, body, headers


async def test_bodies_and_headers_taken_directly_answer_as_fastapi(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    body = inspection_body(notes="n")
    created, general = await _both(app, client, "POST", INSPECTIONS, json=body)
    assert created.status_code == 201
    assert _masked(created) == _masked(general)

    drafts = [await create_inspection(client) for _ in range(2)]
    patched = await client.patch(
        f"{INSPECTIONS}/{drafts[0]['id']}", json={"notes": "x"}, headers={"If-Match": '"1"'}
    )
    app.dependency_overrides[_never] = _never
    try:
        general = await client.patch(
            f"{INSPECTIONS}/{drafts[1]['id']}", json={"notes": "x"}, headers={"If-Match": '"1"'}
        )
    finally:
        app.dependency_overrides.clear()
    assert patched.status_code == 200
    assert _masked(patched) == _masked(general)

    one = f"{INSPECTIONS}/{drafts[0]['id']}"
    refusals = [
        (client, "PATCH", one, {"json": {"notes": "y"}}),  # 428: no If-Match
        (client, "PATCH", one, {"json": {"notes": "y"}, "headers": {"If-Match": "x"}}),  # 400
        (client, "PATCH", one, {"json": {"notes": "y"}, "headers": {"If-Match": '"1"'}}),  # 412
        (client, "POST", INSPECTIONS, {"json": {"subject": 7}}),  # 422 from validation
        (client, "POST", INSPECTIONS, {"json": {}}),  # 422: fields missing
        (client, "POST", INSPECTIONS, {}),  # 422: no body
        (client, "POST", INSPECTIONS, {"content": b"{", "headers": JSON}),  # 422: not JSON
        (client, "POST", INSPECTIONS, {"content": b'{"subject": "a"}'}),  # no content type
        (client, "POST", INSPECTIONS, {"content": b"{}", "headers": {"content-type": "text/x"}}),
        # Spellings FastAPI's email parser reads as text/plain: a valid body refused there.
        *[
            (client, "POST", INSPECTIONS, {"json": body, "headers": {"content-type": kind}})
            for kind in ("application/a/b+json", "application/json,application/x+json")
        ],
        (anonymous, "POST", INSPECTIONS, {"json": body}),  # 401
        (anonymous, "POST", INSPECTIONS, {"json": {"subject": 7}}),  # 401 before the body's 422
    ]
    for http, method, url, kw in refusals:
        _same(*await _both(app, http, method, url, **kw))
