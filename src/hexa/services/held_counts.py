"""Counts kept in the process and written together, once every `hold_seconds`.

Something counted hundreds of times a second (jobs ended, findings, inspections made)
costs one write a second this way, not one a count: whoever counts pays a dict update.
What is kept is written when it closes, and when a reader asks to `flush` first; a write
that fails keeps its counts for the next one (counted twice if the store applied it but
its answer was lost: a second of counts, against losing them to every outage). A process
killed outright loses at most its last second of counts.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from hexa.domain.errors import Unavailable

K = TypeVar("K", bound=Hashable)
log = logging.getLogger(__name__)


class HeldCounts(Generic[K]):
    def __init__(
        self,
        write: Callable[[Counter[K]], Awaitable[None]],
        *,
        what: str,
        hold_seconds: float = 1.0,
    ) -> None:
        """`write` adds the counts it is given to the store's, in one write, or raises
        `Unavailable`; `what` names the counts in log lines and the writing task."""
        self._write = write
        self._what = what
        self._hold = hold_seconds
        self._counts: Counter[K] = Counter()
        # One write at a time: a reader's `flush` waits for one under way, so what it
        # reads next holds every count added before it asked.
        self._write_turn = asyncio.Lock()
        self._writing: asyncio.Task[None] | None = None
        self._sleeping = False  # the writing task may be cancelled: nothing is in flight
        self._closed = False

    def add(self, key: K, amount: float = 1) -> None:
        """Counts `amount` more of `key`, written within `hold_seconds`. After `close`,
        counts nothing."""
        if self._closed:
            return
        self._counts[key] += amount  # type: ignore[assignment]
        if self._writing is None:
            self._sleeping = True  # not started yet: nothing in flight, it may be cancelled
            self._writing = asyncio.get_running_loop().create_task(
                self._write_later(),
                name=f"hexa-held-{self._what}",
                context=contextvars.Context(),  # writes for every caller: none's span
            )

    async def flush(self) -> None:
        """Writes the counts kept so far, after any write under way; on failure keeps them
        for the next write and raises `Unavailable`."""
        async with self._write_turn:
            counts = self._counts
            if not counts:
                return
            self._counts = Counter()
            try:
                await self._write(counts)
            except BaseException:
                self._counts.update(counts)
                raise

    async def close(self) -> None:
        """Writes what is kept; a failure is logged, as a lost count is not worth more.
        Counts added after are not written."""
        self._closed = True
        writing = self._writing
        if writing is not None:
            if self._sleeping:  # never cancelled mid-write: the store may have applied it
                writing.cancel()
            await asyncio.wait([writing])
        try:
            await self.flush()
        except Unavailable as error:
            log.warning("%s not written at close: %s", self._what, error.detail)

    async def _write_later(self) -> None:
        try:
            while True:  # until all is written: counts kept through a short outage too
                self._sleeping = True
                try:
                    await asyncio.sleep(self._hold)
                finally:
                    self._sleeping = False
                try:
                    await self.flush()
                except Unavailable as error:
                    log.warning("%s not written yet: %s", self._what, error.detail)
                if self._closed or not self._counts:
                    return  # (closing: `close` writes what is left, once)
        finally:
            self._writing = None
