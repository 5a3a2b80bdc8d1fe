"""`/api/v1/inspections`: recording, reading, listing, revising and deleting inspections."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from hexa.bootstrap import Hexa
from tests.http.api import assert_problem, finished_job
from tests.http.inspection_api import INSPECTIONS, create_inspection, create_rule, inspection_body


async def test_recording_an_inspection_answers_201_with_location_etag_and_the_draft(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(INSPECTIONS, json=inspection_body(notes="valve sticky"))

    assert response.status_code == 201
    inspection = response.json()
    assert response.headers["location"] == f"{INSPECTIONS}/{inspection['id']}"
    assert response.headers["etag"] == '"1"'
    assert inspection["subject"] == "boiler 7"
    assert inspection["notes"] == "valve sticky"
    assert inspection["status"] == "draft"
    assert inspection["version"] == 1
    assert inspection["submitted_at"] is None
    assert inspection["readings"] == [
        {"key": "temp", "value": 71.5, "unit": "C"},
        {"key": "seal", "value": "intact", "unit": None},
    ]


async def test_getting_an_inspection_answers_it_with_its_etag(client: httpx.AsyncClient) -> None:
    created = await create_inspection(client)

    response = await client.get(f"{INSPECTIONS}/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == '"1"'


async def test_getting_an_unknown_inspection_answers_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{INSPECTIONS}/no-such-inspection"), 404)


async def test_listing_by_status_answers_only_inspections_in_that_status(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    draft = await create_inspection(client, subject="still a draft")
    handed_in = await create_inspection(client, subject="handed in")
    job = (await client.post(f"{INSPECTIONS}/{handed_in['id']}/submit")).json()
    await finished_job(client, hexa, job["job_id"])

    async def subjects(status: str | None) -> list[str]:
        params = {"status": status} if status else {}
        response = await client.get(INSPECTIONS, params=params)
        assert response.status_code == 200
        return sorted(i["subject"] for i in response.json()["items"])

    assert await subjects("draft") == [draft["subject"]]
    assert await subjects("passed") == [handed_in["subject"]]
    assert await subjects("failed") == []
    assert await subjects(None) == ["handed in", "still a draft"]


async def test_listing_by_an_unknown_status_answers_422(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(INSPECTIONS, params={"status": "lost"}), 422)


async def test_patch_without_if_match_answers_428(client: httpx.AsyncClient) -> None:
    created = await create_inspection(client)

    response = await client.patch(f"{INSPECTIONS}/{created['id']}", json={"notes": "x"})

    assert_problem(response, 428)


async def test_patch_with_the_current_version_revises_the_draft(
    client: httpx.AsyncClient,
) -> None:
    created = await create_inspection(client)
    url = f"{INSPECTIONS}/{created['id']}"
    readings = [{"key": "temp", "value": 65, "unit": "C"}]

    response = await client.patch(
        url, json={"notes": "rechecked", "readings": readings}, headers={"If-Match": '"1"'}
    )

    assert response.status_code == 200
    revised = response.json()
    assert revised["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert revised["notes"] == "rechecked"
    assert revised["readings"] == readings
    assert revised["subject"] == created["subject"]  # fields not sent stay as they were
    assert (await client.get(url)).json() == revised


async def test_stale_if_match_on_patch_answers_412(client: httpx.AsyncClient) -> None:
    created = await create_inspection(client)
    url = f"{INSPECTIONS}/{created['id']}"
    await client.patch(url, json={"notes": "first"}, headers={"If-Match": '"1"'})

    response = await client.patch(url, json={"notes": "second"}, headers={"If-Match": '"1"'})

    assert_problem(response, 412)
    assert (await client.get(url)).json()["notes"] == "first"


async def test_malformed_if_match_on_patch_answers_400(client: httpx.AsyncClient) -> None:
    created = await create_inspection(client)

    response = await client.patch(
        f"{INSPECTIONS}/{created['id']}", json={"notes": "x"}, headers={"If-Match": "latest"}
    )

    assert_problem(response, 400)


async def test_patch_after_submit_answers_409(client: httpx.AsyncClient) -> None:
    created = await create_inspection(client)
    url = f"{INSPECTIONS}/{created['id']}"
    await client.post(f"{url}/submit")
    current = await client.get(url)

    response = await client.patch(
        url, json={"notes": "too late"}, headers={"If-Match": current.headers["etag"]}
    )

    assert_problem(response, 409)


async def test_patching_an_unknown_inspection_answers_404(client: httpx.AsyncClient) -> None:
    response = await client.patch(
        f"{INSPECTIONS}/no-such-inspection", json={"notes": "x"}, headers={"If-Match": '"1"'}
    )

    assert_problem(response, 404)


async def test_deleted_inspection_is_gone(client: httpx.AsyncClient) -> None:
    created = await create_inspection(client)
    url = f"{INSPECTIONS}/{created['id']}"

    response = await client.delete(url)

    assert response.status_code == 204
    assert_problem(await client.get(url), 404)


async def test_deleting_an_unknown_inspection_answers_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.delete(f"{INSPECTIONS}/no-such-inspection"), 404)


@pytest.mark.parametrize(
    ("value", "kind"),
    [("12", str), (12, int), (12.5, float), (True, bool), ("true", str)],
    ids=["text-12", "number-12", "number-12.5", "boolean", "text-true"],
)
async def test_reading_values_keep_their_json_type(
    client: httpx.AsyncClient, value: Any, kind: type
) -> None:
    created = await create_inspection(client, readings=[{"key": "k", "value": value}])

    fetched = (await client.get(f"{INSPECTIONS}/{created['id']}")).json()

    for inspection in (created, fetched):
        stored = inspection["readings"][0]["value"]
        assert type(stored) is kind
        assert stored == value


async def test_a_text_reading_that_spells_a_number_is_not_equal_to_that_number(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    await create_rule(client, key="count", kind="equals", params={"expected": 12})
    created = await create_inspection(client, readings=[{"key": "count", "value": "12"}])
    job = (await client.post(f"{INSPECTIONS}/{created['id']}/submit")).json()

    finished = await finished_job(client, hexa, job["job_id"])

    assert finished["result"]["verdict"] == "failed"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(inspection_body(colour="red"), id="unknown-top-level-field"),
        pytest.param(
            inspection_body(readings=[{"key": "temp", "value": 1, "colour": "red"}]),
            id="unknown-reading-field",
        ),
        pytest.param({"readings": []}, id="no-subject"),
        pytest.param(inspection_body(subject=""), id="empty-subject"),
        pytest.param(inspection_body(readings=[{"key": "temp"}]), id="reading-without-value"),
        pytest.param(inspection_body(readings=[{"key": "temp", "value": [1, 2]}]), id="list-value"),
        pytest.param(inspection_body(readings=[{"key": "temp", "value": None}]), id="null-value"),
    ],
)
async def test_bad_inspection_body_answers_422(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    assert_problem(await client.post(INSPECTIONS, json=body), 422)
    assert (await client.get(INSPECTIONS)).json()["items"] == []


async def test_unknown_patch_field_answers_422(client: httpx.AsyncClient) -> None:
    created = await create_inspection(client)

    response = await client.patch(
        f"{INSPECTIONS}/{created['id']}", json={"status": "passed"}, headers={"If-Match": '"1"'}
    )

    assert_problem(response, 422)


async def test_the_list_searches_subjects_and_filters_by_verdict_and_time(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    await create_rule(client, name="temp ceiling", params={"max": 60})
    # Times are kept to the millisecond: each made in one of its own.
    hot = await create_inspection(client, subject="Boiler 7 east")
    await asyncio.sleep(0.002)
    cool = await create_inspection(
        client, subject="boiler 8", readings=[{"key": "temp", "value": 20}]
    )
    await asyncio.sleep(0.002)
    draft = await create_inspection(client, subject="pump 2")
    for inspection in (hot, cool):
        response = await client.post(f"{INSPECTIONS}/{inspection['id']}/submit")
        await finished_job(client, hexa, response.json()["job_id"])

    async def ids(**query: Any) -> list[str]:
        response = await client.get(INSPECTIONS, params=query)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["items"]]

    assert await ids(q="BOILER") == [hot["id"], cool["id"]]
    assert await ids(q="boiler", verdict="failed") == [hot["id"]]
    assert await ids(verdict="passed") == [cool["id"]]
    assert await ids(verdict="passed", status="failed") == []
    assert await ids(q="%") == []
    assert await ids(since=draft["created_at"]) == [draft["id"]]
    assert await ids(until=draft["created_at"], q="boiler") == [hot["id"], cool["id"]]
    assert await ids(since="2999-01-01T00:00:00") == []
    first = (await client.get(INSPECTIONS, params={"q": "boiler", "limit": 1})).json()
    rest = await ids(q="boiler", cursor=first["next_cursor"])
    assert [first["items"][0]["id"], *rest] == [hot["id"], cool["id"]]


@pytest.mark.parametrize(
    "query",
    [
        {"since": "0001-01-01T00:00:00+01:00"},  # before the year 1 in UTC: everything
        {"until": "9999-12-31T23:59:59-01:00"},  # after the year 9999 in UTC: everything
    ],
)
async def test_a_bound_beyond_the_calendar_filters_as_its_end(
    client: httpx.AsyncClient, query: dict[str, str]
) -> None:
    """Valid date-times by the schema: a client may say them, and gets every inspection."""
    made = await create_inspection(client)

    response = await client.get(INSPECTIONS, params=query)

    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [made["id"]]


@pytest.mark.parametrize(
    "query",
    [
        {"verdict": "maybe"},
        {"since": "soon"},
        {"q": "x" * 201},
        {"q": "a\x00b"},
        {"until": "6"},  # seconds since 1970: pydantic reads them, the schema does not
    ],
)
async def test_hostile_list_filters_are_4xx_problems(
    client: httpx.AsyncClient, query: dict[str, str]
) -> None:
    response = await client.get(INSPECTIONS, params=query)
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response, response.status_code)
