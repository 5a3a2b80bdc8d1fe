"""The worker's tasks: thin translations from arq's calls to the application services."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import structlog
from arq import Retry

from hexa.bootstrap import Hexa
from hexa.domain.jobs import Job, JobKind
from hexa.drivers.worker.lease import LeaseLost, leased

MAX_BACKOFF_SECONDS = 60


async def run_job(
    ctx: dict[str, Any],
    job_id: str,
    kind: str,
    payload: dict[str, Any],
    request_id: str | None = None,  # absent from jobs queued before requests were named
    *,
    traceparent: str | None = None,  # given only for a traced acceptance
) -> None:
    """Runs the job within JOB_TIMEOUT_SECONDS, retrying transient failures with back-off.
    Every line logged meanwhile, ours or arq's, names the job and the request behind it.

    arq is given one attempt more than JOB_MAX_TRIES: if the last real attempt could not
    even record its end (its stores down, its worker killed), that extra call records the
    job `failed`. arq itself would end it silently, leaving it `running` for ever."""
    with structlog.contextvars.bound_contextvars(job_id=job_id, request_id=request_id):
        await _run(ctx, Job(job_id, JobKind(kind), payload, request_id, traceparent))


async def _run(ctx: dict[str, Any], job: Job) -> None:
    hexa: Hexa = ctx["hexa"]
    attempt: int = ctx["job_try"]
    tries = hexa.settings.job_max_tries
    if attempt > tries:
        await hexa.runner.give_up(job, f"gave up after {tries} attempts")
        return
    limit = hexa.settings.job_timeout_seconds
    try:
        async with leased(ctx["redis"], job.id, hexa.settings.worker_lease_seconds):
            async with asyncio.timeout(limit):
                await hexa.runner.run(
                    job, last_attempt=attempt == tries, retry=attempt > 1, attempt=attempt
                )
    except LeaseLost as lost:
        if lost.gone:
            return  # ended elsewhere; a retry would put it back in arq's queue
        # Another worker runs it, or will: a plain return would tell arq the job is done
        # and drop it from under that worker. A retry due after a lease keeps it queued.
        raise Retry(defer=math.ceil(hexa.settings.worker_lease_seconds)) from None
    except TimeoutError:
        if attempt < tries:
            raise Retry(defer=_backoff(attempt)) from None
        try:
            await hexa.runner.give_up(job, f"timed out after {limit} s")
        except Exception as error:  # its end not recorded: the extra call records it
            raise Retry(defer=_backoff(attempt)) from error
    except Exception as error:  # transient, and attempts remain: again, later
        raise Retry(defer=_backoff(attempt)) from error


def _backoff(attempt: int) -> int:
    return min(1 << min(attempt, 16), MAX_BACKOFF_SECONDS)


async def purge_expired(ctx: dict[str, Any]) -> dict[str, int]:
    hexa: Hexa = ctx["hexa"]
    return await hexa.housekeeping.purge()
