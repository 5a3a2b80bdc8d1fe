"""The JobQueue, ProgressStore, JobTally and BlobStore contracts, for every adapter:
in-process and arq (a real Redis) queues, memory and Redis progress and tallies, the
local-directory blob store."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hexa.adapters.local_blobs import LocalBlobStore
from hexa.adapters.memory.jobs import InProcessJobQueue, MemoryJobTally, MemoryProgressStore
from hexa.domain.errors import NotFound, ValidationError
from hexa.domain.jobs import Job, JobKind, JobOutcome, JobProgress, JobTotals, duration_bucket
from hexa.ports.jobs import BlobStore, JobQueue, JobTally, ProgressStore
from tests.builders import BATCH_JOB, ONE_JOB, T0
from tests.families import kept_adapters


def a_job(job_id: str = "job-1") -> Job:
    return Job(job_id, ONE_JOB, {"inspection_id": "i-1"})


@dataclasses.dataclass
class Harness:
    queue: JobQueue
    runs: list[str]
    run_everything: Callable[[], Awaitable[None]]
    request_ids: dict[str, str | None]


async def _flushed(redis_url: str) -> None:
    from redis.asyncio import Redis

    async with Redis.from_url(redis_url) as client:
        await client.flushdb()


@pytest.fixture(params=kept_adapters("inprocess", "arq"))
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    runs: list[str] = []
    request_ids: dict[str, str | None] = {}

    async def record(job: Job) -> None:
        runs.append(job.id)
        request_ids[job.id] = job.request_id

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
            yield Harness(queue, runs, drain, request_ids)
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
        ctx: dict[str, Any], job_id: str, kind: str, payload: Any, request_id: str | None = None
    ) -> None:
        await record(Job(job_id, JobKind(kind), payload, request_id))

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
        yield Harness(arq_queue, runs, burst, request_ids)
    finally:
        await arq_queue.close()


async def test_an_enqueued_job_runs_once(harness: Harness) -> None:
    await harness.queue.enqueue(a_job())
    await harness.run_everything()
    assert harness.runs == ["job-1"]


async def test_a_job_reaches_its_run_with_the_request_that_accepted_it(
    harness: Harness,
) -> None:
    await harness.queue.enqueue(dataclasses.replace(a_job("named"), request_id="req-42"))
    await harness.queue.enqueue(a_job("unnamed"))
    await harness.run_everything()
    assert harness.request_ids == {"named": "req-42", "unnamed": None}


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
    try:
        yield RedisJobTally(client)
    finally:
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


@pytest.fixture(params=["local", "sqlite", "postgres"])
async def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "blobs")
        return
    from hexa.adapters.sql.blobs import SqlBlobStore
    from tests.contract.conftest import _sql

    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_server")
    database = await _sql(url)
    try:
        yield SqlBlobStore(database.engine)
    finally:
        await database.close()


async def _chunks(*parts: bytes, fail: bool = False) -> AsyncIterator[bytes]:
    for part in parts:
        yield part
    if fail:
        raise ValidationError("line 3: bad")


async def _read(blobs: BlobStore, name: str) -> bytes:
    return b"".join([chunk async for chunk in blobs.read(name)])


async def test_a_blob_reads_back_as_written(blobs: BlobStore) -> None:
    size = await blobs.put("packet-1.csv", _chunks(b"a,b\n", b"", b"c" * 300_000))
    assert size == 4 + 300_000
    assert await _read(blobs, "packet-1.csv") == b"a,b\n" + b"c" * 300_000


async def test_a_failed_put_keeps_nothing_and_spares_the_old_blob(blobs: BlobStore) -> None:
    await blobs.put("report-1.jsonl", _chunks(b"old"))
    with pytest.raises(ValidationError):
        await blobs.put("report-1.jsonl", _chunks(b"new", fail=True))
    with pytest.raises(ValidationError):
        await blobs.put("packet-2.csv", _chunks(b"x", fail=True))
    assert await _read(blobs, "report-1.jsonl") == b"old"
    with pytest.raises(NotFound):
        await _read(blobs, "packet-2.csv")


async def test_delete_is_idempotent(blobs: BlobStore) -> None:
    await blobs.put("packet-3.csv", _chunks(b"x"))
    await blobs.delete("packet-3.csv")
    await blobs.delete("packet-3.csv")
    with pytest.raises(NotFound):
        await _read(blobs, "packet-3.csv")


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b", "", ".hidden", "x" * 300])
async def test_names_that_could_escape_the_store_are_refused(blobs: BlobStore, name: str) -> None:
    async def empty() -> AsyncIterable[bytes]:
        return
        yield b""

    with pytest.raises(ValidationError):
        await blobs.put(name, empty())


async def test_a_sweep_spares_every_completed_blob(blobs: BlobStore) -> None:
    await blobs.put("packet-4.csv", _chunks(b"kept"))
    with pytest.raises(ValidationError):
        await blobs.put("packet-5.csv", _chunks(b"x", fail=True))
    assert await blobs.sweep(older_than=timedelta(0)) == 0  # the failed put tidied itself
    assert await _read(blobs, "packet-4.csv") == b"kept"


async def test_a_blob_of_many_chunks_reads_back_whole_and_a_new_put_replaces_it(
    blobs: BlobStore,
) -> None:
    big = bytes(range(256)) * (10 * 1024)  # 2.5 MiB: several of any store's chunks
    pieces = [big[i : i + 100_000] for i in range(0, len(big), 100_000)]
    assert await blobs.put("report-9.jsonl", _chunks(*pieces)) == len(big)
    assert await _read(blobs, "report-9.jsonl") == big
    await blobs.put("report-9.jsonl", _chunks(b"rewritten"))
    assert await _read(blobs, "report-9.jsonl") == b"rewritten"


async def test_a_sql_blob_left_unfinished_is_swept_once_old_enough(sqlite_url: str) -> None:
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from hexa.adapters.sql.blobs import SqlBlobStore
    from hexa.adapters.sql.tables import blob_chunks
    from hexa.adapters.sql.tables import blobs as blob_rows
    from tests.contract.conftest import _sql

    database = await _sql(sqlite_url)
    store = SqlBlobStore(database.engine)
    try:
        await store.put("packet-7.csv", _chunks(b"kept"))
        async with database.engine.begin() as connection:  # what a killed upload leaves
            for blob_id, age in (("old", timedelta(days=2)), ("fresh", timedelta(0))):
                created = datetime.now(UTC) - age
                await connection.execute(
                    sa.insert(blob_rows).values(
                        id=blob_id, name=None, size=0, chunks=0, created_at=created
                    )
                )
                await connection.execute(
                    sa.insert(blob_chunks).values(blob_id=blob_id, seq=0, data=b"half")
                )
        assert await store.sweep(older_than=timedelta(days=1)) == 1
        assert await store.sweep(older_than=timedelta(days=1)) == 0
        assert await _read(store, "packet-7.csv") == b"kept"
    finally:
        await database.close()


async def test_a_blob_read_over_many_pages_and_chunks_comes_back_whole(
    blobs: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hexa.adapters.sql import blobs as sql_blobs

    monkeypatch.setattr(sql_blobs, "CHUNK_BYTES", 1000)
    monkeypatch.setattr(sql_blobs, "CHUNKS_PER_READ", 3)
    data = bytes(range(256)) * 40  # 10,240 bytes: 11 chunks, 4 pages, in SQL
    assert await blobs.put("packet-8.csv", _chunks(data[:7], data[7:5000], data[5000:])) == len(
        data
    )
    assert await _read(blobs, "packet-8.csv") == data


async def test_puts_of_one_name_at_once_both_succeed_and_one_of_them_is_kept(
    blobs: BlobStore,
) -> None:
    async def slow(content: bytes) -> AsyncIterator[bytes]:
        for piece in (content[:2], content[2:]):
            await asyncio.sleep(0.01)
            yield piece

    sizes = await asyncio.gather(
        *(blobs.put("report-5.jsonl", slow(c)) for c in (b"first", b"second", b"third"))
    )
    assert sizes == [5, 6, 5]
    assert await _read(blobs, "report-5.jsonl") in (b"first", b"second", b"third")
    assert await blobs.sweep(older_than=timedelta(0)) == 0  # nothing left behind


async def test_a_put_cancelled_midway_keeps_nothing_and_spares_the_old_blob(
    blobs: BlobStore,
) -> None:
    await blobs.put("report-6.jsonl", _chunks(b"old"))
    arrived = asyncio.Event()

    async def endless() -> AsyncIterator[bytes]:
        yield b"new"
        arrived.set()
        await asyncio.sleep(60)
        yield b"never"

    putting = asyncio.create_task(blobs.put("report-6.jsonl", endless()))
    await arrived.wait()
    putting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await putting
    assert await _read(blobs, "report-6.jsonl") == b"old"
    assert await blobs.sweep(older_than=timedelta(0)) == 0
