"""Rate limits and the API-key change counter, shared by every replica through Redis."""

from __future__ import annotations

import math
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
    def __init__(self, client: Redis, key: str = "hexa:api-keys:changes") -> None:
        self._client = client
        self._key = key

    async def current(self) -> int:
        async with translated_errors():
            value = await self._client.get(self._key)
        return int(value or 0)

    async def bump(self) -> None:
        async with translated_errors():
            await self._client.incr(self._key)
