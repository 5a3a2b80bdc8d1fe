"""The worker's tasks: thin translations from arq's calls to the application services."""

from __future__ import annotations

from typing import Any

from arq import Retry

from hexa.bootstrap import HEARTBEAT_TTL, Hexa
from hexa.domain.jobs import Job, JobKind

MAX_BACKOFF_SECONDS = 60


async def run_job(ctx: dict[str, Any], job_id: str, kind: str, payload: dict[str, Any]) -> None:
    hexa: Hexa = ctx["hexa"]
    attempt: int = ctx["job_try"]
    last_attempt = attempt >= hexa.settings.job_max_tries
    try:
        await hexa.validation.run(Job(job_id, JobKind(kind), payload), last_attempt=last_attempt)
    except Exception as error:  # transient, and attempts remain: again, later
        raise Retry(defer=min(2**attempt, MAX_BACKOFF_SECONDS)) from error


async def relay_outbox(ctx: dict[str, Any]) -> int:
    hexa: Hexa = ctx["hexa"]
    return await hexa.jobs.relay()


async def beat(ctx: dict[str, Any]) -> None:
    hexa: Hexa = ctx["hexa"]
    await hexa.heartbeat.beat(hexa.clock.now(), ttl=HEARTBEAT_TTL)


async def purge_expired(ctx: dict[str, Any]) -> dict[str, int]:
    hexa: Hexa = ctx["hexa"]
    return await hexa.housekeeping.purge()
