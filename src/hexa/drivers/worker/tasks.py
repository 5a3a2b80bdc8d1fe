"""The worker's tasks: thin translations from arq's calls to the application services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from arq import ArqRedis, Retry
from arq.constants import in_progress_key_prefix
from redis.exceptions import RedisError

from hexa.bootstrap import Hexa
from hexa.domain.jobs import Job, JobKind

log = logging.getLogger("hexa.worker")
MAX_BACKOFF_SECONDS = 60


async def run_job(ctx: dict[str, Any], job_id: str, kind: str, payload: dict[str, Any]) -> None:
    """Runs the job within JOB_TIMEOUT_SECONDS, retrying transient failures with back-off.

    arq is given one attempt more than JOB_MAX_TRIES: if the last real attempt could not
    even record its end (its stores down, its worker killed), that extra call records the
    job `failed`. arq itself would end it silently, leaving it `running` for ever."""
    hexa: Hexa = ctx["hexa"]
    attempt: int = ctx["job_try"]
    tries = hexa.settings.job_max_tries
    job = Job(job_id, JobKind(kind), payload)
    if attempt > tries:
        await hexa.validation.give_up(job, f"gave up after {tries} attempts")
        return
    limit = hexa.settings.job_timeout_seconds
    try:
        async with leased(ctx["redis"], job_id, hexa.settings.worker_lease_seconds):
            async with asyncio.timeout(limit):
                await hexa.validation.run(job, last_attempt=attempt == tries)
    except TimeoutError:
        if attempt == tries:
            await hexa.validation.give_up(job, f"timed out after {limit} s")
            return
        raise Retry(defer=_backoff(attempt)) from None
    except Exception as error:  # transient, and attempts remain: again, later
        raise Retry(defer=_backoff(attempt)) from error


@asynccontextmanager
async def leased(redis: ArqRedis, job_id: str, seconds: float) -> AsyncIterator[None]:
    """Holds the job's lock (arq's in-progress key) for `seconds` at a time, renewed
    while the job runs here. arq alone holds it for the whole job timeout, so the job of a
    worker that died would wait that long before another worker ran it."""
    key = in_progress_key_prefix + job_id

    async def renew() -> None:
        while True:
            try:
                await redis.pexpire(key, int(seconds * 1000))
            except RedisError:  # Redis away: the job will end or be run again anyway
                log.warning("could not renew the lock of job %s", job_id)
            await asyncio.sleep(seconds / 3)

    renewing = asyncio.create_task(renew(), name=f"hexa-lease-{job_id}")
    try:
        yield
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing


def _backoff(attempt: int) -> int:
    return min(1 << min(attempt, 16), MAX_BACKOFF_SECONDS)


async def purge_expired(ctx: dict[str, Any]) -> dict[str, int]:
    hexa: Hexa = ctx["hexa"]
    return await hexa.housekeeping.purge()
