"""The tests of request_log that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

import httpx

from hexa.bootstrap import Hexa
from tests.http.api import finished_job
from tests.http.inspection_api import INSPECTIONS, RULES, create_inspection
from tests.http.test_admin import new_key
from tests.http.test_request_log import SANE, logs  # noqa: F401 - fixtures
from tests.log_capture import LogCapture


async def test_a_request_is_logged_once_with_its_route_template_status_and_caller(
    client: httpx.AsyncClient, logs: LogCapture
) -> None:
    inspection = await create_inspection(client)

    response = await client.get(f"{INSPECTIONS}/{inspection['id']}", headers={"X-Request-ID": SANE})

    assert response.status_code == 200
    [event] = logs.access(SANE)
    assert event["event"] == "request" and event["level"] == "info"
    assert (event["method"], event["route"], event["status"]) == (
        "GET",
        "/api/v1/inspections/{inspection_id}",
        200,
    )
    assert isinstance(event["duration_ms"], float) and event["duration_ms"] >= 0
    assert (event["principal_kind"], event["principal_id"]) == ("service", "ops")
    assert inspection["id"] not in str(event)


async def test_an_api_key_caller_is_logged_by_its_kid_and_never_its_token(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, logs: LogCapture
) -> None:
    key = await new_key(client, "inspections:read")

    answer = await anonymous.get(
        INSPECTIONS, headers={"X-API-Key": key["token"], "X-Request-ID": SANE}
    )

    assert answer.status_code == 200
    [event] = logs.access(SANE)
    assert (event["principal_kind"], event["principal_id"]) == ("api_key", key["kid"])
    assert key["token"] not in logs.text


async def test_a_refused_caller_is_logged_with_no_principal(
    anonymous: httpx.AsyncClient, logs: LogCapture
) -> None:
    answer = await anonymous.get(RULES, headers={"X-Request-ID": SANE})

    assert answer.status_code == 401
    [event] = logs.access(SANE)
    assert (event["status"], event["principal_kind"], event["principal_id"]) == (401, None, None)


async def test_a_submitted_jobs_run_logs_under_the_accepting_request_id(
    client: httpx.AsyncClient, hexa: Hexa, logs: LogCapture
) -> None:
    inspection = await create_inspection(client)

    accepted = await client.post(
        f"{INSPECTIONS}/{inspection['id']}/submit", headers={"X-Request-ID": SANE}
    )
    job = await finished_job(client, hexa, accepted.json()["job_id"])

    assert job["status"] == "done"
    run = [e for e in logs.events() if e.get("job_id") == job["id"]]
    assert [e["event"] for e in run] == [
        f"job {job['id']} (validate_inspection) started",
        f"job {job['id']} ended done",
    ]
    assert {e["request_id"] for e in run} == {SANE}


async def test_a_packets_run_logs_under_the_accepting_request_id(
    client: httpx.AsyncClient, hexa: Hexa, logs: LogCapture
) -> None:
    packet = b"inspection,subject,key,value,unit\nINS-1,pump,temp,50,C\n"

    accepted = await client.post(
        "/api/v1/packets",
        files={"file": ("p.csv", packet, "text/csv")},
        headers={"X-Request-ID": SANE},
    )
    job = await finished_job(client, hexa, accepted.json()["job_id"])

    run = [e for e in logs.events() if e.get("job_id") == job["id"]]
    assert run and {e["request_id"] for e in run} == {SANE}
