"""The numbers behind the charts, `/api/v1/stats/*`: what they count, who reads them, and
what they refuse."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hexa.bootstrap import Hexa
from hexa.domain.access import Role, role_scopes
from tests.http.api import assert_problem, finished_job
from tests.http.inspection_api import INSPECTIONS, create_inspection, create_rule
from tests.http.test_packets import a_packet, upload

STATS = "/api/v1/stats"


async def _stats(client: httpx.AsyncClient, what: str, **query: Any) -> dict[str, Any]:
    response = await client.get(f"{STATS}/{what}", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _judged(client: httpx.AsyncClient, hexa: Hexa, **fields: Any) -> dict[str, Any]:
    inspection = await create_inspection(client, **fields)
    response = await client.post(f"{INSPECTIONS}/{inspection['id']}/submit")
    return await finished_job(client, hexa, response.json()["job_id"])


async def test_inspections_made_handed_in_and_judged_are_counted_by_hour_and_day(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    await create_rule(client, name="temp ceiling", params={"max": 60})
    await _judged(client, hexa)  # 71.5 degrees: failed
    await _judged(client, hexa, readings=[{"key": "temp", "value": 20}])  # passed
    await create_inspection(client)  # a draft, never handed in

    hourly = await _stats(client, "inspections")
    assert hourly["bucket"] == "hour"
    assert hourly["totals"] == {"created": 3, "submitted": 2, "passed": 1, "failed": 1}
    assert 24 <= len(hourly["buckets"]) <= 25  # the hours the last 24 hours overlap
    [busy] = [b for b in hourly["buckets"] if b["created"]]
    assert busy == busy | {"created": 3, "submitted": 2, "passed": 1, "failed": 1}
    daily = await _stats(client, "inspections", bucket="day")
    assert daily["totals"] == hourly["totals"]
    assert [b["start"] for b in daily["buckets"]] == sorted(b["start"] for b in daily["buckets"])

    # Counted when it happened: a deleted inspection's verdict stays counted.
    inspections = (await client.get(INSPECTIONS)).json()["items"]
    for inspection in inspections:
        await client.delete(f"{INSPECTIONS}/{inspection['id']}")
    assert (await _stats(client, "inspections"))["totals"]["failed"] == 1


async def test_findings_are_counted_by_rule_and_severity_most_first(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    hot = await create_rule(client, name="temp ceiling", params={"max": 60})
    seal = await create_rule(
        client, name="needs a seal", key="seal", kind="required", params={}, severity="warning"
    )
    await _judged(client, hexa, readings=[{"key": "temp", "value": 90}])  # both rules break
    body, planted = a_packet(40, hot_every=4)  # ten hot rows, and no seals
    response = await upload(client, body)
    assert response.status_code == 202, response.text
    await finished_job(client, hexa, response.json()["job_id"])

    await _judged(client, hexa, readings=[{"key": "temp", "value": 20}])  # no seal: 1 more

    found = (await _stats(client, "findings"))["rules"]
    assert [(f["rule"], f["rule_name"], f["severity"], f["count"]) for f in found] == [
        (seal["id"], "needs a seal", "warning", 2 + 10),  # the packet's 10 inspections
        (hot["id"], "temp ceiling", "error", 1 + len(planted)),  # its hot rows
    ]

    await client.delete(f"/api/v1/rules/{seal['id']}")
    names = {f["rule"]: f["rule_name"] for f in (await _stats(client, "findings"))["rules"]}
    assert names[seal["id"]] is None  # deleted: its findings stay counted, by id


async def test_viewers_read_the_numbers_and_anonymous_callers_do_not(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, hexa: Hexa
) -> None:
    token = hexa.tokens.issue("wall screen", role_scopes(Role.VIEWER), kind="service")
    for what in ("inspections", "findings"):
        response = await client.get(f"{STATS}/{what}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        assert_problem(await anonymous.get(f"{STATS}/{what}"), 401)


@pytest.mark.parametrize(
    ("what", "query"),
    [
        ("inspections", {"bucket": "week"}),
        ("inspections", {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}),
        ("inspections", {"since": "2026-01-01T00:00:00Z", "until": "2026-03-01T00:00:00Z"}),
        ("inspections", {"until": "0001-01-01T00:00:00Z"}),
        ("inspections", {"since": "not a time"}),
        ("findings", {"since": "2020-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}),
        ("findings", {"since": "0001-01-01T00:00:00+05:00"}),
        ("inspections", {"until": "9999-12-31T23:59:59-01:00"}),
        ("inspections", {"until": "6"}),
        ("findings", {"since": "1700000000"}),
    ],
)
async def test_ranges_that_make_no_chart_are_4xx_problems(
    client: httpx.AsyncClient, what: str, query: dict[str, str]
) -> None:
    response = await client.get(f"{STATS}/{what}", params=query)
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response, response.status_code)


async def test_a_range_at_the_end_of_time_has_its_last_hour(client: httpx.AsyncClient) -> None:
    body = await _stats(
        client, "inspections", since="9999-12-31T22:30:00Z", until="9999-12-31T23:59:59Z"
    )
    assert [b["start"][:13] for b in body["buckets"]] == ["9999-12-31T22", "9999-12-31T23"]
