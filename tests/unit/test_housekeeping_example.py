"""The tests of housekeeping that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

from hexa.adapters.local_blobs import LocalBlobStore
from hexa.adapters.memory.jobs import MemoryProgressStore
from hexa.domain.errors import NotFound
from hexa.domain.jobs import Job, OutboxEntry
from hexa.domain.validation import VALIDATE_PACKET
from hexa.services.housekeeping import Housekeeping
from hexa.services.packets import blobs_of, packet_blob, report_blob
from tests.unit.test_housekeeping import NOW, _bytes, _listed, blobs, clock, uow  # noqa: F401 - fixtures


async def test_jobs_go_with_their_blobs_once_their_retention_has_passed(
    uow, clock, blobs, tmp_path: Path
) -> None:
    await _packet_job(uow, blobs, "old", ended=timedelta(days=31))
    await _packet_job(uow, blobs, "recent", ended=timedelta(days=29))
    await _packet_job(uow, blobs, "running", ended=None)
    progress = MemoryProgressStore()
    for job_id in ("old", "recent"):
        async with uow() as u:
            await progress.save((await u.outbox.get(job_id)).progress())

    purged = await Housekeeping(
        uow, clock, blobs, progress, job_retention=timedelta(days=30), blobs_of=blobs_of
    ).purge()

    assert purged["jobs"] == 1
    async with uow() as u:
        with pytest.raises(NotFound):
            await u.outbox.get("old")
        assert {(await u.outbox.get(j)).id for j in ("recent", "running")} == {"recent", "running"}
        [entry] = await u.audit.page(limit=10)
    assert (entry.action, entry.detail["jobs"]) == ("jobs.purged", 1)
    with pytest.raises(NotFound):  # nor does any replica still answer for it
        await progress.get("old")
    assert (await progress.get("recent")).status == "done"
    assert _listed(tmp_path) == sorted(
        name(job) for job in ("recent", "running") for name in (packet_blob, report_blob)
    )


async def test_leftovers_of_unfinished_writes_go_after_a_day(clock, blobs, tmp_path: Path) -> None:
    async def cut_short():  # type: ignore[no-untyped-def]
        yield b"half a packet"
        raise OSError("the process died")

    with pytest.raises(OSError):
        await blobs.put("packet-x.csv", cut_short())
    left = tmp_path / ".packet-y.csv.0190.partial"  # what a killed process leaves
    left.write_bytes(b"half")
    fresh = tmp_path / ".packet-z.csv.0191.partial"
    fresh.write_bytes(b"still being written")
    day_old = time.time() - 25 * 3600
    os.utime(left, (day_old, day_old))

    assert await blobs.sweep(older_than=timedelta(days=1)) == 1
    assert _listed(tmp_path) == [fresh.name]


async def test_a_purge_that_meets_another_replicas_purge_leaves_it_and_goes_on(
    uow, clock, blobs, tmp_path: Path
) -> None:
    await _packet_job(uow, blobs, "old-1", ended=timedelta(days=31))
    await _packet_job(uow, blobs, "old-2", ended=timedelta(days=31))

    class RacedBlobs(LocalBlobStore):
        """Another replica's purge deletes old-1 while this one is deleting blobs."""

        raced = False

        async def delete(self, name: str) -> None:
            await super().delete(name)
            if not self.raced:
                self.raced = True
                async with uow() as u:
                    entry = await u.outbox.get("old-1")
                    await u.outbox.delete("old-1", expected_version=entry.version)
                    await u.commit()

    raced = RacedBlobs(tmp_path)
    purged = await Housekeeping(
        uow, clock, raced, MemoryProgressStore(), blobs_of=blobs_of
    ).purge_jobs()

    assert purged == 1  # old-2; old-1 was the other replica's
    async with uow() as u:
        for gone in ("old-1", "old-2"):
            with pytest.raises(NotFound):
                await u.outbox.get(gone)


async def _packet_job(uow, blobs: LocalBlobStore, job_id: str, *, ended: timedelta | None) -> None:
    job = Job(job_id, VALIDATE_PACKET, {"blob": packet_blob(job_id)})
    entry = OutboxEntry(job, total=1, created_at=NOW - timedelta(days=90))
    if ended is not None:
        finished = entry.queued().started(now=NOW - ended).done(result={}, now=NOW - ended)
        entry = entry.ended(finished)
    for name in (packet_blob(job_id), report_blob(job_id)):
        await blobs.put(name, _bytes(b"rows"))
    async with uow() as u:
        await u.outbox.add(entry)
        await u.commit()
