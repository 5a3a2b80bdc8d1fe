"""The tests of sqlite that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

import httpx

from hexa.bootstrap import Hexa, build
from hexa.config import Settings
from hexa.drivers.http.app import create_app
from tests.http.api import assert_problem, finished_job
from tests.http.conftest import admin_headers
from tests.http.inspection_api import INSPECTIONS, RULES, create_inspection, create_rule, rule_body
from tests.http.test_sqlite import STRICT_READINGS, settings, sql_client  # noqa: F401 - fixtures


async def test_submitted_inspection_is_judged_and_stored_over_sql(
    sql_client: httpx.AsyncClient, hexa: Hexa
) -> None:
    rule = await create_rule(sql_client, key="temp", params={"max": 60})
    inspection = await create_inspection(
        sql_client, readings=[{"key": "temp", "value": 71.5}, *STRICT_READINGS]
    )
    accepted = (await sql_client.post(f"{INSPECTIONS}/{inspection['id']}/submit")).json()

    job = await finished_job(sql_client, hexa, accepted["job_id"])

    assert job["status"] == "done"
    assert job["result"]["verdict"] == "failed"
    assert [f["rule"] for f in job["result"]["findings"]] == [rule["id"]]
    stored = (await sql_client.get(f"{INSPECTIONS}/{inspection['id']}")).json()
    assert stored["status"] == "failed"
    assert stored["version"] == 3
    for reading, sent in zip(stored["readings"][1:], STRICT_READINGS, strict=True):
        assert type(reading["value"]) is type(sent["value"])
        assert reading["value"] == sent["value"]


async def test_duplicate_rule_name_answers_409_over_sql(sql_client: httpx.AsyncClient) -> None:
    await create_rule(sql_client, name="seal intact")

    response = await sql_client.post(RULES, json=rule_body(name="seal intact", key="seal"))

    assert_problem(response, 409)


async def test_paging_over_sql_lists_every_rule_once(sql_client: httpx.AsyncClient) -> None:
    created = {(await create_rule(sql_client, name=f"rule {n}"))["id"] for n in range(5)}
    seen: list[str] = []
    params: dict[str, object] = {"limit": 2}
    for _ in range(10):
        page = (await sql_client.get(RULES, params=params)).json()
        seen.extend(r["id"] for r in page["items"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]

    assert sorted(seen) == sorted(created)


async def test_stale_patch_answers_412_over_sql(sql_client: httpx.AsyncClient) -> None:
    inspection = await create_inspection(sql_client)
    url = f"{INSPECTIONS}/{inspection['id']}"
    ok = await sql_client.patch(url, json={"notes": "a"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200

    response = await sql_client.patch(url, json={"notes": "b"}, headers={"If-Match": '"1"'})

    assert_problem(response, 412)


async def test_data_outlives_the_app_that_wrote_it(
    sql_client: httpx.AsyncClient, settings: Settings
) -> None:
    rule = await create_rule(sql_client)

    async with build(settings) as again:
        transport = httpx.ASGITransport(app=create_app(hexa=again))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=admin_headers(again)
        ) as http:
            response = await http.get(f"{RULES}/{rule['id']}")

    assert response.status_code == 200
    assert response.json() == rule


async def test_metrics_show_the_sql_pool(sql_client: httpx.AsyncClient) -> None:
    await sql_client.get(RULES)  # a unit of work has used the pool

    page = (await sql_client.get("/metrics")).text

    assert 'hexa_db_pool_connections{state="in_use"} 0.0' in page
    assert 'hexa_db_pool_connections{state="idle"}' in page
    assert "hexa_db_pool_limit 10.0" in page
