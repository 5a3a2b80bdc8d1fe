"""The operators' list of jobs, `/api/admin/jobs`: who may read it, and what it refuses."""

from __future__ import annotations

import httpx
import pytest

from hexa.bootstrap import Hexa
from hexa.domain.access import Role, role_scopes
from tests.http.api import assert_problem

ADMIN_JOBS = "/api/admin/jobs"


def _as(hexa: Hexa, role: Role) -> dict[str, str]:
    # The token apart from the f-string: a project's rename reads an f-string as text.
    token = hexa.tokens.issue("someone", role_scopes(role), kind="service")
    return {"Authorization": f"Bearer {token}"}


async def test_no_jobs_is_an_empty_page(client: httpx.AsyncClient) -> None:
    response = await client.get(ADMIN_JOBS)
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "next_cursor": None}


async def test_only_admins_list_and_retry_jobs(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, hexa: Hexa
) -> None:
    assert_problem(await anonymous.get(ADMIN_JOBS), 401)
    for role in (Role.VIEWER, Role.INSPECTOR):
        headers = _as(hexa, role)
        assert_problem(await client.get(ADMIN_JOBS, headers=headers), 403)
        assert_problem(await client.post(f"{ADMIN_JOBS}/j-1/retry", headers=headers), 403)


async def test_retrying_an_unknown_job_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post(f"{ADMIN_JOBS}/nope/retry"), 404)


@pytest.mark.parametrize(
    "query",
    [
        {"status": "stuck"},
        {"since": "yesterday"},
        {"since": "2026-13-01T00:00:00Z"},
        {"kind": "k" * 51},
        {"cursor": "not-a-cursor"},
        {"limit": "0"},
        {"limit": "201"},
        {"kind": "a\x00b"},
        {"since": "1700000000"},
    ],
)
async def test_hostile_filters_are_4xx_problems(
    client: httpx.AsyncClient, query: dict[str, str]
) -> None:
    response = await client.get(ADMIN_JOBS, params=query)
    assert 400 <= response.status_code < 500
    assert_problem(response, response.status_code)


async def test_since_beyond_the_calendar_filters_as_its_end(client: httpx.AsyncClient) -> None:
    early = await client.get(ADMIN_JOBS, params={"since": "0001-01-01T00:00:00+01:00"})
    late = await client.get(ADMIN_JOBS, params={"since": "9999-12-31T23:59:59-01:00"})

    assert early.status_code == late.status_code == 200, early.text + late.text
    assert late.json()["items"] == []


async def test_the_overview_tells_the_queue_the_worker_and_the_last_hour(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    response = await client.get("/api/admin/overview")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["queue_depth"] == 0
    assert len(body["jobs_per_minute"]) == 60
    minutes = [m["start"] for m in body["jobs_per_minute"]]
    assert minutes == sorted(minutes)
    assert body["jobs_per_minute"][-1] == body["jobs_per_minute"][-1] | {
        "done": 0,
        "failed": 0,
        "retried": 0,
    }
    assert_problem(await client.get("/api/admin/overview", headers=_as(hexa, Role.VIEWER)), 403)
