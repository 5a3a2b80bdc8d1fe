"""The JobQueue, ProgressStore and JobTally contracts, for every adapter:
in-process and arq (a real Redis) queues, memory and Redis progress and tallies (the
BlobStore's: test_blob_store.py)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from hexa.adapters.memory.jobs import InProcessJobQueue, MemoryJobTally, MemoryProgressStore
from hexa.domain.errors import NotFound
from hexa.domain.jobs import Job, JobKind, JobOutcome, JobProgress, JobTotals, duration_bucket
from hexa.ports.jobs import JobQueue, JobTally, ProgressStore
from tests.builders import BATCH_JOB, ONE_JOB, T0
from tests.families import kept_adapters


def a_job(job_id: str = "job-1") -> Job:
    return Job(job_id, ONE_JOB, {"inspection_id": "i-1"})


@dataclasses.dataclass
class Harness:
    queue: JobQueue
    runs: list[str]
    run_everything: Callable[[], Awaitable[None]]
    received: dict[str, Job]


async def _flushed(redis_url: str) -> None:
    from redis.asyncio import Redis

    async with Redis.from_url(redis_url) as client:
        await client.flushdb()


@pytest.fixture(params=kept_adapters("inprocess", "arq"))
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    runs: list[str] = []
    received: dict[str, Job] = {}

    async def record(job: Job) -> None:
        runs.append(job.id)
        received[job.id] = job

    if request.param == "inprocess":
        queue = InProcessJobQueue(concurrency=2)
        started = False

        async def drain() -> None:
            nonlocal started
            if not started:
                queue.start(record)
                started = True
            await asyncio.wait_for(queue.drain(), 5)

        try:
            yield Harness(queue, runs, drain, received)
        finally:
            await queue.close()
        return

    from arq import func
    from arq.worker import Worker

    from hexa.adapters.redis.arq_queue import QUEUE_NAME, RUN_JOB, ArqJobQueue, arq_redis_settings

    url = request.getfixturevalue("redis_url")
    await _flushed(url)
    arq_queue = ArqJobQueue.from_url(url)

    async def run_job(
        ctx: dict[str, Any],
        job_id: str,
        kind: str,
        payload: Any,
        request_id: str | None = None,
        traceparent: str | None = None,
    ) -> None:
        await record(Job(job_id, JobKind(kind), payload, request_id, traceparent))

    async def burst() -> None:
        worker = Worker(
            functions=[func(run_job, name=RUN_JOB)],
            redis_settings=arq_redis_settings(url),
            queue_name=QUEUE_NAME,
            burst=True,
            handle_signals=False,
            poll_delay=0.05,
        )
        try:
            await asyncio.wait_for(worker.async_run(), 15)
        finally:
            await worker.close()

    try:
        yield Harness(arq_queue, runs, burst, received)
    finally:
        await arq_queue.close()


async def test_an_enqueued_job_runs_once(harness: Harness) -> None:
    await harness.queue.enqueue(a_job())
    await harness.run_everything()
    assert harness.runs == ["job-1"]


TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


async def test_a_job_reaches_its_run_with_the_request_and_trace_that_accepted_it(
    harness: Harness,
) -> None:
    named = dataclasses.replace(a_job("named"), request_id="req-42", traceparent=TRACEPARENT)
    await harness.queue.enqueue(named)
    await harness.queue.enqueue(a_job("unnamed"))
    await harness.run_everything()
    assert harness.received == {"named": named, "unnamed": a_job("unnamed")}


async def test_enqueueing_the_same_id_again_is_a_no_op(harness: Harness) -> None:
    for _ in range(3):
        await harness.queue.enqueue(a_job())
    assert await harness.queue.depth() == 1
    await harness.run_everything()
    await harness.queue.enqueue(a_job())  # already ran: still nothing new
    await harness.run_everything()
    assert harness.runs == ["job-1"]


async def test_depth_counts_jobs_not_yet_started(harness: Harness) -> None:
    await harness.queue.enqueue(a_job("a"))
    await harness.queue.enqueue(a_job("b"))
    assert await harness.queue.depth() == 2
    await harness.run_everything()
    assert await harness.queue.depth() == 0
    assert sorted(harness.runs) == ["a", "b"]


async def test_a_failing_job_does_not_stop_the_in_process_queue() -> None:
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
        # Handed over again (by the relay), the job that raised runs again; a job that
        # ran is still taken for a duplicate.
        await queue.enqueue(a_job("bad"))
        await queue.enqueue(a_job("good"))
        await asyncio.wait_for(queue.drain(), 5)
    finally:
        await queue.close()
    assert runs == ["bad", "good", "bad"]


@pytest.fixture(params=kept_adapters("memory", "redis"))
async def progress_store(request: pytest.FixtureRequest) -> AsyncIterator[ProgressStore]:
    if request.param == "memory":
        yield MemoryProgressStore()
        return
    from hexa.adapters.redis.client import connect
    from hexa.adapters.redis.progress import RedisProgressStore

    url = request.getfixturevalue("redis_url")
    await _flushed(url)
    client = connect(url)
    store = RedisProgressStore(client)
    try:
        yield store
    finally:
        await store.close()
        await client.aclose()


async def test_saved_progress_reads_back_with_a_rising_sequence(
    progress_store: ProgressStore,
) -> None:
    queued = JobProgress.queued(a_job(), total=3, now=T0)
    first = await progress_store.save(queued)
    assert first == dataclasses.replace(queued, sequence=first.sequence)
    assert await progress_store.get("job-1") == first
    running = queued.started(now=T0).advanced(processed=2)
    second = await progress_store.save(running)
    assert second.sequence > first.sequence
    assert await progress_store.get("job-1") == second


async def test_unknown_job_progress_is_not_found(progress_store: ProgressStore) -> None:
    with pytest.raises(NotFound):
        await progress_store.get("nope")


async def test_forgotten_progress_is_not_found_and_forgetting_twice_is_harmless(
    progress_store: ProgressStore,
) -> None:
    kept = await progress_store.save(JobProgress.queued(a_job("job-kept"), total=1, now=T0))
    await progress_store.save(JobProgress.queued(a_job(), total=1, now=T0))
    await progress_store.forget("job-1")
    await progress_store.forget("job-1")
    with pytest.raises(NotFound):
        await progress_store.get("job-1")
    assert await progress_store.get("job-kept") == kept


async def test_a_watcher_hears_each_save_in_order(progress_store: ProgressStore) -> None:
    queued = JobProgress.queued(a_job(), total=3, now=T0)
    await progress_store.save(JobProgress.queued(a_job("other"), total=1, now=T0))
    async with progress_store.watch("job-1") as feed:
        assert await feed.next(0.05) is None  # nothing yet; and other jobs are not heard
        running = queued.started(now=T0)
        saved = [
            await progress_store.save(p) for p in (queued, running, running.advanced(processed=3))
        ]
        heard = [await feed.next(2) for _ in saved]
    assert heard == saved
    assert [h.sequence for h in heard if h] == sorted({h.sequence for h in heard if h})


async def test_a_watch_waits_its_full_time_when_nothing_is_saved(
    progress_store: ProgressStore,
) -> None:
    loop = asyncio.get_running_loop()
    async with progress_store.watch("quiet") as feed:
        started = loop.time()
        assert await feed.next(0.3) is None
    assert loop.time() - started >= 0.25


async def test_many_watchers_of_many_jobs_each_hear_their_own_job(
    progress_store: ProgressStore,
) -> None:
    jobs = [a_job(f"job-{n}") for n in range(20)]
    async with contextlib.AsyncExitStack() as watching:
        feeds = [await watching.enter_async_context(progress_store.watch(j.id)) for j in jobs]
        twice = await watching.enter_async_context(progress_store.watch("job-3"))
        saved = [await progress_store.save(JobProgress.queued(j, total=1, now=T0)) for j in jobs]
        assert [await feed.next(2) for feed in feeds] == saved
        assert await twice.next(2) == saved[3]
        assert await feeds[0].next(0.05) is None


@pytest.fixture(params=kept_adapters("memory", "redis"))
async def tally(request: pytest.FixtureRequest) -> AsyncIterator[JobTally]:
    if request.param == "memory":
        yield MemoryJobTally()
        return
    from hexa.adapters.redis.client import connect
    from hexa.adapters.redis.job_tally import RedisJobTally

    url = request.getfixturevalue("redis_url")
    await _flushed(url)
    client = connect(url)
    tally = RedisJobTally(client)
    try:
        yield tally
    finally:
        await tally.close()
        await client.aclose()


async def test_a_new_tally_is_empty(tally: JobTally) -> None:
    assert await tally.totals() == JobTotals()


async def test_attempts_are_counted_by_kind_and_outcome_and_durations_bucketed(
    tally: JobTally,
) -> None:
    packet, single = BATCH_JOB, ONE_JOB
    await tally.record(packet, JobOutcome.RETRIED)
    await tally.record(packet, JobOutcome.DONE, seconds=0.07)
    await tally.record(packet, JobOutcome.DONE, seconds=0.1)
    await tally.record(packet, JobOutcome.FAILED, seconds=7200)
    await tally.record(single, JobOutcome.DONE, seconds=0.01)
    totals = await tally.totals()
    assert totals.outcomes == {
        (packet, JobOutcome.RETRIED): 1,
        (packet, JobOutcome.DONE): 2,
        (packet, JobOutcome.FAILED): 1,
        (single, JobOutcome.DONE): 1,
    }
    packets = totals.durations[packet]
    assert packets.count == 3
    assert packets.total_seconds == pytest.approx(7200.17)
    assert packets.counts[duration_bucket(0.1)] == 2  # 0.07 and 0.1 share the 0.1 bucket
    assert packets.counts[-1] == 1  # over the last bound: +Inf
    assert totals.durations[single].counts[0] == 1
