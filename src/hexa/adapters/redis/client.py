"""One Redis client per process, and the translation of its errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from hexa.domain.errors import Unavailable


def connect(url: str) -> Redis:
    client: Redis = Redis.from_url(
        url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5
    )
    return client


@asynccontextmanager
async def translated_errors() -> AsyncIterator[None]:
    """Redis errors (connection, timeout, protocol) become `Unavailable` at the boundary."""
    try:
        yield
    except (RedisError, OSError) as error:
        raise Unavailable(f"Redis failed: {type(error).__name__}") from error
