"""Handing an inspection in: the 202, the background job, and the verdict it records."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import httpx

from hexa.bootstrap import Hexa
from tests.http.api import JOBS, assert_problem, finished_job
from tests.http.inspection_api import INSPECTIONS, create_inspection, create_rule


async def _submit(client: httpx.AsyncClient, inspection_id: str) -> dict[str, Any]:
    response = await client.post(f"{INSPECTIONS}/{inspection_id}/submit")
    assert response.status_code == 202, response.text
    accepted: dict[str, Any] = response.json()
    return accepted


async def test_submit_answers_202_with_the_queued_job_and_its_location(
    client: httpx.AsyncClient,
) -> None:
    inspection = await create_inspection(client)

    response = await client.post(f"{INSPECTIONS}/{inspection['id']}/submit")

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert body["job_id"]
    assert response.headers["location"] == f"{JOBS}/{body['job_id']}"


async def test_a_broken_rule_fails_the_inspection_with_its_finding(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    rule = await create_rule(client, name="temp ceiling", key="temp", params={"max": 60})
    inspection = await create_inspection(client)

    job = await finished_job(client, hexa, (await _submit(client, inspection["id"]))["job_id"])

    assert job["status"] == "done"
    assert job["kind"] == "validate_inspection"
    assert (job["processed"], job["total"]) == (1, 1)
    assert job["result"]["inspection_id"] == inspection["id"]
    assert job["result"]["verdict"] == "failed"
    [finding] = job["result"]["findings"]
    assert finding["rule"] == rule["id"]
    assert finding["rule_name"] == "temp ceiling"
    assert finding["key"] == "temp"
    assert finding["value"] == 71.5
    assert finding["severity"] == "error"
    assert "71.5" in finding["message"]
    stored = (await client.get(f"{INSPECTIONS}/{inspection['id']}")).json()
    assert stored["status"] == "failed"
    assert stored["submitted_at"] is not None


async def test_a_single_inspection_report_names_each_finding_rule_and_value(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    rule = await create_rule(client, name="temp ceiling", key="temp", params={"max": 60})
    missing = await create_rule(client, name="needs co2", key="co2", kind="required", params={})
    inspection = await create_inspection(client)
    job = await finished_job(client, hexa, (await _submit(client, inspection["id"]))["job_id"])

    report = (await client.get(f"{JOBS}/{job['id']}/report")).json()
    as_csv = await client.get(f"{JOBS}/{job['id']}/report", headers={"Accept": "text/csv"})

    found = {f["rule"]: f for f in report["findings"]}
    assert found[rule["id"]]["value"] == 71.5 and found[rule["id"]]["rule_name"] == "temp ceiling"
    assert found[missing["id"]]["value"] is None
    rows = {r["rule"]: r for r in csv.DictReader(io.StringIO(as_csv.text))}
    assert rows[rule["id"]]["value"] == "71.5"
    assert rows[rule["id"]]["inspection"] == inspection["id"]
    assert rows.keys() == found.keys()


async def test_an_inspection_that_breaks_no_rule_passes(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    await create_rule(client, name="temp ceiling", key="temp", params={"max": 80})
    await create_rule(client, name="seal", key="seal", kind="equals", params={"expected": "intact"})
    inspection = await create_inspection(client)

    job = await finished_job(client, hexa, (await _submit(client, inspection["id"]))["job_id"])

    assert job["status"] == "done"
    assert job["result"]["verdict"] == "passed"
    assert job["result"]["findings"] == []
    stored = (await client.get(f"{INSPECTIONS}/{inspection['id']}")).json()
    assert stored["status"] == "passed"


async def test_a_warning_alone_does_not_fail_the_inspection(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    await create_rule(client, key="temp", params={"max": 60}, severity="warning")
    inspection = await create_inspection(client)

    job = await finished_job(client, hexa, (await _submit(client, inspection["id"]))["job_id"])

    assert job["result"]["verdict"] == "passed"
    assert [f["severity"] for f in job["result"]["findings"]] == ["warning"]


async def test_a_disabled_rule_is_not_applied(client: httpx.AsyncClient, hexa: Hexa) -> None:
    await create_rule(client, key="temp", params={"max": 60}, enabled=False)
    inspection = await create_inspection(client)

    job = await finished_job(client, hexa, (await _submit(client, inspection["id"]))["job_id"])

    assert job["result"]["verdict"] == "passed"


async def test_a_boolean_reading_does_not_equal_the_number_one(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    await create_rule(client, key="count", kind="equals", params={"expected": 1})
    inspection = await create_inspection(client, readings=[{"key": "count", "value": True}])

    job = await finished_job(client, hexa, (await _submit(client, inspection["id"]))["job_id"])

    assert job["result"]["verdict"] == "failed"


async def test_polling_the_job_sees_it_end(client: httpx.AsyncClient) -> None:
    await create_rule(client, kind="required", key="pressure", params={})
    inspection = await create_inspection(client)
    job_id = (await _submit(client, inspection["id"]))["job_id"]

    async def ended() -> dict[str, Any]:
        while True:
            job: dict[str, Any] = (await client.get(f"{JOBS}/{job_id}")).json()
            if job["status"] in ("done", "failed"):
                return job
            await asyncio.sleep(0.01)

    job = await asyncio.wait_for(ended(), timeout=5)

    assert job["status"] == "done"
    assert job["finished_at"] is not None
    assert [f["key"] for f in job["result"]["findings"]] == ["pressure"]


async def test_submitting_twice_answers_409(client: httpx.AsyncClient) -> None:
    inspection = await create_inspection(client)
    await _submit(client, inspection["id"])

    assert_problem(await client.post(f"{INSPECTIONS}/{inspection['id']}/submit"), 409)


async def test_submitting_an_unknown_inspection_answers_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post(f"{INSPECTIONS}/no-such-inspection/submit"), 404)


async def test_getting_an_unknown_job_answers_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{JOBS}/unknown"), 404)
