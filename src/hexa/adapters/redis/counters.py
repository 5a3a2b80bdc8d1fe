"""Rate limits and the API-key change counter, shared by every replica through Redis."""

from __future__ import annotations

import asyncio
import contextvars
import math
from collections.abc import Awaitable, Callable
from datetime import timedelta

from redis.asyncio import Redis

from hexa.adapters.redis.client import translated_errors
from hexa.ports.security import RateDecision

# Counting and setting the window's expiry in one step: no key is left without a TTL.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
"""


class RedisRateLimiter:
    def __init__(self, client: Redis, prefix: str = "hexa:ratelimit:") -> None:
        self._client = client
        self._prefix = prefix
        self._hit = client.register_script(_HIT)

    async def hit(self, key: str, *, limit: int, window: timedelta) -> RateDecision:
        millis = int(window.total_seconds() * 1000)
        async with translated_errors():
            count, ttl = await self._hit(keys=[self._prefix + key], args=[millis])
        if count > limit:
            return RateDecision(False, max(1, math.ceil(max(ttl, 0) / 1000)), count)
        return RateDecision(True, 0, count)

    async def reset(self, key: str) -> None:
        async with translated_errors():
            await self._client.delete(self._prefix + key)


class RedisChangeCounter:
    """Every authenticated request reads the counter, so concurrent reads share one GET
    (see `_SharedRead`): under load one round trip answers a whole burst of requests."""

    def __init__(self, client: Redis, key: str = "hexa:api-keys:changes") -> None:
        self._client = client
        self._key = key
        self._shared = _SharedRead(self._read)

    async def current(self) -> int:
        return await self._shared()

    async def _read(self) -> int:
        async with translated_errors():
            value = await self._client.get(self._key)
        return int(value or 0)

    async def bump(self) -> None:
        async with translated_errors():
            await self._client.incr(self._key)


class _SharedRead:
    """One read on the wire at a time, shared by every caller that asked before it was
    sent. A caller that asks while a read is already on the wire waits for the next one:
    the read in flight may have left before a change this caller must see (a logout that
    committed just before its request), while the next read leaves after the caller asked,
    so it sees every change announced before then. Revocation stays as instant as one
    read per caller made it; the cost is at most one extra round trip of waiting."""

    def __init__(self, read: Callable[[], Awaitable[int]]) -> None:
        self._read = read
        self._next: asyncio.Future[int] | None = None  # the read the latest callers share
        self._reader: asyncio.Task[None] | None = None

    async def __call__(self) -> int:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            # Nobody may be left to take a failure (all cancelled): retrieved here, so
            # asyncio does not log it as never retrieved.
            self._next.add_done_callback(_retrieved)
            if self._reader is None or self._reader.done():
                # Not the first caller's context: its span (and log fields) would claim
                # every later read this task makes for others.
                self._reader = asyncio.create_task(self._serve(), context=contextvars.Context())
        # A caller cancelled mid-wait must not cancel the read the others wait on.
        return await asyncio.shield(self._next)

    async def _serve(self) -> None:
        while (batch := self._next) is not None:
            self._next = None  # from here on, callers wait for the next read
            try:
                batch.set_result(await self._read())
            except Exception as error:  # each waiter gets what the read raised
                batch.set_exception(error)
            except BaseException:  # cancelled (shutdown): the waiters are told so
                batch.cancel()
                if self._next is not None:
                    self._next.cancel()
                    self._next = None
                raise


def _retrieved(future: asyncio.Future[int]) -> None:
    if not future.cancelled():
        future.exception()
