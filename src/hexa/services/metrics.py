"""What `/metrics` reports beyond the HTTP driver's own counters, read at scrape time."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from hexa.domain.api_keys import Verification
from hexa.domain.errors import Unavailable
from hexa.domain.jobs import JobTotals
from hexa.ports.jobs import JobQueue, JobTally
from hexa.services.api_keys import ApiKeyService

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Readings:
    """A scrape's worth of numbers. A reading that could not be taken is None, so one
    dependency down leaves the rest of the page intact."""

    queue_length: int | None
    jobs: JobTotals | None
    api_key_verifications: Mapping[Verification, int]


class MetricsReader:
    def __init__(self, queue: JobQueue, tally: JobTally, api_keys: ApiKeyService) -> None:
        self._queue = queue
        self._tally = tally
        self._api_keys = api_keys

    async def read(self) -> Readings:
        queue_length: int | None = None
        jobs: JobTotals | None = None
        try:
            queue_length = await self._queue.depth()
        except Unavailable as error:
            log.warning("metrics: the queue length could not be read: %s", error.detail)
        try:
            jobs = await self._tally.totals()
        except Unavailable as error:
            log.warning("metrics: the job tally could not be read: %s", error.detail)
        return Readings(queue_length, jobs, self._api_keys.verifications())
