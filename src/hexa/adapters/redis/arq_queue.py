"""The `JobQueue` port over arq. Everything arq-specific lives here and in the worker
driver (`hexa.drivers.worker`), so another queue library can replace it there alone.

arq dedupes by job id (`_job_id`): enqueueing an id that is queued, running or still has
a result does nothing, which makes the outbox relay's retries harmless. Hexa enqueues as
arq's `enqueue_job` does, with the same check and the same two writes, in one script
instead of its three round trips (WATCH, EXISTS, MULTI/EXEC): a submit's busiest Redis
call. The job is serialized by arq itself, so any arq worker reads it.
"""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis, RedisSettings
from arq.constants import in_progress_key_prefix, job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms
from redis.asyncio import ConnectionPool

from hexa.adapters.redis.client import translated_errors
from hexa.domain.jobs import Job

QUEUE_NAME = "hexa:queue"
RUN_JOB = "run_job"
CRON_PREFIX = "cron:"  # arq's ids for cron runs, which share the queue with jobs

# arq keeps a job in the queue's sorted set while it runs, and cron runs pass through it
# too: the jobs still waiting are the members that are neither. Running jobs were taken
# from the front (the set is ordered by when a job is due), so only the front is looked
# at: a scrape costs one round trip and at most `_FRONT` lookups, whatever the backlog.
# (Behind a backlog longer than that, the hourly cron run may be counted as waiting.)
_FRONT = 2000
_WAITING = """
local others = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1)) do
    if string.sub(id, 1, #ARGV[1]) == ARGV[1]
            or redis.call('EXISTS', ARGV[2] .. id) == 1 then
        others = others + 1
    end
end
return redis.call('ZCARD', KEYS[1]) - others
"""


# KEYS: the job, its result, the queue. ARGV: the serialized job, its expiry (ms), its
# score (when due, ms), its id. Atomic, as arq's WATCH/MULTI is.
_ENQUEUE = """
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then
    return 0
end
redis.call('PSETEX', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
return 1
"""


def arq_redis_settings(url: str) -> RedisSettings:
    settings = RedisSettings.from_dsn(url)
    settings.conn_timeout = 5
    settings.conn_retries = 3
    return settings


def job_arguments(job: Job) -> tuple[str, str, dict[str, Any], str | None]:
    """`run_job`'s arguments after arq's context: the job, and the request that accepted
    it (copied from its outbox entry, the record a relay hands over again)."""
    return job.id, job.kind, job.payload, job.request_id


def job_keywords(job: Job) -> dict[str, str]:
    """`run_job`'s keyword arguments: the trace context of the job's acceptance, only when
    it was traced. An untraced job is called exactly as before jobs carried one, so a
    worker of that release still runs it (a rollout in either order, a rollback)."""
    return {} if job.traceparent is None else {"traceparent": job.traceparent}


class ArqJobQueue:
    def __init__(self, redis: ArqRedis) -> None:
        self._redis = redis
        self._waiting = redis.register_script(_WAITING)
        self._enqueue = redis.register_script(_ENQUEUE)

    @classmethod
    def from_url(cls, url: str) -> ArqJobQueue:
        # Connects on first use: the app starts, and accepts jobs into the outbox, even
        # while Redis is down.
        pool = ConnectionPool.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        return cls(ArqRedis(connection_pool=pool, default_queue_name=QUEUE_NAME))

    async def enqueue(self, job: Job) -> None:
        now = timestamp_ms()
        serialized = serialize_job(
            RUN_JOB,
            job_arguments(job),
            job_keywords(job),
            None,
            now,
            serializer=self._redis.job_serializer,
        )
        async with translated_errors():
            await self._enqueue(
                keys=[
                    job_key_prefix + job.id,
                    result_key_prefix + job.id,
                    self._redis.default_queue_name,
                ],
                args=[serialized, self._redis.expires_extra_ms, now, job.id],
            )

    async def depth(self) -> int:
        async with translated_errors():
            waiting = await self._waiting(
                keys=[QUEUE_NAME], args=[CRON_PREFIX, in_progress_key_prefix, _FRONT]
            )
        return int(waiting)

    async def close(self) -> None:
        await self._redis.aclose()
