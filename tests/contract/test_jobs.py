"""The JobQueue and ProgressStore contracts, for every adapter (the in-process and
in-memory ones until the Redis-backed adapters arrive)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from hexa.adapters.memory.jobs import InProcessJobQueue, MemoryProgressStore
from hexa.domain.errors import NotFound
from hexa.domain.jobs import Job, JobKind, JobProgress
from tests.builders import T0


def a_job(job_id: str = "job-1") -> Job:
    return Job(job_id, JobKind.VALIDATE_INSPECTION, {"inspection_id": "i-1"})


@pytest.fixture(params=["inprocess"])
async def queue_and_runs(request: pytest.FixtureRequest) -> AsyncIterator[tuple[object, list[str]]]:
    runs: list[str] = []

    async def handler(job: Job) -> None:
        runs.append(job.id)

    queue = InProcessJobQueue(concurrency=2)
    queue.start(handler)
    try:
        yield queue, runs
    finally:
        await queue.close()


@pytest.fixture(params=["memory"])
def progress_store(request: pytest.FixtureRequest) -> object:
    return MemoryProgressStore()


async def test_an_enqueued_job_runs_once(queue_and_runs) -> None:
    queue, runs = queue_and_runs
    await queue.enqueue(a_job())
    await asyncio.wait_for(queue.drain(), 5)
    assert runs == ["job-1"]


async def test_enqueueing_the_same_id_again_is_a_no_op(queue_and_runs) -> None:
    queue, runs = queue_and_runs
    for _ in range(3):
        await queue.enqueue(a_job())
    await asyncio.wait_for(queue.drain(), 5)
    await queue.enqueue(a_job())
    await asyncio.wait_for(queue.drain(), 5)
    assert runs == ["job-1"]


async def test_a_failing_job_does_not_stop_the_queue() -> None:
    runs: list[str] = []

    async def handler(job: Job) -> None:
        runs.append(job.id)
        if job.id == "bad":
            raise RuntimeError("boom")

    queue = InProcessJobQueue(concurrency=1)
    queue.start(handler)
    try:
        await queue.enqueue(a_job("bad"))
        await queue.enqueue(a_job("good"))
        await asyncio.wait_for(queue.drain(), 5)
    finally:
        await queue.close()
    assert runs == ["bad", "good"]


async def test_depth_counts_jobs_not_yet_started() -> None:
    queue = InProcessJobQueue()  # not started: nothing leaves the queue
    await queue.enqueue(a_job("a"))
    await queue.enqueue(a_job("b"))
    assert await queue.depth() == 2


async def test_saved_progress_reads_back(progress_store) -> None:
    queued = JobProgress.queued(a_job(), total=3, now=T0)
    await progress_store.save(queued)
    assert await progress_store.get("job-1") == queued
    running = queued.started(now=T0).advanced(processed=2)
    await progress_store.save(running)
    assert await progress_store.get("job-1") == running


async def test_unknown_job_progress_is_not_found(progress_store) -> None:
    with pytest.raises(NotFound):
        await progress_store.get("nope")
