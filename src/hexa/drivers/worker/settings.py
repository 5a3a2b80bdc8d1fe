"""arq's worker options, built from Hexa's settings; the graph lives for the worker's life."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

from arq import cron, func

from hexa import bootstrap
from hexa.bootstrap import HEARTBEAT_TTL, RELAY_EVERY_SECONDS, Hexa
from hexa.bootstrap.arq import queue_wiring
from hexa.config import Settings
from hexa.drivers.worker import tasks

log = logging.getLogger("hexa.worker")
BEAT_EVERY_SECONDS = 10.0
# Time a job that ran out of its own has left to record that it failed.
GIVE_UP_SECONDS = 10


def worker_options(settings: Settings) -> dict[str, Any]:
    wiring = queue_wiring(settings)

    async def startup(ctx: dict[str, Any]) -> None:
        stack = AsyncExitStack()
        ctx["stack"] = stack
        hexa = await stack.enter_async_context(bootstrap.build(settings, start_jobs=False))
        ctx["hexa"] = hexa
        # Plain tasks rather than arq cron jobs: those queue behind the jobs waiting, so
        # under a backlog the heartbeat would lapse exactly when the worker is busiest.
        bootstrap.run_every(stack, "heartbeat", BEAT_EVERY_SECONDS, _beat(hexa))
        bootstrap.run_every(stack, "outbox-relay", RELAY_EVERY_SECONDS, hexa.jobs.relay)

    async def shutdown(ctx: dict[str, Any]) -> None:
        await close_graph(ctx)

    return {
        "functions": [
            func(
                tasks.run_job,
                name=wiring.run_job,
                # One call more than the attempts, to record a job that ran out of them.
                max_tries=settings.job_max_tries + 1,
                # run_job enforces JOB_TIMEOUT_SECONDS itself and then records the
                # failure; arq's own limit is only the backstop.
                timeout=settings.job_timeout_seconds + GIVE_UP_SECONDS,
            )
        ],
        # arq keeps no cron result by default; a kept one stops a worker that lags from
        # enqueueing the same hourly run twice.
        "cron_jobs": [cron(tasks.purge_expired, minute=17, second=0, keep_result=3600)],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": wiring.redis_settings,
        "queue_name": wiring.queue_name,
        # On SIGTERM, stop taking jobs and give the one in hand this long; a job still
        # running then is cancelled and arq runs it again (it restarts from the top).
        "job_completion_wait": settings.worker_shutdown_grace_seconds,
        # The lock of a running job is our lease (tasks.leased), renewed while it runs: a
        # worker that died frees its job within WORKER_LEASE_SECONDS.
        "job_timeout": settings.job_timeout_seconds,
        "max_jobs": settings.worker_max_jobs,
        # No result kept: Hexa records a job's end itself, and a kept result would make
        # arq refuse the relay's hand-over of a job whose end could not be recorded.
        "keep_result": 0,
        # An idle worker asks Redis for new jobs this often: a job waits 25 ms on average
        # before it starts (100 ms at 0.2 s, a sixth of a 100,000-row packet's run), for
        # 20 cheap reads a second.
        "poll_delay": 0.05,
    }


async def close_graph(ctx: dict[str, Any]) -> None:
    """Closes what start-up opened; safe to call twice (arq skips its shutdown hook when
    Redis fails under it, so `hexa worker` calls this itself then)."""
    stack: AsyncExitStack | None = ctx.pop("stack", None)
    if stack is not None:
        await stack.aclose()


def _beat(hexa: Hexa) -> Callable[[], Awaitable[None]]:
    async def beat() -> None:
        await hexa.heartbeat.beat(hexa.clock.now(), ttl=HEARTBEAT_TTL)

    return beat


def worker_settings_class(settings: Settings) -> type:
    return type("WorkerSettings", (), worker_options(settings))
