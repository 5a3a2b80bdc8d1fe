"""The tests of concurrent_writes that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from hexa.config import Settings
from tests.http.api import assert_problem
from tests.http.inspection_api import INSPECTIONS, create_inspection
from tests.integration.test_concurrent_writes import (  # noqa: F401 - fixtures
    CONCURRENT_CREATES,
    RACING_PATCHES,
    _empty,
    _every_inspection,
    _tally,
    served,
    settings_for,
)


@pytest.mark.parametrize("backend", ["memory", "sqlite", "postgres"])
async def test_of_racing_patches_with_one_version_exactly_one_wins(
    settings_for: Callable[[str], Settings], backend: str
) -> None:
    settings = settings_for(backend)
    await _empty(settings)
    async with served(settings) as client:
        inspection = await create_inspection(client)
        url = f"{INSPECTIONS}/{inspection['id']}"

        answers = await asyncio.gather(
            *(
                client.patch(url, json={"notes": f"writer {n}"}, headers={"If-Match": '"1"'})
                for n in range(RACING_PATCHES)
            )
        )

        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] + [412] * (RACING_PATCHES - 1), _tally(answers)
        for answer in answers:
            if answer.status_code == 412:
                assert_problem(answer, 412)
        [winner] = [a.json() for a in answers if a.status_code == 200]
        stored = (await client.get(url)).json()
        assert stored["version"] == 2
        assert stored["notes"] == winner["notes"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_every_concurrent_create_is_kept_once_across_a_restart(
    settings_for: Callable[[str], Settings], backend: str
) -> None:
    settings = settings_for(backend)
    await _empty(settings)
    async with served(settings) as client:
        answers = await asyncio.gather(
            *(
                client.post(INSPECTIONS, json={"subject": f"pump {n}", "readings": []})
                for n in range(CONCURRENT_CREATES)
            )
        )
        assert [a.status_code for a in answers] == [201] * CONCURRENT_CREATES, _tally(answers)
        created = {a.json()["id"]: a.json()["subject"] for a in answers}

    async with served(settings) as restarted:
        listed = await _every_inspection(restarted)

    ids = [i["id"] for i in listed]
    assert len(ids) == len(set(ids)), "an inspection was listed twice"
    assert {i["id"]: i["subject"] for i in listed} == created
