"""What only the Redis job adapters promise beyond the contract: one shared pub/sub
connection, failures heard by watchers, one tally across clients, written together. (Left out with Redis.)"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import pytest

from hexa.domain.errors import Unavailable
from hexa.domain.jobs import JobKind, JobOutcome, JobProgress
from tests.builders import BATCH_JOB, ONE_JOB, T0
from tests.contract.test_jobs import _flushed, a_job


async def test_watchers_share_one_redis_connection_and_leave_nothing_subscribed(
    redis_url: str,
) -> None:
    from hexa.adapters.redis.client import connect
    from hexa.adapters.redis.progress import RedisProgressStore

    client = connect(redis_url)
    store = RedisProgressStore(client)

    async def subscribers() -> int:
        return sum(1 for c in await client.client_list(_type="pubsub"))

    try:
        async with contextlib.AsyncExitStack() as watching:
            for n in range(50):
                await watching.enter_async_context(store.watch(f"job-{n}"))
            assert await _eventually(subscribers, 1)
            assert await _eventually(
                lambda: client.pubsub_numsub("hexa:job:job-7:progress"),
                [("hexa:job:job-7:progress", 1)],
            )
        # (UN)SUBSCRIBE's reply is read by the reader task, so `watch` does not wait
        # for Redis to have counted the change.
        assert await _eventually(
            lambda: client.pubsub_numsub("hexa:job:job-7:progress"),
            [("hexa:job:job-7:progress", 0)],
        )
    finally:
        await store.close()
        await client.aclose()
    assert await _eventually(lambda: _subscribers_left(redis_url), 0)


async def _eventually(read: Callable[[], Awaitable[object]], expected: object) -> bool:
    for _ in range(100):
        if await read() == expected:
            return True
        await asyncio.sleep(0.02)
    return await read() == expected


async def _subscribers_left(redis_url: str) -> int:
    from redis.asyncio import Redis

    async with Redis.from_url(redis_url) as client:
        return len(await client.client_list(_type="pubsub"))


async def test_a_watcher_hears_unavailable_when_its_connection_fails(redis_url: str) -> None:
    from hexa.adapters.redis.client import connect
    from hexa.adapters.redis.progress import RedisProgressStore

    client = connect(redis_url)
    store = RedisProgressStore(client)
    try:
        async with store.watch("job-1") as feed:
            await client.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
            with pytest.raises(Unavailable):
                for _ in range(50):  # the reader notices within a read
                    await feed.next(0.2)
        async with store.watch("job-1") as feed:  # the next watch connects again
            saved = await store.save(JobProgress.queued(a_job(), total=1, now=T0))
            assert await feed.next(2) == saved
    finally:
        await store.close()
        await client.aclose()


async def test_a_watcher_hears_unavailable_when_the_reader_breaks_and_the_next_one_reads(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis.asyncio.client import PubSub

    from hexa.adapters.redis.client import connect
    from hexa.adapters.redis.progress import RedisProgressStore

    async def unparsable(self: PubSub, **_: object) -> None:
        raise RuntimeError("a reply redis-py could not parse")

    client = connect(redis_url)
    store = RedisProgressStore(client)
    try:
        with monkeypatch.context() as patched:
            patched.setattr(PubSub, "get_message", unparsable)
            async with store.watch("job-1") as feed:
                with pytest.raises(Unavailable):
                    await feed.next(2)
        async with store.watch("job-1") as feed:
            saved = await store.save(JobProgress.queued(a_job(), total=1, now=T0))
            assert await feed.next(2) == saved
    finally:
        await store.close()
        await client.aclose()


async def test_a_listener_whose_backlog_is_full_still_hears_the_failure() -> None:
    from hexa.adapters.redis.subscriptions import BACKLOG, Listener

    listener = Listener()
    for n in range(BACKLOG + 5):
        listener.hear(f"update {n}")
    listener.hear(Unavailable("the connection was lost"))
    with pytest.raises(Unavailable):
        for _ in range(BACKLOG + 1):
            await listener.next(0.1)


async def test_every_redis_client_adds_to_the_same_tally(redis_url: str) -> None:
    from hexa.adapters.redis.client import connect
    from hexa.adapters.redis.job_tally import RedisJobTally

    await _flushed(redis_url)
    worker, replica = connect(redis_url), connect(redis_url)
    try:
        counting = RedisJobTally(worker)
        await counting.record(BATCH_JOB, JobOutcome.DONE, seconds=1)
        await counting.close()
        await worker.hset("hexa:jobs:tally", "n|a_kind_now_gone|done", 5)  # kept: see MetricsReader
        await worker.hset("hexa:jobs:tally", "b|validate_packet|0.3", 5)  # a bound now gone
        totals = await RedisJobTally(replica).totals()
        assert totals.outcomes == {
            (BATCH_JOB, JobOutcome.DONE): 1,
            (JobKind("a_kind_now_gone"), JobOutcome.DONE): 5,
        }
        assert totals.durations[BATCH_JOB].count == 1
    finally:
        await worker.aclose()
        await replica.aclose()


async def test_a_busy_worker_writes_its_counts_together_within_the_hold(redis_url: str) -> None:
    from hexa.adapters.redis.client import connect
    from hexa.adapters.redis.job_tally import RedisJobTally

    await _flushed(redis_url)
    worker, replica = FlakyRedis(connect(redis_url)), connect(redis_url)
    counting, reporting = RedisJobTally(worker, hold_seconds=0.2), RedisJobTally(replica)  # type: ignore[arg-type]
    try:
        for _ in range(50):
            await counting.record(ONE_JOB, JobOutcome.DONE, seconds=0.01)
        assert (await reporting.totals()).outcomes == {}  # kept for the hold
        totals = await _tallied(reporting, lambda t: bool(t.outcomes))
        assert totals.outcomes == {(ONE_JOB, JobOutcome.DONE): 50}
        assert totals.durations[ONE_JOB].count == 50
        assert worker.writes == 1
    finally:
        await counting.close()
        await worker.aclose()
        await replica.aclose()


async def test_counts_kept_through_an_outage_are_written_once_redis_is_back(
    redis_url: str,
) -> None:
    from hexa.adapters.redis.client import connect
    from hexa.adapters.redis.job_tally import RedisJobTally

    await _flushed(redis_url)
    worker, replica = FlakyRedis(connect(redis_url)), connect(redis_url)
    counting = RedisJobTally(worker, hold_seconds=0.1)  # type: ignore[arg-type]
    reporting = RedisJobTally(replica)
    try:
        worker.down = True
        await counting.record(ONE_JOB, JobOutcome.FAILED)  # no raise: the job is not at stake
        with pytest.raises(Unavailable):
            await counting.flush()
        await asyncio.sleep(0.3)  # the background writes fail too, and keep the count
        await counting.record(ONE_JOB, JobOutcome.FAILED)
        assert (await reporting.totals()).outcomes == {}
        worker.down = False
        totals = await _tallied(reporting, lambda t: bool(t.outcomes))
        assert totals.outcomes == {(ONE_JOB, JobOutcome.FAILED): 2}
    finally:
        await counting.close()
        await worker.aclose()
        await replica.aclose()


async def test_counts_kept_are_written_at_close_once_and_none_after(redis_url: str) -> None:
    from hexa.adapters.redis.client import connect
    from hexa.adapters.redis.job_tally import RedisJobTally

    await _flushed(redis_url)
    worker, replica = FlakyRedis(connect(redis_url)), connect(redis_url)
    counting = RedisJobTally(worker, hold_seconds=60)  # type: ignore[arg-type]
    try:
        await counting.record(ONE_JOB, JobOutcome.DONE)
        await counting.record(ONE_JOB, JobOutcome.DONE)
        assert (await RedisJobTally(replica).totals()).outcomes == {}
        await counting.close()
        await counting.record(ONE_JOB, JobOutcome.DONE)  # after close: not written
        await asyncio.sleep(0.1)
        assert (await RedisJobTally(replica).totals()).outcomes == {(ONE_JOB, JobOutcome.DONE): 2}
        assert worker.writes == 1
    finally:
        await worker.aclose()
        await replica.aclose()

    down = FlakyRedis(connect("redis://127.0.0.1:1/0"))  # nothing listens there
    stranded = RedisJobTally(down, hold_seconds=60)  # type: ignore[arg-type]
    await stranded.record(ONE_JOB, JobOutcome.FAILED)
    await asyncio.wait_for(stranded.close(), 10)  # logged, not raised, not hung
    await down.aclose()


class FlakyRedis:
    """A Redis client that counts the tally's writes (its pipelines) and can be down."""

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self._client = client
        self.down = False
        self.writes = 0

    def pipeline(self, **options):  # type: ignore[no-untyped-def]
        from redis.exceptions import ConnectionError as RedisConnectionError

        if self.down:
            raise RedisConnectionError("Redis is down (the test says so)")
        self.writes += 1
        return self._client.pipeline(**options)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._client, name)


async def _tallied(tally, done, seconds: float = 5):  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        totals = await tally.totals()
        if done(totals) or asyncio.get_running_loop().time() > deadline:
            return totals
        await asyncio.sleep(0.05)
