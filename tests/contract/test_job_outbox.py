"""The JobOutbox contract, for every backend: jobs accepted, dispatched, and ended."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from hexa.domain.errors import Conflict, InvalidTransition, NotFound, StaleVersion
from hexa.domain.jobs import Job, JobStatus, OutboxEntry
from tests.builders import BATCH_JOB, ONE_JOB, T0


def an_entry(job_id: str, *, minutes: int = 0, total: int = 3) -> OutboxEntry:
    job = Job(job_id, BATCH_JOB, {"blob": f"packet-{job_id}.csv", "bytes": 120})
    return OutboxEntry(job, total=total, created_at=T0 + timedelta(minutes=minutes))


def at(minutes: int):  # type: ignore[no-untyped-def]
    return T0 + timedelta(minutes=minutes)


async def _add(uow, *entries: OutboxEntry) -> None:
    async with uow() as u:
        for entry in entries:
            await u.outbox.add(entry)
        await u.commit()


async def _replace(uow, entry: OutboxEntry, new: OutboxEntry) -> None:
    async with uow() as u:
        await u.outbox.update(new, expected_version=entry.version)
        await u.commit()


async def _get(uow, job_id: str) -> OutboxEntry:
    async with uow() as u:
        return await u.outbox.get(job_id)


async def test_an_accepted_job_reads_back_equal_and_queued(uow) -> None:
    entry = an_entry("j-1")
    await _add(uow, entry)
    stored = await _get(uow, "j-1")
    assert stored == entry
    assert stored.progress() == entry.queued()
    assert (stored.progress().status, stored.progress().total) == ("queued", 3)


async def test_an_entry_keeps_the_request_that_accepted_its_job(uow) -> None:
    plain = an_entry("j-1")
    named = dataclasses.replace(
        plain, job=dataclasses.replace(plain.job, id="j-2", request_id="r-7")
    )
    await _add(uow, plain, named)
    assert (await _get(uow, "j-1")).job.request_id is None
    stored = await _get(uow, "j-2")
    assert stored == named
    # Marked dispatched, it still names the request: the relay hands over what it reads.
    await _replace(uow, stored, stored.dispatched(now=at(1)))
    assert (await _get(uow, "j-2")).job.request_id == "r-7"


async def test_an_unknown_job_is_not_found(uow) -> None:
    with pytest.raises(NotFound):
        await _get(uow, "nope")


async def test_a_job_id_is_accepted_once(uow) -> None:
    await _add(uow, an_entry("j-1"))
    with pytest.raises(Conflict):
        await _add(uow, an_entry("j-1"))


async def test_only_one_of_two_racing_updates_wins(uow) -> None:
    entry = an_entry("j-1")
    await _add(uow, entry)
    await _replace(uow, entry, entry.dispatched(now=at(1)))
    with pytest.raises(StaleVersion):
        await _replace(uow, entry, entry.dispatched(now=at(2)))
    assert (await _get(uow, "j-1")).dispatched_at == at(1)


async def test_pending_are_the_undispatched_not_ended_oldest_first(uow) -> None:
    late, early, sent = an_entry("j-late", minutes=5), an_entry("j-early"), an_entry("j-sent")
    ended = an_entry("j-ended", minutes=-1)  # its hand-over failed, its job ran anyway
    await _add(uow, late, early, sent, ended)
    await _replace(uow, sent, sent.dispatched(now=at(6)))
    done = ended.queued().started(now=at(1)).done(result={}, now=at(2))
    await _replace(uow, ended, ended.ended(done))
    async with uow() as u:
        assert [e.id for e in await u.outbox.pending(limit=10)] == ["j-early", "j-late"]
        assert [e.id for e in await u.outbox.pending(limit=1)] == ["j-early"]


async def test_an_ended_job_keeps_how_it_ended(uow) -> None:
    entry = an_entry("j-1")
    await _add(uow, entry)
    dispatched = entry.dispatched(now=at(1))
    await _replace(uow, entry, dispatched)
    running = entry.queued().started(now=at(2)).advanced(processed=2)
    done = running.done(result={"verdict": "failed", "rows": 3, "errors": 1}, now=at(3))
    await _replace(uow, dispatched, dispatched.ended(done))
    stored = await _get(uow, "j-1")
    assert stored.outcome == done
    assert stored.progress() == done
    assert (stored.progress().status, stored.progress().processed) == ("done", 3)


async def test_a_job_done_is_recorded_in_one_write_as_the_domain_ends_it(uow) -> None:
    entry = an_entry("j-1", total=1)
    await _add(uow, entry)
    dispatched = entry.dispatched(now=at(1))
    await _replace(uow, entry, dispatched)
    result = {"verdict": "passed", "findings": []}
    async with uow() as u:
        recorded = await u.outbox.record_done("j-1", result, started_at=at(2), finished_at=at(3))
        await u.commit()
    expected = dispatched.done(result=result, started_at=at(2), finished_at=at(3))
    assert recorded == expected == await _get(uow, "j-1")
    assert (expected.outcome.processed, expected.outcome.created_at, expected.version) == (
        1,
        entry.created_at,
        3,
    )


async def test_a_job_done_twice_or_never_accepted_is_not_recorded_again(uow) -> None:
    entry = an_entry("j-1")
    await _add(uow, entry)
    failed = entry.queued().started(now=at(1)).failed(error="rule store down", now=at(2))
    await _replace(uow, entry, entry.ended(failed))
    async with uow() as u:
        assert await u.outbox.record_done("j-1", {}, started_at=at(3), finished_at=at(4)) is None
        assert await u.outbox.record_done("j-2", {}, started_at=at(3), finished_at=at(4)) is None
        await u.commit()
    assert (await _get(uow, "j-1")).outcome == entry.ended(failed).outcome
    with pytest.raises(NotFound):
        await _get(uow, "j-2")


async def test_a_job_done_then_rolled_back_is_not_recorded(uow) -> None:
    entry = an_entry("j-1")
    await _add(uow, entry)
    async with uow() as u:
        assert await u.outbox.record_done("j-1", {}, started_at=at(1), finished_at=at(2))
    assert await _get(uow, "j-1") == entry


async def test_a_failed_job_keeps_its_error(uow) -> None:
    entry = an_entry("j-1")
    await _add(uow, entry)
    failed = entry.queued().started(now=at(1)).failed(error="rule store down", now=at(2))
    await _replace(uow, entry, entry.ended(failed))
    stored = (await _get(uow, "j-1")).progress()
    assert (stored.status, stored.error, stored.finished_at) == ("failed", "rule store down", at(2))


async def test_unfinished_are_dispatched_before_the_cutoff_and_not_ended(uow) -> None:
    old, older, recent, ended, waiting = (an_entry(f"j-{n}") for n in range(5))
    await _add(uow, old, older, recent, ended, waiting)
    await _replace(uow, old, old.dispatched(now=at(10)))
    await _replace(uow, older, older.dispatched(now=at(5)))
    await _replace(uow, recent, recent.dispatched(now=at(30)))
    sent = ended.dispatched(now=at(1))
    await _replace(uow, ended, sent)
    finished = ended.queued().started(now=at(2)).done(result={}, now=at(3))
    await _replace(uow, sent, sent.ended(finished))
    async with uow() as u:
        lost = await u.outbox.unfinished(dispatched_before=at(20), limit=10)
        assert [e.id for e in lost] == ["j-1", "j-0"]  # dispatched longest ago first
        assert [e.id for e in await u.outbox.unfinished(dispatched_before=at(20), limit=1)] == [
            "j-1"
        ]


async def test_ended_before_lists_the_jobs_that_ended_by_then_earliest_first(uow) -> None:
    entries = [an_entry(f"j-{n}") for n in range(4)]
    await _add(uow, *entries)
    for entry, finished in zip(entries[:3], (at(9), at(3), at(30)), strict=True):
        done = entry.queued().started(now=at(1)).done(result={}, now=finished)
        await _replace(uow, entry, entry.ended(done))
    async with uow() as u:
        assert [e.id for e in await u.outbox.ended_before(at(10), limit=10)] == ["j-1", "j-0"]
        assert [e.id for e in await u.outbox.ended_before(at(10), limit=1)] == ["j-1"]


async def test_a_deleted_entry_is_gone(uow) -> None:
    entry = an_entry("j-1")
    await _add(uow, entry)
    async with uow() as u:
        await u.outbox.delete("j-1", expected_version=entry.version)
        await u.commit()
    with pytest.raises(NotFound):
        await _get(uow, "j-1")


async def test_an_end_is_recorded_once() -> None:
    entry = an_entry("j-1")
    done = entry.queued().started(now=at(1)).done(result={}, now=at(2))
    with pytest.raises(InvalidTransition):
        entry.ended(done).ended(done)
    with pytest.raises(InvalidTransition):
        entry.ended(entry.queued().started(now=at(1)))


async def test_an_entry_keeps_who_started_it_what_it_retries_and_its_attempts(uow) -> None:
    entry = dataclasses.replace(an_entry("j-2"), started_by="user:u-1", retry_of="j-1")
    await _add(uow, entry)
    assert await _get(uow, "j-2") == entry
    run = entry.queued().started(now=at(1), attempt=3).failed(error="down", now=at(2))
    await _replace(uow, entry, entry.ended(run))
    stored = await _get(uow, "j-2")
    assert stored.outcome is not None and stored.outcome.attempts == 3
    assert (stored.started_by, stored.retry_of) == ("user:u-1", "j-1")


async def test_a_job_done_in_one_write_counts_one_attempt(uow) -> None:
    await _add(uow, an_entry("j-1"))
    async with uow() as u:
        await u.outbox.record_done("j-1", {}, started_at=at(1), finished_at=at(2))
        await u.commit()
    stored = await _get(uow, "j-1")
    assert stored.outcome is not None and stored.outcome.attempts == 1


async def test_a_failed_job_is_retried_once(uow) -> None:
    await _add(uow, an_entry("j-1"), an_entry("j-3"))
    first = dataclasses.replace(an_entry("j-2"), retry_of="j-1")
    await _add(uow, first)
    with pytest.raises(Conflict):
        await _add(uow, dataclasses.replace(an_entry("j-4"), retry_of="j-1"))
    # Entries that retry nothing never clash with each other.
    assert (await _get(uow, "j-3")).retry_of is None


async def _newest(uow, **filters):  # type: ignore[no-untyped-def]
    async with uow(read_only=True) as u:
        return [e.id for e in await u.outbox.newest(**filters)]


async def test_newest_lists_newest_first_in_keyset_pages(uow) -> None:
    await _add(uow, *(an_entry(f"j-{n}", minutes=n) for n in range(5)))
    assert await _newest(uow, limit=10) == ["j-4", "j-3", "j-2", "j-1", "j-0"]
    assert await _newest(uow, limit=2) == ["j-4", "j-3"]
    assert await _newest(uow, limit=2, before="j-3") == ["j-2", "j-1"]
    assert await _newest(uow, limit=2, before="j-0") == []


async def test_newest_filters_by_recorded_end_kind_and_time(uow) -> None:
    waiting, done, failed = (
        an_entry("j-1", minutes=1),
        an_entry("j-2", minutes=2),
        an_entry("j-3", minutes=3),
    )
    other = OutboxEntry(Job("j-4", ONE_JOB, {}), total=1, created_at=at(4))
    await _add(uow, waiting, done, failed, other)
    run = done.queued().started(now=at(5))
    await _replace(uow, done, done.ended(run.done(result={}, now=at(6))))
    await _replace(uow, failed, failed.ended(run.failed(error="x", now=at(6))))
    assert await _newest(uow, limit=10, status=JobStatus.DONE) == ["j-2"]
    assert await _newest(uow, limit=10, status=JobStatus.FAILED) == ["j-3"]
    # Queued and running are both "no end recorded": only progress tells them apart.
    assert await _newest(uow, limit=10, status=JobStatus.QUEUED) == ["j-4", "j-1"]
    assert await _newest(uow, limit=10, status=JobStatus.RUNNING) == ["j-4", "j-1"]
    assert await _newest(uow, limit=10, kind=ONE_JOB) == ["j-4"]
    assert await _newest(uow, limit=10, kind=BATCH_JOB, since=at(2)) == ["j-3", "j-2"]
    assert await _newest(uow, limit=10, status=JobStatus.FAILED, since=at(4)) == []


async def test_newest_sees_what_its_own_unit_staged(uow) -> None:
    await _add(uow, an_entry("j-1"))
    async with uow() as u:
        await u.outbox.add(an_entry("j-2", minutes=1))
        await u.outbox.delete("j-1")
        assert [e.id for e in await u.outbox.newest(limit=10)] == ["j-2"]
