"""The operators' list of jobs with the example domain's jobs in it: filters, pages, what
each job says of itself, and a failed job run again."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hexa.bootstrap import Hexa
from hexa.domain.errors import ValidationError
from hexa.domain.jobs import Job
from hexa.services.jobs import InUnit
from tests.http.api import assert_problem, finished_job
from tests.http.inspection_api import INSPECTIONS, create_inspection
from tests.http.test_admin_jobs import ADMIN_JOBS


@pytest.fixture
def failing(hexa: Hexa) -> set[str]:
    """Inspections whose validation fails (as if its rules could not be read) while
    their id is in the set."""
    doomed: set[str] = set()
    handlers = hexa.runner._handlers  # the test's one way in: the in-process worker's table
    kind = next(k for k in handlers if k == "validate_inspection")
    usual = handlers[kind]
    assert isinstance(usual, InUnit)

    async def work(job: Job, uow: Any) -> dict[str, Any]:
        if job.payload["inspection_id"] in doomed:
            raise ValidationError("the rules could not be read")
        return await usual.work(job, uow)

    handlers[kind] = InUnit(work)
    return doomed


async def _submitted(client: httpx.AsyncClient, hexa: Hexa, **fields: Any) -> dict[str, Any]:
    inspection = await create_inspection(client, **fields)
    response = await client.post(
        f"{INSPECTIONS}/{inspection['id']}/submit", headers={"X-Request-ID": "req-7"}
    )
    assert response.status_code == 202, response.text
    return await finished_job(client, hexa, response.json()["job_id"])


async def _listed(client: httpx.AsyncClient, **query: Any) -> dict[str, Any]:
    response = await client.get(ADMIN_JOBS, params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_each_job_says_where_it_stands_who_started_it_and_its_request(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    job = await _submitted(client, hexa)
    [listed] = (await _listed(client))["items"]
    assert listed["id"] == job["id"]
    assert (listed["status"], listed["kind"], listed["attempts"]) == (
        "done",
        "validate_inspection",
        1,
    )
    assert listed["request_id"] == "req-7"
    assert listed["started_by"] == "service:ops"
    assert listed["payload"]["inspection_id"] == job["result"]["inspection_id"]
    assert listed["started_at"] and listed["finished_at"] and listed["dispatched_at"]
    assert listed["retry_of"] is None and listed["error"] is None


async def test_pages_go_newest_first_without_repeats(client: httpx.AsyncClient, hexa: Hexa) -> None:
    ids = [(await _submitted(client, hexa))["id"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        page = await _listed(client, limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [job["id"] for job in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]


async def test_a_failed_job_is_found_by_filter_retried_once_and_ends_done(
    client: httpx.AsyncClient, hexa: Hexa, failing: set[str]
) -> None:
    passed = await _submitted(client, hexa)
    inspection = await create_inspection(client, subject="boiler 9")
    failing.add(inspection["id"])
    response = await client.post(f"{INSPECTIONS}/{inspection['id']}/submit")
    failed = await finished_job(client, hexa, response.json()["job_id"])
    assert failed["status"] == "failed"

    [found] = (await _listed(client, status="failed"))["items"]
    assert found["id"] == failed["id"]
    assert found["error"] == "the rules could not be read" and found["attempts"] == 1
    assert [j["id"] for j in (await _listed(client, status="done"))["items"]] == [passed["id"]]
    assert (await _listed(client, status="queued"))["items"] == []

    failing.clear()
    retried = await client.post(f"{ADMIN_JOBS}/{failed['id']}/retry")
    assert retried.status_code == 202, retried.text
    again = retried.json()
    assert again["retry_of"] == failed["id"] and again["id"] != failed["id"]
    assert retried.headers["location"] == f"/api/v1/jobs/{again['id']}"
    ended = await finished_job(client, hexa, again["id"])
    assert (ended["status"], ended["result"]["inspection_id"]) == ("done", inspection["id"])
    stored = (await client.get(f"{INSPECTIONS}/{inspection['id']}")).json()
    assert stored["status"] in ("passed", "failed")  # judged, at last

    # The failed job keeps its record; it is retried once; a job that did not fail, never.
    assert (await client.get(f"/api/v1/jobs/{failed['id']}")).json()["status"] == "failed"
    assert_problem(await client.post(f"{ADMIN_JOBS}/{failed['id']}/retry"), 409)
    assert_problem(await client.post(f"{ADMIN_JOBS}/{again['id']}/retry"), 409)
    audit = (await client.get("/api/admin/audit", params={"action": "job.retried"})).json()
    [entry] = audit["items"]
    assert (entry["target"], entry["actor"]) == (failed["id"], "service:ops")
    assert entry["detail"]["job"] == again["id"]


async def test_filters_by_kind_and_time(client: httpx.AsyncClient, hexa: Hexa) -> None:
    job = await _submitted(client, hexa)
    assert [j["id"] for j in (await _listed(client, kind="validate_inspection"))["items"]] == [
        job["id"]
    ]
    assert (await _listed(client, kind="validate_packet"))["items"] == []
    assert (await _listed(client, since="2999-01-01T00:00:00Z"))["items"] == []
    assert len((await _listed(client, since="2000-01-01T00:00:00"))["items"]) == 1


async def test_the_overview_counts_the_jobs_that_ended_this_minute(
    client: httpx.AsyncClient, hexa: Hexa, failing: set[str]
) -> None:
    await _submitted(client, hexa)
    inspection = await create_inspection(client)
    failing.add(inspection["id"])
    response = await client.post(f"{INSPECTIONS}/{inspection['id']}/submit")
    await finished_job(client, hexa, response.json()["job_id"])
    minutes = (await client.get("/api/admin/overview")).json()["jobs_per_minute"]
    ended = {"done": sum(m["done"] for m in minutes), "failed": sum(m["failed"] for m in minutes)}
    assert ended == {"done": 1, "failed": 1}
