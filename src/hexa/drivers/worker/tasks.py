"""The worker's tasks: thin translations from arq's calls to the application services."""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
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
    except LeaseLost:
        # The worker holding the lease now ends the job. A plain return would tell arq
        # the job is done and make it drop the job from under that worker; a retry due
        # after a lease leaves it queued, and by then that worker has renewed its lock.
        raise Retry(defer=math.ceil(hexa.settings.worker_lease_seconds)) from None
    except TimeoutError:
        if attempt < tries:
            raise Retry(defer=_backoff(attempt)) from None
        try:
            await hexa.validation.give_up(job, f"timed out after {limit} s")
        except Exception as error:  # its end not recorded: the extra call records it
            raise Retry(defer=_backoff(attempt)) from error
    except Exception as error:  # transient, and attempts remain: again, later
        raise Retry(defer=_backoff(attempt)) from error


class LeaseLost(Exception):
    """Another worker took the job: this one stopped running it."""


# The lock is ours while it holds our token; a lock that lapsed is taken again only if no
# other worker took it meanwhile. (arq itself only asks whether the lock exists.)
_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if not holder then
    return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') and 1 or 0
end
return 0
"""


@asynccontextmanager
async def leased(redis: ArqRedis, job_id: str, seconds: float) -> AsyncIterator[None]:
    """Holds the job's lock (arq's in-progress key) for `seconds` at a time, renewed
    while the job runs here. arq alone holds it for the whole job timeout, so the job of a
    worker that died would wait that long before another worker ran it.

    If the lock lapsed (Redis away for longer than a lease) and another worker took it,
    the job runs there now: it is stopped here and `LeaseLost` raised, so that two runs
    do not race each other."""
    key = in_progress_key_prefix + job_id
    token, ttl = secrets.token_hex(8), int(seconds * 1000)
    renew_lock = redis.register_script(_RENEW)
    body = asyncio.current_task()
    lost = False

    async def renew() -> None:
        nonlocal lost
        marked = False
        while True:
            try:
                if not marked:  # arq took the lock for this run: it becomes our token's
                    await redis.set(key, token, px=ttl, xx=True)
                    marked = True
                held = await renew_lock(keys=[key], args=[token, ttl])
            except RedisError:  # Redis away: the job will end or be run again anyway
                log.warning("could not renew the lock of job %s", job_id)
            else:
                if not held:
                    log.warning("job %s is run by another worker now; stopped here", job_id)
                    lost = True
                    if body is not None:
                        body.cancel()
                    return
            await asyncio.sleep(seconds / 3)

    renewing = asyncio.create_task(renew(), name=f"hexa-lease-{job_id}")
    try:
        yield
    except asyncio.CancelledError:
        if not lost or body is None or body.uncancel() > 0:
            raise  # cancelled from outside too (a shutdown): that wins
        raise LeaseLost(job_id) from None
    finally:
        renewing.cancel()
        await asyncio.wait([renewing])  # unlike awaiting it, lets our own cancel through


def _backoff(attempt: int) -> int:
    return min(1 << min(attempt, 16), MAX_BACKOFF_SECONDS)


async def purge_expired(ctx: dict[str, Any]) -> dict[str, int]:
    hexa: Hexa = ctx["hexa"]
    return await hexa.housekeeping.purge()
