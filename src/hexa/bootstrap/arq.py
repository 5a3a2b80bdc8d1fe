"""The arq family: jobs go to Redis for `hexa worker` processes, which run the chores."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

from hexa.adapters.redis.arq_queue import (
    QUEUE_NAME,
    RUN_JOB,
    ArqJobQueue,
    arq_redis_settings,
    job_arguments,
)
from hexa.bootstrap.shared import Queueing
from hexa.config import ConfigError, Settings
from hexa.domain.jobs import Job


def job_queue(settings: Settings, stack: AsyncExitStack) -> Queueing:
    assert settings.resolved_redis_url is not None  # Settings refuse arq without Redis
    queue = ArqJobQueue.from_url(settings.resolved_redis_url)
    stack.push_async_callback(queue.close)
    return Queueing(queue, lambda runner, dispatcher, housekeeping: None)


@dataclass(frozen=True, slots=True)
class QueueWiring:
    """What a worker driver needs to consume the queue the app fills."""

    redis_settings: object  # arq.connections.RedisSettings, opaque outside the adapter
    queue_name: str
    run_job: str
    job_arguments: Callable[[Job], tuple[object, ...]]


def queue_wiring(settings: Settings) -> QueueWiring:
    if settings.resolved_redis_url is None:
        raise ConfigError("the worker needs Redis: set REDIS_URL (or REDIS_HOST)")
    return QueueWiring(
        arq_redis_settings(settings.resolved_redis_url), QUEUE_NAME, RUN_JOB, job_arguments
    )
