"""What `/metrics` reports beyond the HTTP driver's own counters, read at scrape time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Collection, Mapping
from dataclasses import dataclass
from typing import TypeVar

from hexa.domain.api_keys import Verification
from hexa.domain.errors import Unavailable
from hexa.domain.jobs import JobKind, JobTotals
from hexa.ports.jobs import JobQueue, JobTally
from hexa.services.api_keys import ApiKeyService

log = logging.getLogger(__name__)
T = TypeVar("T")
READ_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Readings:
    """A scrape's worth of numbers. A reading that could not be taken is None, so one
    dependency down leaves the rest of the page intact."""

    queue_length: int | None
    jobs: JobTotals | None
    api_key_verifications: Mapping[Verification, int]


class MetricsReader:
    def __init__(
        self,
        queue: JobQueue,
        tally: JobTally,
        api_keys: ApiKeyService,
        kinds: Collection[JobKind] = (),
    ) -> None:
        """`kinds`: the job kinds this release runs; the tally may still count kinds an
        older one ran, which a scrape leaves out."""
        self._queue = queue
        self._tally = tally
        self._api_keys = api_keys
        self._kinds = frozenset(kinds)

    async def read(self) -> Readings:
        queue_length, jobs = await asyncio.gather(
            _within(self._queue.depth(), "the queue length"),
            _within(self._tally.totals(), "the job tally"),
        )
        if jobs is not None:
            jobs = JobTotals(
                {key: n for key, n in jobs.outcomes.items() if key[0] in self._kinds},
                {kind: d for kind, d in jobs.durations.items() if kind in self._kinds},
            )
        return Readings(queue_length, jobs, self._api_keys.verifications())


async def _within(reading: Awaitable[T], what: str) -> T | None:
    """The reading, or None if it fails or outlasts READ_TIMEOUT_SECONDS: a scraper
    gives up after about ten seconds, and then the whole page would be lost."""
    try:
        return await asyncio.wait_for(reading, READ_TIMEOUT_SECONDS)
    except (Unavailable, TimeoutError) as error:
        log.warning("metrics: %s could not be read: %s", what, getattr(error, "detail", "timeout"))
        return None
