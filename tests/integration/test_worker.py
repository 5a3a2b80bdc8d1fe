"""The worker driver over a real Redis and SQLite: arq runs our tasks with its retries,
and a job that cannot finish still ends `failed`, in the API and the audit log."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from arq.constants import in_progress_key_prefix, job_key_prefix
from arq.worker import Worker
from redis.asyncio import Redis

from hexa import bootstrap
from hexa.adapters.sql.migrations import upgrade
from hexa.bootstrap import Hexa
from hexa.config import Settings, load_settings
from hexa.domain.jobs import Job
from hexa.domain.validation import VALIDATE_INSPECTION
from hexa.drivers.worker import tasks
from hexa.drivers.worker.settings import worker_options
from hexa.services.inspections import InspectionService
from hexa.services.packets import PacketService
from tests.log_capture import captured_logs

SECRET = "w" * 40


def _settings(tmp_path: Path, redis_url: str, **overrides: Any) -> Settings:
    database = f"sqlite+aiosqlite:///{tmp_path / 'worker.db'}"
    upgrade(database)
    return load_settings(
        database_url=database, redis_url=redis_url, queue_backend="arq", env="test",
        jwt_secret=SECRET, api_key_pepper=SECRET, blob_dir=str(tmp_path / "blobs"),
        **overrides,
    )  # fmt: skip


@pytest.fixture
async def flushed_redis(redis_url: str) -> str:
    async with Redis.from_url(redis_url) as client:
        await client.flushdb()
    return redis_url


async def _burst(settings: Settings, seconds: float = 30) -> Worker:
    """Runs an arq worker with Hexa's options until its queue is empty."""
    worker = Worker(**worker_options(settings), burst=True, handle_signals=False)
    try:
        await asyncio.wait_for(worker.async_run(), seconds)
    finally:
        await worker.close()
    return worker


@pytest.fixture
async def app(tmp_path: Path, flushed_redis: str) -> AsyncIterator[Hexa]:
    settings = _settings(tmp_path, flushed_redis, job_max_tries=2, job_timeout_seconds=1)
    async with bootstrap.build(settings) as hexa:
        yield hexa


async def _actions(hexa: Hexa, job_id: str) -> list[str]:
    return [e.action for e in (await hexa.audit.page(limit=50)).items if e.target == job_id]


async def test_every_line_of_a_workers_run_names_the_job_and_the_request_behind_it(
    app: Hexa,
) -> None:
    inspection = await app.service(InspectionService).record(subject="boiler")
    job = await app.service(InspectionService).submit(inspection.id, request_id="req-from-the-api")

    with captured_logs(app.settings) as logs:
        await _burst(app.settings)

    assert (await app.jobs.job(job.id)).status == "done"
    run = [e for e in logs.events() if e.get("job_id") == job.id]
    assert [e["event"] for e in run] == [
        f"job {job.id} (validate_inspection) started",
        f"job {job.id} ended done",
    ]
    assert {e["request_id"] for e in run} == {"req-from-the-api"}


async def test_a_job_that_keeps_failing_is_retried_then_ends_failed_with_its_error(
    app: Hexa,
) -> None:
    broken = Job("job-broken", VALIDATE_INSPECTION, {})  # a bug: no inspection id
    await app.queue.enqueue(broken)

    await _burst(app.settings)

    failed = await app.jobs.job(broken.id)
    assert failed.status == "failed"
    assert failed.error == "KeyError: 'inspection_id'"
    assert await _actions(app, broken.id) == ["job.failed"]
    totals = (await app.metrics.read()).jobs
    assert totals is not None
    assert totals.outcomes[VALIDATE_INSPECTION, "retried"] == 1
    assert totals.outcomes[VALIDATE_INSPECTION, "failed"] == 1


async def test_a_job_out_of_time_on_its_last_attempt_ends_failed(app: Hexa) -> None:
    rows = "".join(f"INS-{n},pump {n},temp,50,C\n" for n in range(400_000))

    async def packet() -> AsyncIterator[bytes]:
        yield b"inspection,subject,key,value,unit\n" + rows.encode()

    job = await app.service(PacketService).accept(packet())

    await _burst(app.settings)

    failed = await app.jobs.job(job.id)
    assert (failed.status, failed.error) == ("failed", "timed out after 1 s")
    assert failed.processed < failed.total == 400_000
    assert await _actions(app, job.id) == ["job.failed", "job.accepted"]


async def test_a_job_whose_last_attempt_could_not_record_its_end_is_given_up(
    app: Hexa,
) -> None:
    inspection = await app.service(InspectionService).record(subject="boiler")
    job = await app.service(InspectionService).submit(inspection.id)
    ctx = {"hexa": app, "job_try": app.settings.job_max_tries + 1}

    await tasks.run_job(ctx, job.id, "validate_inspection", {"inspection_id": inspection.id})

    failed = await app.jobs.job(job.id)
    assert (failed.status, failed.error) == ("failed", "gave up after 2 attempts")
    assert await _actions(app, job.id) == ["job.failed", "job.accepted"]


async def test_a_run_that_lost_its_lease_hands_the_job_back_and_it_is_run_once_more(
    tmp_path: Path, flushed_redis: str
) -> None:
    settings = _settings(tmp_path, flushed_redis, worker_lease_seconds=1, job_max_tries=3)
    rows = "".join(f"INS-{n},pump {n},temp,50,C\n" for n in range(100_000))

    async def packet() -> AsyncIterator[bytes]:
        yield b"inspection,subject,key,value,unit\n" + rows.encode()

    async with bootstrap.build(settings) as hexa, Redis.from_url(flushed_redis) as redis:
        job = await hexa.service(PacketService).accept(packet())
        lock = in_progress_key_prefix + job.id

        async def taken_over() -> None:
            """Our lock lapsed mid-run (an event loop stalled past a lease) and another
            worker took it, then let it go again."""
            for _ in range(500):  # until our run has marked it
                if await redis.get(lock) not in (None, b"1"):
                    break
                await asyncio.sleep(0.02)
            await redis.set(lock, b"1", px=10_000)
            await asyncio.sleep(0.5)  # our run notices within a third of a lease
            assert await redis.exists(job_key_prefix + job.id)  # still queued, not dropped
            await redis.delete(lock)

        taking = asyncio.create_task(taken_over())
        worker = await _burst(settings)
        await taking
        done = await hexa.jobs.job(job.id)
        assert (done.status, done.processed) == ("done", 100_000)
        assert await _actions(hexa, job.id) == ["job.done", "job.accepted"]
    assert (worker.jobs_retried, worker.jobs_complete) == (1, 1)
