"""API keys in Redis: a hash per key (`version`, `record`), a sorted set for paging.

Writes are staged in the unit of work and applied at commit by scripts that check the
stored version first, so a stale update or deletion never lands (optimistic concurrency in
the write).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from hexa.adapters.records import api_key_from, api_key_record
from hexa.adapters.redis.client import connect, translated_errors
from hexa.adapters.staging import Op, StagedWrites, Write, check_write
from hexa.domain.api_keys import ApiKey
from hexa.domain.errors import Conflict, NotFound, StaleVersion

KEY = "hexa:api-key:"
INDEX = "hexa:api-keys"
_NOT_FOUND, _WRITTEN = -1, -2
_BATCH = 500

# KEYS: the key's hash, the index. ARGV: expected version ('' to add), new version, record.
_WRITE = """
local stored = redis.call('HGET', KEYS[1], 'version')
if ARGV[1] == '' then
  if stored then return tonumber(stored) end
  redis.call('ZADD', KEYS[2], 0, ARGV[4])
else
  if not stored then return -1 end
  if tonumber(stored) ~= tonumber(ARGV[1]) then return tonumber(stored) end
end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'record', ARGV[3])
return -2
"""
# KEYS: the key's hash, the index. ARGV: expected version ('' for any), kid.
_DELETE = """
local stored = redis.call('HGET', KEYS[1], 'version')
if not stored then return -1 end
if ARGV[1] ~= '' and tonumber(stored) ~= tonumber(ARGV[1]) then return tonumber(stored) end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return -2
"""
_DATES = ("created_at", "expires_at", "last_used_at", "revoked_at", "previous_valid_until")


def _encode(key: ApiKey) -> str:
    record = api_key_record(key)
    return json.dumps(
        {k: v.isoformat() if isinstance(v, datetime) else v for k, v in record.items()}
    )


def _decode(text: str) -> ApiKey:
    record: dict[str, Any] = json.loads(text)
    for name in _DATES:
        if record[name] is not None:
            record[name] = datetime.fromisoformat(record[name])
    return api_key_from(record)


class RedisApiKeyRepository:
    def __init__(self, client: Redis, staged: StagedWrites[ApiKey]) -> None:
        self._client = client
        self._staged = staged
        self._write = client.register_script(_WRITE)
        self._delete = client.register_script(_DELETE)

    async def _stored(self, kid: str) -> ApiKey | None:
        async with translated_errors():
            text: str | None = await self._client.hget(KEY + kid, "record")  # type: ignore[misc]
        return None if text is None else _decode(text)

    async def _current(self, kid: str) -> ApiKey | None:
        if self._staged.knows(kid):
            return self._staged.latest(kid)
        return await self._stored(kid)

    async def get(self, kid: str) -> ApiKey:
        key = await self._current(kid)
        if key is None:
            raise NotFound(f"API key {kid} not found")
        return key

    async def find(self, kid: str) -> ApiKey | None:
        return await self._current(kid)

    async def add(self, key: ApiKey) -> None:
        self._staged.stage(Write(Op.ADD, key.kid, key, None), await self._current(key.kid))

    async def update(self, key: ApiKey, *, expected_version: int) -> None:
        write = Write(Op.UPDATE, key.kid, key, expected_version)
        self._staged.stage(write, await self._current(key.kid))

    async def page(self, *, limit: int, after: str | None = None) -> list[ApiKey]:
        start = "-" if after is None else f"({after}"
        async with translated_errors():
            kids = await self._client.zrangebylex(
                INDEX, start, "+", start=0, num=limit + len(self._staged.writes)
            )
        merged = self._staged.overlay(await self._records(kids))
        return [k for k in merged if after is None or k.kid > after][:limit]

    async def purge_expired(self, *, before: datetime) -> int:
        # No index by date: every key is read. There are few, and this runs rarely.
        async with translated_errors():
            kids = await self._client.zrange(INDEX, 0, -1)
        stored: list[ApiKey] = []
        for start in range(0, len(kids), _BATCH):
            stored += await self._records(kids[start : start + _BATCH])
        ended = [k for k in self._staged.overlay(stored) if k.ended_before(before)]
        for key in ended:
            self._staged.stage(Write(Op.DELETE, key.kid, None, key.version), key)
        return len(ended)

    async def _records(self, kids: list[str]) -> list[ApiKey]:
        async with translated_errors():
            pipeline = self._client.pipeline(transaction=False)
            for kid in kids:
                pipeline.hget(KEY + kid, "record")
            texts = await pipeline.execute()
        return [_decode(t) for t in texts if t is not None]

    async def apply(self) -> None:
        for write in self._staged.writes:
            async with translated_errors():
                outcome = await self._replay(write)
            if outcome == _WRITTEN:
                continue
            if write.op is Op.ADD:
                raise Conflict(f"API key {write.id} already exists")
            if outcome == _NOT_FOUND:
                raise NotFound(f"API key {write.id} not found")
            check_write("API key", write, await self._stored(write.id))
            raise StaleVersion(f"API key {write.id} changed while being written")
        self._staged.clear()

    async def _replay(self, write: Write[ApiKey]) -> Any:
        keys = [KEY + write.id, INDEX]
        if write.op is Op.DELETE:
            expected = "" if write.expected_version is None else str(write.expected_version)
            return await self._delete(keys=keys, args=[expected, write.id])
        assert write.entity is not None
        expected = "" if write.op is Op.ADD else str(write.expected_version)
        return await self._write(
            keys=keys, args=[expected, write.entity.version, _encode(write.entity), write.id]
        )

    def discard(self) -> None:
        self._staged.clear()


class RedisSession:
    """Redis serves one port: API keys (API_KEYS_BACKEND=redis)."""

    def __init__(self, client: Redis) -> None:
        self.api_keys = RedisApiKeyRepository(client, StagedWrites("API key"))

    def repository(self, port: str) -> object | None:
        return self.api_keys if port == "api_keys" else None

    async def commit(self) -> None:
        try:
            await self.api_keys.apply()
        finally:
            self.api_keys.discard()

    async def rollback(self) -> None:
        self.api_keys.discard()

    async def close(self) -> None:
        self.api_keys.discard()


class RedisDatabase:
    def __init__(self, client: Redis) -> None:
        self.client = client

    @classmethod
    def from_url(cls, url: str) -> RedisDatabase:
        return cls(connect(url))

    def session(self, *, read_only: bool = False, one_write: bool = False) -> RedisSession:
        return RedisSession(self.client)

    async def ping(self) -> None:
        async with translated_errors():
            await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()
