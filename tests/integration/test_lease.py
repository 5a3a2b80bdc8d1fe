"""A running job's lease over a real Redis: the run goes on only while the lock is its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from arq import ArqRedis
from arq.constants import in_progress_key_prefix, job_key_prefix
from redis.asyncio import Redis

from hexa.drivers.worker.lease import LeaseLost, leased

LOCK, JOB = in_progress_key_prefix + "job-1", job_key_prefix + "job-1"


@pytest.fixture
async def arq_redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    async with Redis.from_url(redis_url) as client:
        await client.flushdb()
    redis = ArqRedis.from_url(redis_url)
    try:
        await redis.set(JOB, b"the job, as arq stores it")
        await redis.set(LOCK, b"1", px=5000)  # as arq takes it when the job starts
        yield redis
    finally:
        await redis.aclose()


async def test_a_lease_renewed_while_the_job_runs_keeps_the_lock_one_lease_long(
    arq_redis: ArqRedis,
) -> None:
    async with leased(arq_redis, "job-1", seconds=0.3):
        await asyncio.sleep(0.5)
        assert await arq_redis.get(LOCK) not in (None, b"1")  # our token, not arq's mark
        assert 0 < await arq_redis.pttl(LOCK) <= 300


async def test_a_lease_another_worker_took_stops_the_job_here(arq_redis: ArqRedis) -> None:
    with pytest.raises(LeaseLost) as lost:
        async with leased(arq_redis, "job-1", seconds=0.3):
            await asyncio.sleep(0.05)
            await arq_redis.set(LOCK, b"1", px=5000)  # lapsed, and taken by another worker
            await asyncio.sleep(5)
    assert not lost.value.gone
    assert await arq_redis.get(LOCK) == b"1"  # the other worker's lock is left alone


async def test_a_lock_that_lapsed_while_free_is_taken_again_and_the_job_goes_on(
    arq_redis: ArqRedis,
) -> None:
    async with leased(arq_redis, "job-1", seconds=0.3):
        await asyncio.sleep(0.05)
        await arq_redis.delete(LOCK)
        await asyncio.sleep(0.3)
        assert 0 < await arq_redis.pttl(LOCK) <= 300


async def test_a_job_arq_no_longer_has_is_stopped_and_its_lock_not_taken_again(
    arq_redis: ArqRedis,
) -> None:
    with pytest.raises(LeaseLost) as lost:
        async with leased(arq_redis, "job-1", seconds=0.3):
            await asyncio.sleep(0.05)
            await arq_redis.delete(LOCK, JOB)  # another worker ended it
            await asyncio.sleep(5)
    assert lost.value.gone
    assert not await arq_redis.exists(LOCK)


async def test_a_lease_that_cannot_be_renewed_stops_the_job_before_it_could_lapse() -> None:
    unreachable = ArqRedis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.05)
    try:
        started = asyncio.get_running_loop().time()
        with pytest.raises(LeaseLost):
            async with leased(unreachable, "job-1", seconds=0.3):
                await asyncio.sleep(5)
        assert asyncio.get_running_loop().time() - started < 0.3  # within the lease
    finally:
        await unreachable.aclose()


async def test_a_job_cancelled_from_outside_is_cancelled_not_lease_lost(
    arq_redis: ArqRedis,
) -> None:
    async def job() -> None:
        async with leased(arq_redis, "job-1", seconds=0.3):
            await asyncio.sleep(5)

    running = asyncio.create_task(job())
    await asyncio.sleep(0.05)
    running.cancel()  # a shutdown past its grace
    with pytest.raises(asyncio.CancelledError):
        await running


async def test_a_timeout_inside_a_lease_is_still_a_timeout(arq_redis: ArqRedis) -> None:
    with pytest.raises(TimeoutError):
        async with leased(arq_redis, "job-1", seconds=0.3), asyncio.timeout(0.1):
            await asyncio.sleep(5)
