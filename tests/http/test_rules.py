"""`/api/v1/rules`: creating, reading, paging, replacing and deleting validation rules."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tests.http.api import assert_problem
from tests.http.inspection_api import RULES, create_rule, rule_body

KINDS_WITH_PARAMS: list[tuple[str, dict[str, Any]]] = [
    ("required", {}),
    ("min", {"min": 0}),
    ("max", {"max": 80.5}),
    ("range", {"min": -10, "max": 80}),
    ("one_of", {"options": ["intact", "worn", 3, True]}),
    ("regex", {"pattern": "[A-Z]{2}-\\d+"}),
    ("equals", {"expected": "intact"}),
]


async def test_creating_a_rule_answers_201_with_location_etag_and_the_rule(
    client: httpx.AsyncClient,
) -> None:
    body = rule_body(severity="warning", description="boilers run below 80 C")

    response = await client.post(RULES, json=body)

    assert response.status_code == 201
    rule = response.json()
    assert response.headers["location"] == f"{RULES}/{rule['id']}"
    assert response.headers["etag"] == '"1"'
    assert rule["name"] == "temp ceiling"
    assert rule["key"] == "temp"
    assert rule["kind"] == "max"
    assert rule["params"] == {"max": 80}
    assert rule["severity"] == "warning"
    assert rule["enabled"] is True
    assert rule["description"] == "boilers run below 80 C"
    assert rule["version"] == 1


@pytest.mark.parametrize(
    ("kind", "params"), KINDS_WITH_PARAMS, ids=[k for k, _ in KINDS_WITH_PARAMS]
)
async def test_each_rule_kind_is_accepted_with_its_params(
    client: httpx.AsyncClient, kind: str, params: dict[str, Any]
) -> None:
    created = await create_rule(client, name=f"a {kind} rule", kind=kind, params=params)

    assert created["kind"] == kind
    assert created["params"] == params
    fetched = await client.get(f"{RULES}/{created['id']}")
    assert fetched.json()["params"] == params


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        pytest.param("range", {"min": 90, "max": 10}, id="range-min-above-max"),
        pytest.param("regex", {"pattern": "(unclosed"}, id="regex-that-does-not-compile"),
        pytest.param("regex", {"pattern": ""}, id="empty-regex"),
        pytest.param("teleport", {}, id="unknown-kind"),
        pytest.param("max", {"max": 80, "min": 1}, id="extra-param"),
        pytest.param("min", {}, id="missing-param"),
        pytest.param("max", {"max": "eighty"}, id="text-where-a-number-goes"),
        pytest.param("max", {"max": True}, id="boolean-where-a-number-goes"),
        pytest.param("required", {"min": 1}, id="params-on-required"),
        pytest.param("one_of", {"options": []}, id="no-options"),
        pytest.param("equals", {"expected": {"nested": 1}}, id="equals-an-object"),
    ],
)
async def test_bad_rule_params_answer_422(
    client: httpx.AsyncClient, kind: str, params: dict[str, Any]
) -> None:
    response = await client.post(RULES, json=rule_body(kind=kind, params=params))

    assert_problem(response, 422)
    assert (await client.get(RULES)).json()["items"] == []


async def test_unknown_rule_field_answers_422(client: httpx.AsyncClient) -> None:
    response = await client.post(RULES, json=rule_body(colour="red"))

    assert_problem(response, 422)


async def test_duplicate_rule_name_answers_409(client: httpx.AsyncClient) -> None:
    await create_rule(client, name="seal intact")

    response = await client.post(RULES, json=rule_body(name="seal intact", key="seal"))

    assert_problem(response, 409)


async def test_getting_a_rule_answers_it_with_its_etag(client: httpx.AsyncClient) -> None:
    created = await create_rule(client)

    response = await client.get(f"{RULES}/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == '"1"'


async def test_getting_an_unknown_rule_answers_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{RULES}/no-such-rule"), 404)


async def test_paging_with_a_cursor_lists_every_rule_exactly_once(
    client: httpx.AsyncClient,
) -> None:
    created = {(await create_rule(client, name=f"rule {n}"))["id"] for n in range(5)}
    seen: list[str] = []
    sizes: list[int] = []
    params: dict[str, Any] = {"limit": 2}

    for _ in range(10):  # bounded: a cursor that never ends must fail, not hang
        response = await client.get(RULES, params=params)
        assert response.status_code == 200
        page = response.json()
        sizes.append(len(page["items"]))
        seen.extend(rule["id"] for rule in page["items"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]

    assert sizes == [2, 2, 1]
    assert sorted(seen) == sorted(created)


async def test_a_page_that_holds_everything_has_no_next_cursor(
    client: httpx.AsyncClient,
) -> None:
    for n in range(2):
        await create_rule(client, name=f"rule {n}")

    page = (await client.get(RULES, params={"limit": 2})).json()

    assert len(page["items"]) == 2
    assert page["next_cursor"] is None


@pytest.mark.parametrize("limit", [0, -1, 201, "many"])
async def test_limit_out_of_range_answers_422(client: httpx.AsyncClient, limit: object) -> None:
    assert_problem(await client.get(RULES, params={"limit": limit}), 422)


async def test_limit_of_200_is_accepted(client: httpx.AsyncClient) -> None:
    assert (await client.get(RULES, params={"limit": 200})).status_code == 200


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("garbage!", id="not-base64"),
        pytest.param(_b64(b"not json"), id="not-json"),
        pytest.param(_b64(b"[1, 2]"), id="not-an-object"),
        pytest.param(_b64(b'{"before": "x"}'), id="no-after"),
        pytest.param(_b64(b'{"after": 5}'), id="after-not-text"),
    ],
)
async def test_garbage_cursor_answers_400(client: httpx.AsyncClient, cursor: str) -> None:
    assert_problem(await client.get(RULES, params={"cursor": cursor}), 400)


async def test_replacing_a_rule_answers_it_with_the_next_version(
    client: httpx.AsyncClient,
) -> None:
    created = await create_rule(client)
    body = rule_body(name="temp window", kind="range", params={"min": 10, "max": 70})

    response = await client.put(f"{RULES}/{created['id']}", json=body, headers={"If-Match": '"1"'})

    assert response.status_code == 200
    replaced = response.json()
    assert replaced["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert (replaced["name"], replaced["kind"]) == ("temp window", "range")
    assert replaced["params"] == {"min": 10, "max": 70}
    assert (await client.get(f"{RULES}/{created['id']}")).json() == replaced


async def test_stale_if_match_on_replace_answers_412(client: httpx.AsyncClient) -> None:
    created = await create_rule(client)
    url = f"{RULES}/{created['id']}"
    await client.put(url, json=rule_body(params={"max": 90}), headers={"If-Match": '"1"'})

    response = await client.put(
        url, json=rule_body(params={"max": 60}), headers={"If-Match": '"1"'}
    )

    assert_problem(response, 412)
    assert (await client.get(url)).json()["params"] == {"max": 90}


@pytest.mark.parametrize("if_match", ["abc", '"one"', "1.5", '"1", "2"'])
async def test_malformed_if_match_answers_400(client: httpx.AsyncClient, if_match: str) -> None:
    created = await create_rule(client)

    response = await client.put(
        f"{RULES}/{created['id']}", json=rule_body(), headers={"If-Match": if_match}
    )

    assert_problem(response, 400)


async def test_replacing_with_bad_params_answers_422_and_keeps_the_rule(
    client: httpx.AsyncClient,
) -> None:
    created = await create_rule(client)
    url = f"{RULES}/{created['id']}"

    response = await client.put(url, json=rule_body(kind="range", params={"min": 5, "max": 1}))

    assert_problem(response, 422)
    assert (await client.get(url)).json() == created


async def test_replacing_an_unknown_rule_answers_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.put(f"{RULES}/no-such-rule", json=rule_body()), 404)


async def test_deleted_rule_is_gone(client: httpx.AsyncClient) -> None:
    created = await create_rule(client)
    url = f"{RULES}/{created['id']}"

    response = await client.delete(url)

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get(url), 404)


async def test_deleting_with_a_stale_if_match_answers_412(client: httpx.AsyncClient) -> None:
    created = await create_rule(client)
    url = f"{RULES}/{created['id']}"

    assert_problem(await client.delete(url, headers={"If-Match": '"7"'}), 412)
    assert (await client.get(url)).status_code == 200


async def test_deleting_an_unknown_rule_answers_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.delete(f"{RULES}/no-such-rule"), 404)
