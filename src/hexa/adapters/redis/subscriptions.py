"""One Redis pub/sub connection per process, shared by every watcher of every job.

A WebSocket per watcher must not mean a Redis connection per watcher: a few hundred
browsers following jobs would otherwise use up Redis's clients for the whole cluster
(rate limits and key revocations included). Channels are subscribed while someone
listens; one reader task hands each message to the queues of that channel's listeners.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from hexa.adapters.redis.client import translated_errors
from hexa.domain.errors import Unavailable

log = logging.getLogger(__name__)
# Messages a slow listener may have waiting; past that it misses some (watchers of job
# progress catch up from the store when their feed goes quiet).
BACKLOG = 1000


class Listener:
    """What one subscriber hears: messages, or the failure that ended the subscription."""

    def __init__(self) -> None:
        self.messages: asyncio.Queue[str | Unavailable] = asyncio.Queue(maxsize=BACKLOG)

    def hear(self, message: str | Unavailable) -> None:
        if isinstance(message, Unavailable) and self.messages.full():
            # The end of the subscription must get through: a missed update is caught
            # up from the store, a missed failure would leave the listener waiting.
            self.messages.get_nowait()
        with contextlib.suppress(asyncio.QueueFull):
            self.messages.put_nowait(message)

    async def next(self, within: float) -> str | None:
        """The next message, or None after `within` seconds; raises `Unavailable` once
        the connection under it failed."""
        try:
            message = await asyncio.wait_for(self.messages.get(), within)
        except TimeoutError:
            return None
        if isinstance(message, Unavailable):
            raise message
        return message


class Subscriptions:
    def __init__(self, client: Redis) -> None:
        self._client = client
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._listeners: dict[str, set[Listener]] = {}
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[Listener]:
        listener = Listener()
        await self._join(channel, listener)
        try:
            yield listener
        finally:
            await self._leave(channel, listener)

    async def close(self) -> None:
        async with self._lock:
            await self._reset(None)

    async def _join(self, channel: str, listener: Listener) -> None:
        async with self._lock:
            if self._pubsub is None:
                self._pubsub = self._client.pubsub()
            if channel not in self._listeners:
                try:
                    async with translated_errors():
                        await self._pubsub.subscribe(channel)
                except Unavailable as error:
                    await self._reset(error)
                    raise
            self._listeners.setdefault(channel, set()).add(listener)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(
                    self._read(self._pubsub), name="hexa-pubsub", context=contextvars.Context()
                )  # serves every watcher: none of their contexts (spans, log fields)

    async def _leave(self, channel: str, listener: Listener) -> None:
        async with self._lock:
            listeners = self._listeners.get(channel)
            if listeners is None:
                return  # the connection failed meanwhile: nothing is subscribed any more
            listeners.discard(listener)
            if listeners:
                return
            del self._listeners[channel]
            if self._pubsub is not None:
                try:
                    async with translated_errors():
                        await self._pubsub.unsubscribe(channel)
                except Unavailable as error:
                    await self._reset(error)

    async def _read(self, pubsub: PubSub) -> None:
        while True:
            try:
                async with translated_errors():
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except Unavailable as error:
                log.warning("pub/sub connection lost: %s", error.detail)
                await self._fail(pubsub, error)
                return
            except Exception:
                # Not an outage but a bug or a reply redis-py could not parse: the
                # connection's state is unknown, so it is dropped like a lost one.
                log.exception("pub/sub reader failed")
                await self._fail(pubsub, Unavailable("the subscription failed"))
                return
            if message is None:  # a quiet second, or a subscription confirmed
                continue
            for listener in list(self._listeners.get(str(message["channel"]), ())):
                listener.hear(str(message["data"]))

    async def _fail(self, pubsub: PubSub, error: Unavailable) -> None:
        async with self._lock:
            if self._pubsub is pubsub:  # not a connection a later join opened
                await self._reset(error, reading=False)

    async def _reset(self, error: Unavailable | None, *, reading: bool = True) -> None:
        """Drops the connection; every listener hears `error` (the next `listen` opens a
        new one). Called with the lock held."""
        pubsub, reader = self._pubsub, self._reader
        self._pubsub, self._reader = None, None
        listeners, self._listeners = self._listeners, {}
        for group in listeners.values():
            for listener in group:
                listener.hear(error or Unavailable("the subscription was closed"))
        if reader is not None and reading:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        if pubsub is not None:
            with contextlib.suppress(Exception):  # a dead connection may fail to close
                await pubsub.aclose()  # type: ignore[no-untyped-call]
