"""arq's worker options, built from Hexa's settings; the graph lives for the worker's life."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from arq import cron, func

from hexa import bootstrap
from hexa.config import Settings
from hexa.drivers.worker import tasks


def worker_options(settings: Settings) -> dict[str, Any]:
    wiring = bootstrap.queue_wiring(settings)

    async def startup(ctx: dict[str, Any]) -> None:
        stack = AsyncExitStack()
        ctx["stack"] = stack
        ctx["hexa"] = await stack.enter_async_context(bootstrap.build(settings, start_jobs=False))

    async def shutdown(ctx: dict[str, Any]) -> None:
        if "stack" in ctx:
            await ctx["stack"].aclose()

    return {
        "functions": [
            func(
                tasks.run_job,
                name=wiring.run_job,
                max_tries=settings.job_max_tries,
                timeout=settings.job_timeout_seconds,
            )
        ],
        "cron_jobs": [
            cron(tasks.relay_outbox, second=set(range(0, 60, 5)), run_at_startup=True),
            cron(tasks.beat, second=set(range(0, 60, 10)), run_at_startup=True),
            cron(tasks.purge_expired, minute=17, second=0),
        ],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": wiring.redis_settings,
        "queue_name": wiring.queue_name,
        # On SIGTERM, stop taking jobs and give the one in hand this long; a job still
        # running then is cancelled and arq runs it again (it restarts from the top).
        "job_completion_wait": settings.worker_shutdown_grace_seconds,
        # Also bounds how long a job held by a worker that died stays locked: arq frees it
        # this long (+10 s) after it started, and another worker runs it again.
        "job_timeout": settings.job_timeout_seconds,
        "max_jobs": 4,
        "keep_result": 3600,
        "poll_delay": 0.2,
    }


def worker_settings_class(settings: Settings) -> type:
    return type("WorkerSettings", (), worker_options(settings))
