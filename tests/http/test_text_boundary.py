"""Regression tests for text that passed the JSON parser and broke what came after it:
a lone surrogate in a reading value (500, stored anyway, every later list 500) and NUL in
a subject on PostgreSQL (503, as if the database were down)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.http.api import assert_problem
from tests.http.backends import BACKENDS, served
from tests.http.inspection_api import INSPECTIONS, RULES

JSON = {"content-type": "application/json"}


@pytest.fixture(params=BACKENDS)
async def client(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    postgres = request.getfixturevalue("postgres_server") if request.param == "postgres" else None
    async with served(request.param, tmp_path, postgres) as (_, http):
        yield http


async def _inspections(client: httpx.AsyncClient) -> list[dict[str, object]]:
    response = await client.get(INSPECTIONS, params={"limit": 200})
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_a_lone_surrogate_in_a_reading_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient,
) -> None:
    before = await _inspections(client)
    body = b'{"subject": "pump", "readings": [{"key": "k", "value": "x\\ud800y"}]}'

    for _ in range(2):  # a client retrying gets the same answer, and stores nothing
        response = await client.post(INSPECTIONS, content=body, headers=JSON)
        problem = assert_problem(response, 422)
        assert problem["detail"].startswith("body.readings.0.value: ")
        assert "surrogate" in problem["detail"]

    assert await _inspections(client) == before


@pytest.mark.parametrize("field", ["subject", "notes", "inspector"])
async def test_nul_in_inspection_text_is_a_422_naming_the_field(
    client: httpx.AsyncClient, field: str
) -> None:
    body = {"subject": "pump", field: "a\x00b"}

    created = await client.post(INSPECTIONS, json=body)
    problem = assert_problem(created, 422)
    assert problem["detail"].startswith(f"body.{field}: ")
    assert "NUL" in problem["detail"]


async def test_nul_in_a_patched_subject_is_a_422_and_the_draft_is_unchanged(
    client: httpx.AsyncClient,
) -> None:
    made = (await client.post(INSPECTIONS, json={"subject": "pump"})).json()

    response = await client.patch(
        f"{INSPECTIONS}/{made['id']}", json={"subject": "a\x00"}, headers={"If-Match": '"1"'}
    )

    assert_problem(response, 422)
    stored = (await client.get(f"{INSPECTIONS}/{made['id']}")).json()
    assert (stored["subject"], stored["version"]) == ("pump", 1)


async def test_unkeepable_text_in_rule_parameters_is_refused(client: httpx.AsyncClient) -> None:
    rule = b'{"name": "r", "key": "k", "kind": "one_of", "params": {"options": ["\\udc00"]}}'

    problem = assert_problem(await client.post(RULES, content=rule, headers=JSON), 422)
    assert problem["detail"].startswith("body.params.options.0: ")


async def test_nul_in_an_id_is_a_422_not_an_outage(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await client.get(f"{INSPECTIONS}/a%00b"), 422)
    assert problem["detail"].startswith("path.inspection_id: ")


async def test_a_packet_cell_with_nul_is_refused_naming_its_line(
    client: httpx.AsyncClient,
) -> None:
    packet = b"inspection,subject,key,value,unit\nI-1,pump,temp,5\x00,C\n"

    response = await client.post(
        "/api/v1/packets", files={"file": ("packet.csv", packet, "text/csv")}
    )

    problem = assert_problem(response, 422)
    assert problem["detail"].startswith("line 2: ") and "NUL" in problem["detail"]
