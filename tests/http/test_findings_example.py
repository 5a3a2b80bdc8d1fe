"""A job's findings a page at a time, `/api/v1/jobs/{id}/findings`: filters, cursors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hexa.bootstrap import Hexa
from tests.http.api import JOBS, assert_problem, finished_job
from tests.http.inspection_api import INSPECTIONS, create_inspection, create_rule
from tests.http.test_packets import a_packet, upload


@pytest.fixture
async def packet_job(client: httpx.AsyncClient, hexa: Hexa) -> dict[str, Any]:
    """A packet of 20 inspections whose every other temperature is too hot, and none with
    a seal: 10 errors and 20 warnings."""
    await create_rule(client, name="temp ceiling", params={"max": 60})
    await create_rule(
        client, name="needs a seal", key="seal", kind="required", params={}, severity="warning"
    )
    body, planted = a_packet(80, hot_every=8)
    response = await upload(client, body)
    assert response.status_code == 202, response.text
    job = await finished_job(client, hexa, response.json()["job_id"])
    assert (job["status"], len(planted)) == ("done", 10)
    return job


async def _all(client: httpx.AsyncClient, job_id: str, **query: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        params = query | ({"cursor": cursor} if cursor else {})
        response = await client.get(f"{JOBS}/{job_id}/findings", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= query.get("limit", 50)
        found += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found
    raise AssertionError("the pages never ended")


async def test_pages_cover_the_report_once_in_order(
    client: httpx.AsyncClient, packet_job: dict[str, Any]
) -> None:
    everything = await _all(client, packet_job["id"], limit=200)
    assert len(everything) == 30
    paged = await _all(client, packet_job["id"], limit=7)
    assert paged == everything
    assert [f["position"] for f in paged] == list(range(30))


async def test_filters_narrow_the_rows(
    client: httpx.AsyncClient, packet_job: dict[str, Any]
) -> None:
    everything = await _all(client, packet_job["id"], limit=200)
    errors = await _all(client, packet_job["id"], severity="error", limit=3)
    assert len(errors) == 10 and {f["rule_name"] for f in errors} == {"temp ceiling"}
    rule = errors[0]["rule"]
    assert await _all(client, packet_job["id"], rule=rule, limit=4) == errors
    one = everything[0]["inspection"]
    of_one = await _all(client, packet_job["id"], inspection=one)
    assert of_one == [f for f in everything if f["inspection"] == one]
    assert await _all(client, packet_job["id"], inspection="INS-none") == []


async def test_one_inspection_job_has_its_findings_too(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    await create_rule(client, name="temp ceiling", params={"max": 60})
    inspection = await create_inspection(client)
    response = await client.post(f"{INSPECTIONS}/{inspection['id']}/submit")
    job = await finished_job(client, hexa, response.json()["job_id"])
    [finding] = await _all(client, job["id"])
    assert (finding["inspection"], finding["value"], finding["position"]) == (
        inspection["id"],
        71.5,
        0,
    )


@pytest.mark.parametrize(
    "query",
    [
        {"cursor": "not-a-cursor"},
        {"severity": "fatal"},
        {"rule": "r" * 65},
        {"limit": "0"},
        {"inspection": "a\x00b"},
    ],
)
async def test_hostile_queries_are_4xx_problems(
    client: httpx.AsyncClient, packet_job: dict[str, Any], query: dict[str, str]
) -> None:
    response = await client.get(f"{JOBS}/{packet_job['id']}/findings", params=query)
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response, response.status_code)


async def test_a_forged_cursor_is_refused_and_an_unknown_job_is_404(
    client: httpx.AsyncClient, packet_job: dict[str, Any]
) -> None:
    from hexa.drivers.http.dependencies import encode_cursor

    forged = encode_cursor("²")
    response = await client.get(f"{JOBS}/{packet_job['id']}/findings", params={"cursor": forged})
    assert_problem(response, 400)
    assert_problem(await client.get(f"{JOBS}/nope/findings"), 404)
