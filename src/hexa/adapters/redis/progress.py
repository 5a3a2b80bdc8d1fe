"""Job progress in Redis, so any replica answers for any job, with saves fanned out to
watchers through pub/sub (a client on replica A follows a job run by a worker that
reports through replica B's Redis), over one subscription connection per process."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import orjson
from redis.asyncio import Redis

from hexa.adapters.redis.client import translated_errors
from hexa.adapters.redis.subscriptions import Listener, Subscriptions
from hexa.domain.errors import NotFound
from hexa.domain.jobs import JobKind, JobProgress, JobStatus

# Numbering, storing and announcing a save in one step: watchers hear saves in order.
_SAVE = """
local sequence = redis.call('HINCRBY', KEYS[1], 'sequence', 1)
redis.call('HSET', KEYS[1], 'progress', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], sequence .. '\\n' .. ARGV[1])
return sequence
"""
_TIMES = ("created_at", "started_at", "finished_at")


def _encoded(progress: JobProgress) -> bytes:
    # orjson writes the times as isoformat() does; non-str keys as json.dumps would.
    return orjson.dumps(
        {
            "id": progress.id,
            "kind": progress.kind,
            "status": progress.status.value,
            "processed": progress.processed,
            "total": progress.total,
            "result": progress.result,
            "error": progress.error,
            "attempts": progress.attempts,
            "created_at": progress.created_at,
            "started_at": progress.started_at,
            "finished_at": progress.finished_at,
        },
        option=orjson.OPT_NON_STR_KEYS,
    )


def _decoded(text: str, sequence: int) -> JobProgress:
    record: dict[str, Any] = orjson.loads(text)
    times = {
        name: None if record[name] is None else datetime.fromisoformat(record[name])
        for name in _TIMES
    }
    return JobProgress(
        id=record["id"],
        kind=JobKind(record["kind"]),
        status=JobStatus(record["status"]),
        processed=record["processed"],
        total=record["total"],
        result=record["result"],
        error=record["error"],
        attempts=record.get("attempts", 0),  # saved by a release that kept no count
        sequence=sequence,
        **times,  # type: ignore[arg-type]
    )


class RedisProgressFeed:
    def __init__(self, listener: Listener) -> None:
        self._listener = listener

    async def next(self, within: float) -> JobProgress | None:
        message = await self._listener.next(within)
        if message is None:
            return None
        sequence, _, text = message.partition("\n")
        return _decoded(text, int(sequence))


class RedisProgressStore:
    def __init__(
        self, client: Redis, *, keep: timedelta = timedelta(days=7), prefix: str = "hexa:job:"
    ) -> None:
        self._client = client
        self._keep = int(keep.total_seconds())
        self._prefix = prefix
        self._save = client.register_script(_SAVE)
        self._subscriptions = Subscriptions(client)

    def _keys(self, job_id: str) -> tuple[str, str]:
        return f"{self._prefix}{job_id}", f"{self._prefix}{job_id}:progress"

    async def save(self, progress: JobProgress) -> JobProgress:
        async with translated_errors():
            sequence = await self._save(
                keys=list(self._keys(progress.id)), args=[_encoded(progress), self._keep]
            )
        return dataclasses.replace(progress, sequence=int(sequence))

    async def get(self, job_id: str) -> JobProgress:
        async with translated_errors():
            text, sequence = await self._client.hmget(  # type: ignore[misc]
                self._keys(job_id)[0], ["progress", "sequence"]
            )
        if text is None:
            raise NotFound(f"job {job_id} not found")
        return _decoded(text, int(sequence or 0))

    async def forget(self, job_id: str) -> None:
        async with translated_errors():
            await self._client.delete(self._keys(job_id)[0])

    @asynccontextmanager
    async def watch(self, job_id: str) -> AsyncIterator[RedisProgressFeed]:
        async with self._subscriptions.listen(self._keys(job_id)[1]) as listener:
            yield RedisProgressFeed(listener)

    async def close(self) -> None:
        await self._subscriptions.close()
