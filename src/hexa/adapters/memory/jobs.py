"""Jobs run as background tasks of the app's own process, with progress kept in memory.

This is the embedded mode: no Redis, no worker process. Jobs accepted here live only as
long as the process; the arq adapter is the durable one.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import structlog

from hexa.domain.errors import NotFound
from hexa.domain.jobs import (
    Durations,
    Job,
    JobKind,
    JobOutcome,
    JobProgress,
    JobTotals,
    duration_bucket,
)
from hexa.ports.clock import Clock
from hexa.ports.jobs import JobHandler

log = logging.getLogger(__name__)

# Enough ids to make a retried enqueue a no-op long after the first, without growing
# for ever in a long-lived process.
_REMEMBERED_IDS = 100_000


class InProcessJobQueue:
    def __init__(self, *, concurrency: int = 4, grace_seconds: float = 5.0) -> None:
        self._concurrency = concurrency
        self._grace = grace_seconds
        self._pending: asyncio.Queue[Job] = asyncio.Queue()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._workers: list[asyncio.Task[None]] = []

    def start(self, handler: JobHandler) -> None:
        """Starts the worker tasks; call from inside the running event loop."""
        self._workers = [
            asyncio.create_task(self._work(handler), name=f"hexa-job-worker-{n}")
            for n in range(self._concurrency)
        ]

    async def enqueue(self, job: Job) -> None:
        if job.id in self._seen:
            return
        self._seen[job.id] = None
        if len(self._seen) > _REMEMBERED_IDS:
            self._seen.popitem(last=False)
        self._pending.put_nowait(job)

    async def depth(self) -> int:
        return self._pending.qsize()

    async def drain(self) -> None:
        """Waits until every accepted job has run (tests, and a graceful stop)."""
        await self._pending.join()

    async def close(self) -> None:
        """Gives jobs in hand a grace period, then cancels the workers."""
        if not self._workers:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._pending.join(), self._grace)
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []

    async def _work(self, handler: JobHandler) -> None:
        while True:
            job = await self._pending.get()
            # Every line of the run, its failure's too, names the job and its request.
            with structlog.contextvars.bound_contextvars(job_id=job.id, request_id=job.request_id):
                try:
                    await handler(job)
                except Exception:
                    # Not ended (its end could not be recorded, say): the relay's next
                    # hand-over must run it again, not be taken for a duplicate.
                    self._seen.pop(job.id, None)
                    log.exception("in-process job %s (%s) failed", job.id, job.kind)
                finally:
                    self._pending.task_done()


class MemoryProgressFeed:
    def __init__(self) -> None:
        self.saves: asyncio.Queue[JobProgress] = asyncio.Queue(maxsize=1000)

    async def next(self, within: float) -> JobProgress | None:
        try:
            return await asyncio.wait_for(self.saves.get(), within)
        except TimeoutError:
            return None


class MemoryProgressStore:
    def __init__(self) -> None:
        self._progress: dict[str, JobProgress] = {}
        self._feeds: dict[str, set[MemoryProgressFeed]] = {}

    async def save(self, progress: JobProgress) -> JobProgress:
        previous = self._progress.get(progress.id)
        saved = dataclasses.replace(progress, sequence=previous.sequence + 1 if previous else 1)
        self._progress[progress.id] = saved
        for feed in self._feeds.get(progress.id, ()):
            with contextlib.suppress(asyncio.QueueFull):  # a stalled watcher misses saves
                feed.saves.put_nowait(saved)
        return saved

    @contextlib.asynccontextmanager
    async def watch(self, job_id: str) -> AsyncIterator[MemoryProgressFeed]:
        feed = MemoryProgressFeed()
        self._feeds.setdefault(job_id, set()).add(feed)
        try:
            yield feed
        finally:
            self._feeds[job_id].discard(feed)
            if not self._feeds[job_id]:
                del self._feeds[job_id]

    async def forget(self, job_id: str) -> None:
        self._progress.pop(job_id, None)

    async def get(self, job_id: str) -> JobProgress:
        try:
            return self._progress[job_id]
        except KeyError:
            raise NotFound(f"job {job_id} not found") from None


class InProcessHeartbeat:
    """With jobs run inside the app, the worker is alive exactly when the app is."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def beat(self, now: datetime, *, ttl: timedelta) -> None:
        """Nothing to record."""

    async def last(self) -> datetime | None:
        return self._clock.now()


class MemoryJobTally:
    """The tally of one process: right when jobs run where they are reported (no Redis)."""

    def __init__(self) -> None:
        self._outcomes: Counter[tuple[JobKind, JobOutcome]] = Counter()
        self._durations: dict[JobKind, Durations] = {}

    async def record(
        self, kind: JobKind, outcome: JobOutcome, *, seconds: float | None = None
    ) -> None:
        self._outcomes[kind, outcome] += 1
        if seconds is None:
            return
        durations = self._durations.get(kind, Durations())
        counts = list(durations.counts)
        counts[duration_bucket(seconds)] += 1
        self._durations[kind] = Durations(tuple(counts), durations.total_seconds + seconds)

    async def totals(self) -> JobTotals:
        return JobTotals(dict(self._outcomes), dict(self._durations))
