"""How the arq queue counts its depth. (Left out with the worker.)"""

from __future__ import annotations

import asyncio

import pytest

from tests.contract.test_jobs import _flushed, a_job


async def test_arq_depth_leaves_out_running_jobs_and_cron_runs(redis_url: str) -> None:
    from arq.constants import in_progress_key_prefix
    from redis.asyncio import Redis

    from hexa.adapters.redis.arq_queue import QUEUE_NAME, ArqJobQueue

    await _flushed(redis_url)
    queue = ArqJobQueue.from_url(redis_url)
    try:
        for job_id in ("a", "b", "c"):
            await queue.enqueue(a_job(job_id))
        async with Redis.from_url(redis_url) as client:
            await client.set(f"{in_progress_key_prefix}b", "1")  # a worker holds b
            await client.zadd(QUEUE_NAME, {"cron:beat:1700000000000": 0})
        assert await queue.depth() == 2
    finally:
        await queue.close()


async def test_arq_depth_behind_a_long_backlog_looks_only_at_its_front(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arq.constants import in_progress_key_prefix
    from redis.asyncio import Redis

    from hexa.adapters.redis import arq_queue

    monkeypatch.setattr(arq_queue, "_FRONT", 3)
    await _flushed(redis_url)
    queue = arq_queue.ArqJobQueue.from_url(redis_url)
    try:
        for n in range(10):
            await queue.enqueue(a_job(f"job-{n}"))
            await asyncio.sleep(0.002)  # arq orders the queue by the time a job was due
        async with Redis.from_url(redis_url) as client:
            for running in ("job-0", "job-1"):
                await client.set(f"{in_progress_key_prefix}{running}", "1")
        assert await queue.depth() == 8
    finally:
        await queue.close()
