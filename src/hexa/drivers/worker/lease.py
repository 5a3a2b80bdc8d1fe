"""A running job's lease: arq's in-progress key, held for a few seconds at a time.

arq alone holds that lock for the whole job timeout, so the job of a worker that died
would wait that long before another worker ran it. Here the lock lasts one lease and the
worker running the job renews it, with its own token in it (arq only asks whether the
lock exists, never what it holds). A run goes on only while it knows the lock is its own:

- a renewal that finds another worker's lock means the job runs there now;
- a renewal that finds the job gone from arq means it ended elsewhere (or Redis lost it);
- renewals failing for most of a lease mean the lock may lapse before the next one.

In each case the run is stopped (its task cancelled) and `LeaseLost` raised: two runs of
one job must not race each other's side effects.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from arq import ArqRedis
from arq.constants import in_progress_key_prefix, job_key_prefix

log = logging.getLogger("hexa.worker")

_HELD, _TAKEN, _GONE = 1, 0, -1
# KEYS: the lock, the arq job. ARGV: our token, the lease in ms. A free lock is taken
# again only while arq still has the job: a job that ended elsewhere stays ended.
_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
if holder then
    return 0
end
if redis.call('EXISTS', KEYS[2]) == 0 then
    return -1
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""


class LeaseLost(Exception):
    """The run was stopped: the job runs elsewhere (`gone` False), or arq no longer has
    it (`gone` True)."""

    def __init__(self, job_id: str, *, gone: bool) -> None:
        super().__init__(job_id)
        self.gone = gone


@asynccontextmanager
async def leased(redis: ArqRedis, job_id: str, seconds: float) -> AsyncIterator[None]:
    """Holds the job's lock for `seconds` at a time while the block runs; see the module
    docstring for when the block is stopped and `LeaseLost` raised instead."""
    lock, job_key = in_progress_key_prefix + job_id, job_key_prefix + job_id
    token, ttl = secrets.token_hex(8), int(seconds * 1000)
    renew_lock = redis.register_script(_RENEW)
    body = asyncio.current_task()
    assert body is not None
    lost: LeaseLost | None = None

    def stop(why: str, *, gone: bool) -> None:
        nonlocal lost
        log.warning("job %s stopped here: %s", job_id, why)
        lost = LeaseLost(job_id, gone=gone)
        body.cancel()

    async def renew() -> None:
        marked = False
        held_at = time.monotonic()  # arq took the lock for this run a moment ago
        while True:
            try:
                if marked:
                    state = await renew_lock(keys=[lock, job_key], args=[token, ttl])
                else:  # arq's lock becomes our token's; a lock gone is the script's case
                    taken = await redis.set(lock, token, px=ttl, xx=True)
                    state = (
                        _HELD
                        if taken
                        else await renew_lock(keys=[lock, job_key], args=[token, ttl])
                    )
                    marked = True
            except Exception as error:  # Redis away, most likely: the lock may lapse
                if time.monotonic() - held_at >= seconds * 2 / 3:
                    return stop(f"its lock could not be renewed: {error!r}", gone=False)
                log.warning("could not renew the lock of job %s: %r", job_id, error)
            else:
                if state == _TAKEN:
                    return stop("another worker runs it now", gone=False)
                if state == _GONE:
                    return stop("the queue no longer has it", gone=True)
                held_at = time.monotonic()
            await asyncio.sleep(seconds / 3)

    renewing = asyncio.create_task(renew(), name=f"hexa-lease-{job_id}")
    try:
        yield
    except BaseException:
        if lost is None:
            raise
        body.uncancel()  # ours; any other cancel (a shutdown) stays requested
        raise lost from None
    finally:
        if not renewing.done():  # done when it stopped us: then nothing is awaited here,
            renewing.cancel()  # where a cancel of ours not yet delivered would land
            await asyncio.wait([renewing])  # unlike awaiting it, lets our own cancel through
    if lost is not None:  # the block ended before our cancel reached it
        body.uncancel()
        raise lost
