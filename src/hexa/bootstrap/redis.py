"""The Redis family: state every replica shares, the worker's heartbeat, API keys.

Opened when REDIS_URL (or REDIS_HOST) is set; the arq queue has a module of its own
(`hexa.bootstrap.arq`), since a project may keep Redis without the worker.
"""

from __future__ import annotations

import functools
from contextlib import AsyncExitStack

from hexa.adapters.redis.api_keys import RedisDatabase
from hexa.adapters.redis.client import connect
from hexa.adapters.redis.counters import RedisChangeCounter, RedisRateLimiter
from hexa.adapters.redis.heartbeat import RedisHeartbeat
from hexa.adapters.redis.job_tally import RedisJobTally
from hexa.adapters.redis.progress import RedisProgressStore
from hexa.bootstrap.bundle import HealthCheck
from hexa.bootstrap.families import Database
from hexa.bootstrap.shared import SharedState
from hexa.config import ConfigError, Settings
from hexa.ports.clock import Clock


async def open_backend(settings: Settings) -> Database:
    """Redis as a repository backend: API keys only."""
    assert settings.resolved_redis_url is not None  # Settings refuse redis without a URL
    return RedisDatabase.from_url(settings.resolved_redis_url)


def shared_state(settings: Settings, clock: Clock, stack: AsyncExitStack) -> SharedState:
    assert settings.resolved_redis_url is not None
    client = connect(settings.resolved_redis_url)
    stack.push_async_callback(client.aclose)
    progress = RedisProgressStore(client)
    stack.push_async_callback(progress.close)  # before the client it listens through
    tally = RedisJobTally(client)
    stack.push_async_callback(tally.close)  # its last counts, before the client goes

    async def ping() -> None:
        await client.ping()

    return SharedState(
        RedisRateLimiter(client),
        RedisChangeCounter(client),
        RedisChangeCounter(client, key="hexa:sign-ins:changes"),
        functools.cache(lambda name: RedisChangeCounter(client, key=f"hexa:{name}:changes")),
        progress,
        tally,
        RedisHeartbeat(client),
        (HealthCheck("redis", ping),),
    )


async def worker_heartbeat(settings: Settings) -> bool:
    """Whether any worker beat within HEARTBEAT_TTL; raises `Unavailable` when Redis
    cannot be reached, `ConfigError` when none is set."""
    if settings.resolved_redis_url is None:
        raise ConfigError("the worker's heartbeat is in Redis: set REDIS_URL (or REDIS_HOST)")
    client = connect(settings.resolved_redis_url)
    try:
        return await RedisHeartbeat(client).last() is not None
    finally:
        await client.aclose()
