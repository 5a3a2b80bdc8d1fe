"""The worker's heartbeat: a key with a TTL, so its absence means no worker is alive."""

from __future__ import annotations

from datetime import datetime, timedelta

from redis.asyncio import Redis

from hexa.adapters.redis.client import translated_errors

HEARTBEAT_KEY = "hexa:worker:heartbeat"


class RedisHeartbeat:
    def __init__(self, client: Redis, key: str = HEARTBEAT_KEY) -> None:
        self._client = client
        self._key = key

    async def beat(self, now: datetime, *, ttl: timedelta) -> None:
        async with translated_errors():
            await self._client.set(self._key, now.isoformat(), ex=ttl)

    async def last(self) -> datetime | None:
        async with translated_errors():
            value = await self._client.get(self._key)
        return None if value is None else datetime.fromisoformat(value)
