"""The chores a process runs beside its requests: the outbox relay and housekeeping run
inside the app when jobs do, and a failed round never stops the next."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from hexa import bootstrap
from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.bootstrap import memory as in_process
from hexa.config import load_settings
from hexa.services.housekeeping import Housekeeping

SECRET = "c" * 40


async def test_a_chore_goes_on_after_a_failed_round_and_stops_with_its_stack() -> None:
    rounds: list[int] = []

    async def flaky() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise ConnectionError("the database is away")

    async with AsyncExitStack() as stack:
        bootstrap.run_every(stack, "flaky", 0.01, flaky)
        for _ in range(100):
            if len(rounds) >= 3:
                break
            await asyncio.sleep(0.01)
    stopped_at = len(rounds)
    await asyncio.sleep(0.05)
    assert stopped_at >= 3
    assert len(rounds) == stopped_at


async def test_an_app_that_runs_its_jobs_also_runs_housekeeping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    purged = asyncio.Event()

    async def purge(self: Housekeeping) -> dict[str, int]:
        purged.set()
        return {}

    monkeypatch.setattr(Housekeeping, "purge", purge)
    monkeypatch.setattr(in_process, "FIRST_PURGE_AFTER_SECONDS", 0.0)
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hexa.db'}", queue_backend="inprocess",
        env="test", jwt_secret=SECRET, api_key_pepper=SECRET, blob_dir=str(tmp_path / "blobs"),
    )  # fmt: skip
    bootstrap.migrate(settings)
    async with bootstrap.build(settings, hasher=Argon2PasswordHasher.fast_for_tests()):
        await asyncio.wait_for(purged.wait(), 5)
