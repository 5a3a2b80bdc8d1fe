"""Housekeeping: deleting the records that can no longer be used.

Sessions go as soon as their refresh lifetime has ended. API keys that expired or were
revoked stay for `key_retention` first, so a key the audit log names can still be looked
up for a while. A job's record (its outbox entry), its packet, report and progress go
`job_retention` after it ended, the per-minute counts of job ends after two days; writes
that never completed (a process killed mid-upload) go after a day. Meant to be run now
and then by a background task.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import timedelta

from hexa.domain.errors import NotFound, StaleVersion
from hexa.domain.jobs import Job
from hexa.ports.blobs import BlobStore
from hexa.ports.clock import Clock
from hexa.ports.jobs import ProgressStore
from hexa.ports.uow import UnitOfWorkFactory
from hexa.services.audit import record
from hexa.services.job_traces import scheduled
from hexa.services.jobs import JOBS_BY_MINUTE

DEFAULT_KEY_RETENTION = timedelta(days=30)
DEFAULT_JOB_RETENTION = timedelta(days=30)
# Longer than any upload or job could still be writing.
PARTIAL_BLOB_AGE = timedelta(days=1)
JOB_BATCH = 500
JOB_MINUTES_KEPT = timedelta(days=2)
MAX_CLASHES = 3


class Housekeeping:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        blobs: BlobStore,
        progress: ProgressStore,
        *,
        key_retention: timedelta = DEFAULT_KEY_RETENTION,
        job_retention: timedelta = DEFAULT_JOB_RETENTION,
        blobs_of: Callable[[Job], Iterable[str]] = lambda job: (),
        chores: Iterable[Callable[[], Awaitable[Mapping[str, int]]]] = (),
    ) -> None:
        """`blobs_of` names the blobs a job reads and writes (each area knows its own
        jobs'): they go when the job's record does. `chores` are the areas' own purges,
        run with the rest."""
        for name, retention in (("key_retention", key_retention), ("job_retention", job_retention)):
            if retention < timedelta(0):
                raise ValueError(f"{name} cannot be negative: live records would be purged")
        self._uow = uow
        self._clock = clock
        self._blobs = blobs
        self._progress = progress
        self._key_retention = key_retention
        self._job_retention = job_retention
        self._blobs_of = blobs_of
        self._chores = tuple(chores)

    async def purge(self) -> dict[str, int]:
        """Deletes ended sessions, long-ended API keys and long-ended jobs; answers how
        many of each, and of the leftovers of unfinished writes. An audit entry records
        each purge that deleted anything. A trace of its own (`job_traces.scheduled`)."""
        with scheduled("purge"):
            purged = await self.purge_identity() | {
                "jobs": await self.purge_jobs(),
                "job_minutes": await self.purge_job_minutes(),
            }
            for chore in self._chores:
                purged |= await chore()
            swept = await self._blobs.sweep(older_than=PARTIAL_BLOB_AGE)
        return purged | {"partial_blobs": swept}

    async def purge_job_minutes(self) -> int:
        """The per-minute counts of job ends older than JOB_MINUTES_KEPT: the chart of the
        last hour needs none of them, and there would be half a million rows a year."""
        async with self._uow() as uow:
            cutoff = self._clock.now() - JOB_MINUTES_KEPT
            forgotten = await uow.stats.forget(JOBS_BY_MINUTE, before=cutoff)
            await uow.commit()
        return forgotten

    async def purge_identity(self) -> dict[str, int]:
        """Ended sessions and long-ended API keys, in one unit of work."""
        now = self._clock.now()
        async with self._uow() as uow:
            purged = {
                "sessions": await uow.sessions.purge_expired(before=now),
                "api_keys": await uow.api_keys.purge_expired(before=now - self._key_retention),
            }
            if any(purged.values()):
                await record(
                    uow, self._clock, "system", "identity.purged", "housekeeping", **purged
                )
            await uow.commit()
        return purged

    async def purge_jobs(self) -> int:
        """Records of jobs that ended `job_retention` ago, with their blobs and progress,
        in batches: those first, so a record is never gone while they stay behind."""
        cutoff = self._clock.now() - self._job_retention
        purged = clashes = 0
        while True:
            async with self._uow(read_only=True) as uow:
                ended = await uow.outbox.ended_before(cutoff, limit=JOB_BATCH)
            for entry in ended:
                for name in self._blobs_of(entry.job):
                    await self._blobs.delete(name)
                await self._progress.forget(entry.id)
            try:
                async with self._uow() as uow:
                    for entry in ended:
                        await uow.outbox.delete(entry.id, expected_version=entry.version)
                    if ended:
                        await record(
                            uow, self._clock, "system", "jobs.purged", "housekeeping",
                            jobs=len(ended), ended_before=cutoff.isoformat(),
                        )  # fmt: skip
                    await uow.commit()
            except (NotFound, StaleVersion):
                # Another replica purged some of this batch at the same time: what is
                # left of it is read again (giving up if that keeps happening).
                clashes += 1
                if clashes > MAX_CLASHES:
                    raise
                continue
            purged += len(ended)
            clashes = 0
            if len(ended) < JOB_BATCH:
                return purged
