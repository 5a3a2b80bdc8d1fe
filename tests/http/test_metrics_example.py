"""The tests of metrics that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

import httpx

from hexa.bootstrap import Hexa
from hexa.domain.api_keys import KeyToken
from tests.http.api import assert_problem, finished_job
from tests.http.inspection_api import INSPECTIONS, create_inspection
from tests.http.test_admin import KEYS, new_key
from tests.http.test_metrics import idle, scrape, value  # noqa: F401 - fixtures


async def test_requests_are_counted_and_timed_by_route_template(
    client: httpx.AsyncClient,
) -> None:
    inspection = await create_inspection(client)
    for _ in range(2):
        assert (await client.get(f"{INSPECTIONS}/{inspection['id']}")).status_code == 200
    assert_problem(await client.get(f"{INSPECTIONS}/no-such-id"), 404)
    assert_problem(await client.get("/no/such/route"), 404)
    assert_problem(await client.post(INSPECTIONS, content=b"x" * (2 * 1024 * 1024)), 413)
    for made_up in ("BREW", "WHEN"):
        assert (await client.request(made_up, "/health")).status_code == 405

    found = await scrape(client)
    route = f"{INSPECTIONS}/{{inspection_id}}"
    assert value(found, "hexa_http_requests_total", method="GET", route=route, status="200") == 2
    assert value(found, "hexa_http_requests_total", method="GET", route=route, status="404") == 1
    assert value(found, "hexa_http_request_duration_seconds_count", method="GET", route=route) == 3
    assert (
        value(found, "hexa_http_requests_total", method="POST", route=INSPECTIONS, status="201")
        == 1
    )
    assert (
        value(found, "hexa_http_requests_total", method="GET", route="unrouted", status="404") == 1
    )
    assert (
        value(found, "hexa_http_requests_total", method="POST", route="unrouted", status="413") == 1
    )
    assert not [labels for (_, labels) in found if ("route", f"{INSPECTIONS}/no-such-id") in labels]
    assert (
        value(found, "hexa_http_requests_total", method="other", route="/health", status="405") == 2
    )


async def test_jobs_are_counted_by_outcome_and_timed(client: httpx.AsyncClient, hexa: Hexa) -> None:
    inspection = await create_inspection(client)
    job_id = (await client.post(f"{INSPECTIONS}/{inspection['id']}/submit")).json()["job_id"]
    assert (await finished_job(client, hexa, job_id))["status"] == "done"

    found = await scrape(client)
    kind = "validate_inspection"
    assert value(found, "hexa_jobs_total", kind=kind, outcome="done") == 1
    assert value(found, "hexa_job_duration_seconds_count", kind=kind) == 1
    assert value(found, "hexa_job_duration_seconds_bucket", kind=kind, le="+Inf") == 1


async def test_the_queue_length_counts_jobs_waiting_for_a_worker(
    idle: httpx.AsyncClient,
) -> None:
    for _ in range(3):
        inspection = await create_inspection(idle)
        assert (await idle.post(f"{INSPECTIONS}/{inspection['id']}/submit")).status_code == 202
    assert value(await scrape(idle), "worker_queue_length") == 3


async def test_api_key_checks_are_counted_by_outcome(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    key = await new_key(client, "inspections:read")
    kid = key["kid"]
    presented = {
        key["token"]: 200,
        "hxk_not-a-key": 401,
        str(KeyToken.generate()): 401,  # well formed, unknown kid
        str(KeyToken.generate(kid)): 401,  # the right kid, another secret
    }
    for token, status in presented.items():
        assert (await anonymous.get(INSPECTIONS, headers={"X-API-Key": token})).status_code == (
            status
        )
    assert (await client.post(f"{KEYS}/{kid}/revoke")).status_code == 200
    assert_problem(await anonymous.get(INSPECTIONS, headers={"X-API-Key": key["token"]}), 401)

    found = await scrape(anonymous)
    expected = {
        "accepted": 1,
        "malformed": 1,
        "unknown": 1,
        "wrong_secret": 1,
        "revoked": 1,
        "expired": 0,
    }
    for outcome, count in expected.items():
        assert value(found, "hexa_api_key_verifications_total", outcome=outcome) == count, outcome
