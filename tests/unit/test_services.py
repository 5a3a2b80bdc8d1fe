"""The use cases over the in-memory adapters (real adapters, not mocks)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from hexa.adapters.clock import FrozenClock
from hexa.adapters.local_blobs import LocalBlobStore
from hexa.adapters.memory.database import MemoryDatabase
from hexa.adapters.memory.jobs import InProcessJobQueue, MemoryJobTally, MemoryProgressStore
from hexa.adapters.memory.rate_limit import MemoryChangeCounter
from hexa.adapters.unit_of_work import PORTS, unit_of_work_factory
from hexa.domain.errors import InvalidTransition, NotFound, StaleVersion, Unavailable
from hexa.domain.inspections import Reading
from hexa.domain.jobs import Job, JobOutcome, JobProgress
from hexa.domain.validation import VALIDATE_INSPECTION, VALIDATE_PACKET
from hexa.ports.jobs import ProgressStore
from hexa.ports.security import ChangeCounter
from hexa.ports.uow import UnitOfWork, UnitOfWorkFactory
from hexa.services.dispatch import JobDispatcher
from hexa.services.inspections import InspectionService
from hexa.services.jobs import InUnit, JobRunner
from hexa.services.packets import PacketJudge
from hexa.services.rules import RuleDraft, RuleService
from hexa.services.validation import InspectionJudge
from tests.builders import T0


@dataclass
class App:
    rules: RuleService
    inspections: InspectionService
    validation: JobRunner
    jobs: JobDispatcher
    queue: InProcessJobQueue
    tally: MemoryJobTally
    judge: PacketJudge
    uow: UnitOfWorkFactory
    clock: FrozenClock
    blobs: LocalBlobStore


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    clock = FrozenClock(T0)
    uow = unit_of_work_factory({"memory": MemoryDatabase()}, dict.fromkeys(PORTS, "memory"))
    progress = MemoryProgressStore()
    queue = InProcessJobQueue()  # started per test when jobs should run
    tally = MemoryJobTally()
    dispatcher = JobDispatcher(uow, clock, queue, progress)
    blobs = LocalBlobStore(tmp_path)
    judge = PacketJudge(uow, blobs, progress)
    rule_changes = MemoryChangeCounter()
    yield App(
        RuleService(uow, clock, rule_changes),
        InspectionService(uow, clock, dispatcher, blobs),
        validation(uow, clock, progress, judge, tally, rule_changes),
        dispatcher,
        queue,
        tally,
        judge,
        uow,
        clock,
        blobs,
    )
    await queue.close()


def validation(
    uow: UnitOfWorkFactory,
    clock: FrozenClock,
    progress: ProgressStore,
    judge: PacketJudge,
    tally: MemoryJobTally,
    rule_changes: ChangeCounter | None = None,
) -> JobRunner:
    """The runner as the composition root makes it, with the example domain's jobs (a
    worker of its own, with rules kept apart, unless given the app's rule counter)."""
    rules = InspectionJudge(clock, rule_changes or MemoryChangeCounter())
    handlers = {
        VALIDATE_INSPECTION: InUnit(rules.judge),
        VALIDATE_PACKET: judge.run,
    }
    return JobRunner(uow, clock, progress, tally, handlers)


TEMP_MAX = RuleDraft(name="temp ceiling", key="temp", kind="max", params={"max": 80})


async def test_a_submitted_inspection_is_judged_by_the_enabled_rules(app: App) -> None:
    app.queue.start(app.validation.run)
    await app.rules.create(TEMP_MAX)
    await app.rules.create(
        RuleDraft(name="off", key="temp", kind="max", params={"max": 1}, enabled=False)
    )
    hot = await app.inspections.record(subject="boiler", readings=[Reading("temp", 95)])
    job = await app.inspections.submit(hot.id)
    await app.queue.drain()
    done = await app.jobs.job(job.id)
    assert done.status == "done" and done.result["verdict"] == "failed"
    assert [f["rule_name"] for f in done.result["findings"]] == ["temp ceiling"]
    assert (await app.inspections.get(hot.id)).status == "failed"


async def test_a_job_whose_inspection_vanished_ends_failed_with_its_error(app: App) -> None:
    inspection = await app.inspections.record(subject="valve")
    job = await app.inspections.submit(inspection.id)
    await app.inspections.delete(inspection.id)
    app.queue.start(app.validation.run)
    await app.queue.drain()
    failed = await app.jobs.job(job.id)
    assert failed.status == "failed" and "not found" in (failed.error or "")


async def test_a_job_whose_progress_was_lost_starts_again_from_its_outbox_entry(
    app: App,
) -> None:
    inspection = await app.inspections.record(subject="boiler")
    job = await app.inspections.submit(inspection.id)
    wiped = MemoryProgressStore()  # Redis flushed between the submit and the run
    worker = validation(app.uow, FrozenClock(T0), wiped, app.judge, app.tally)
    await worker.run(Job(job.id, VALIDATE_INSPECTION, {"inspection_id": inspection.id}))
    done = await wiped.get(job.id)
    assert (done.status, done.processed, done.total) == ("done", 1, 1)


async def _audited(app: App, job_id: str) -> list[str]:
    async with app.uow() as uow:
        return [e.action for e in await uow.audit.page(limit=100) if e.target == job_id]


async def test_a_job_whose_progress_expired_still_answers_how_it_ended(app: App) -> None:
    app.queue.start(app.validation.run)
    await app.rules.create(TEMP_MAX)
    hot = await app.inspections.record(subject="boiler", readings=[Reading("temp", 95)])
    job = await app.inspections.submit(hot.id)
    await app.queue.drain()
    forgetful = JobDispatcher(app.uow, app.clock, app.queue, MemoryProgressStore())
    ended = await forgetful.job(job.id)
    assert (ended.status, ended.processed, ended.total) == ("done", 1, 1)
    assert ended.result["verdict"] == "failed"
    assert [f["rule_name"] for f in ended.result["findings"]] == ["temp ceiling"]


class UnreachableProgressStore(MemoryProgressStore):
    """Progress in a Redis that is down."""

    async def get(self, job_id: str) -> JobProgress:
        raise Unavailable("Redis failed: ConnectionError")


class UnreachableQueue(InProcessJobQueue):
    """A queue in a Redis that is down."""

    async def enqueue(self, job: Job) -> None:
        raise Unavailable("Redis failed: ConnectionError")


async def test_while_progress_is_unreachable_the_outbox_answers_only_what_it_knows(
    app: App,
) -> None:
    outage = JobDispatcher(app.uow, app.clock, app.queue, UnreachableProgressStore())
    app.queue.start(app.validation.run)
    ended = await app.inspections.submit((await app.inspections.record(subject="a")).id)
    await app.queue.drain()
    await app.queue.close()  # what is handed over now stays in the queue, unstarted
    running = await app.inspections.submit((await app.inspections.record(subject="b")).id)
    # Accepted during the outage: Redis, queue and progress alike, is down.
    down = JobDispatcher(app.uow, app.clock, UnreachableQueue(), UnreachableProgressStore())
    during = InspectionService(app.uow, app.clock, down, app.blobs)
    waiting = await during.submit((await app.inspections.record(subject="c")).id)

    assert (await outage.job(ended.id)).status == "done"
    assert (await outage.job(waiting.id)).status == "queued"
    with pytest.raises(Unavailable):
        await outage.job(running.id)  # handed over: it may be running, only Redis knows


async def test_a_job_whose_end_is_recorded_is_not_run_again_when_its_progress_is_lost(
    app: App,
) -> None:
    app.queue.start(app.validation.run)
    inspection = await app.inspections.record(subject="boiler")
    job = await app.inspections.submit(inspection.id)
    await app.queue.drain()
    await app.inspections.delete(inspection.id)  # a rerun would now fail: it must not happen
    wiped = MemoryProgressStore()
    worker = validation(app.uow, app.clock, wiped, app.judge, app.tally)
    await worker.run(Job(job.id, VALIDATE_INSPECTION, {"inspection_id": inspection.id}))
    assert (await wiped.get(job.id)).status == "done"  # told again, for its watchers
    assert await _audited(app, job.id) == ["job.done", "job.accepted"]


class FlakyDatabase:
    """A unit-of-work factory whose database is down for the units `down_for` names
    (counted from 1), and up for the others."""

    def __init__(self, uow: UnitOfWorkFactory, down_for: set[int]) -> None:
        self._uow, self._down_for, self._opened = uow, down_for, 0

    def __call__(self, *, read_only: bool = False, one_write: bool = False) -> UnitOfWork:
        self._opened += 1
        if self._opened in self._down_for:
            raise Unavailable("the database failed: ConnectionError")
        return self._uow(read_only=read_only, one_write=one_write)


async def test_an_end_that_could_not_be_recorded_is_told_then_recorded_by_the_next_call(
    app: App,
) -> None:
    inspection = await app.inspections.record(subject="boiler")
    job = await app.inspections.submit(inspection.id)
    # Units: 1, the usual path's one unit: down (a last attempt, so the general path
    # takes over); there 2 reads the entry, 3 judges the inspection, 4 records the end:
    # down.
    flaky = FlakyDatabase(app.uow, down_for={1, 4})
    progress = MemoryProgressStore()
    worker = validation(flaky, app.clock, progress, app.judge, app.tally)
    delivered = Job(job.id, VALIDATE_INSPECTION, {"inspection_id": inspection.id})

    with pytest.raises(Unavailable):  # the driver calls again
        await worker.run(delivered)
    assert (await progress.get(job.id)).status == "done"  # its watchers are told at once
    assert await _audited(app, job.id) == ["job.accepted"]

    await worker.run(delivered)
    assert await _audited(app, job.id) == ["job.done", "job.accepted"]
    assert (
        await JobDispatcher(app.uow, app.clock, app.queue, MemoryProgressStore()).job(job.id)
    ).status == "done"  # the outbox now knows how it ended
    totals = await app.tally.totals()
    assert totals.outcomes == {(VALIDATE_INSPECTION, JobOutcome.DONE): 1}


@pytest.mark.parametrize("elsewhere", [False, True], ids=["same-process", "other-worker"])
async def test_a_retry_records_the_end_told_not_a_new_verdict(app: App, elsewhere: bool) -> None:
    """The verdict told while the database was down stays the job's verdict, even if the
    rules changed before the retry (another worker knows of the retry by arq's count)."""
    inspection = await app.inspections.record(subject="boiler", readings=[Reading("temp", 95)])
    job = await app.inspections.submit(inspection.id)
    flaky = FlakyDatabase(app.uow, down_for={1, 4})  # as above: the end not recorded
    progress = MemoryProgressStore()
    first = validation(flaky, app.clock, progress, app.judge, app.tally)
    delivered = Job(job.id, VALIDATE_INSPECTION, {"inspection_id": inspection.id})
    with pytest.raises(Unavailable):
        await first.run(delivered)
    told = await progress.get(job.id)
    assert told.result["verdict"] == "passed"  # no rules yet

    await app.rules.create(TEMP_MAX)  # would fail it now
    again = validation(app.uow, app.clock, progress, app.judge, app.tally) if elsewhere else first
    await again.run(delivered, retry=elsewhere)
    recorded = await JobDispatcher(app.uow, app.clock, app.queue, MemoryProgressStore()).job(job.id)
    assert recorded.result == told.result
    assert (await progress.get(job.id)).result == told.result
    assert (await app.tally.totals()).outcomes == {(VALIDATE_INSPECTION, JobOutcome.DONE): 1}


async def test_a_job_accepted_while_the_queue_is_down_is_handed_over_by_the_relay_in_seconds(
    app: App,
) -> None:
    down = JobDispatcher(app.uow, app.clock, UnreachableQueue(), MemoryProgressStore())
    during = InspectionService(app.uow, app.clock, down, app.blobs)
    job = await during.submit((await app.inspections.record(subject="boiler")).id)
    async with app.uow(read_only=True) as uow:
        assert (await uow.outbox.get(job.id)).dispatched_at is None  # back to pending

    assert await app.jobs.relay() == 0  # not at once: the queue may have just failed
    app.clock.advance(timedelta(seconds=11))
    app.queue.start(app.validation.run)
    assert await app.jobs.relay() == 1
    await app.queue.drain()
    assert (await app.jobs.job(job.id)).status == "done"


async def test_a_worker_keeps_the_rules_until_they_change(app: App) -> None:
    app.queue.start(app.validation.run)
    hot = [Reading("temp", 95)]
    first = await app.inspections.submit(
        (await app.inspections.record(subject="a", readings=hot)).id
    )
    await app.queue.drain()
    rule = await app.rules.create(TEMP_MAX)  # after the worker kept "no rules"
    second = await app.inspections.submit(
        (await app.inspections.record(subject="b", readings=hot)).id
    )
    await app.queue.drain()
    await app.rules.delete(rule.id)
    third = await app.inspections.submit(
        (await app.inspections.record(subject="c", readings=hot)).id
    )
    await app.queue.drain()

    verdicts = [(await app.jobs.job(j.id)).result["verdict"] for j in (first, second, third)]
    assert verdicts == ["passed", "failed", "passed"]


class SilentCounter(MemoryChangeCounter):
    """A change counter in a Redis that is down for announcements."""

    async def bump(self) -> None:
        raise Unavailable("Redis failed: ConnectionError")


async def test_a_rule_change_not_announced_is_saved_and_seen_once_the_copy_ages(
    app: App,
) -> None:
    silent = SilentCounter()
    rules = RuleService(app.uow, app.clock, silent)
    worker = validation(app.uow, app.clock, MemoryProgressStore(), app.judge, app.tally, silent)
    hot = [Reading("temp", 95)]

    async def verdict() -> str:
        inspection = await app.inspections.record(subject="boiler", readings=hot)
        job = await app.inspections.submit(inspection.id)
        await worker.run(Job(job.id, VALIDATE_INSPECTION, {"inspection_id": inspection.id}))
        return str((await app.jobs.job(job.id)).result["verdict"])

    assert await verdict() == "passed"  # no rules yet, and the worker keeps that
    await rules.create(TEMP_MAX)  # saved, though its announcement fails
    assert await verdict() == "passed"
    app.clock.advance(timedelta(minutes=1))
    assert await verdict() == "failed"


async def test_a_job_meeting_an_outage_with_attempts_left_is_retried_and_counted(
    app: App,
) -> None:
    inspection = await app.inspections.record(subject="boiler")
    job = await app.inspections.submit(inspection.id)
    flaky = FlakyDatabase(app.uow, down_for={1})  # the usual path's unit of work
    worker = validation(flaky, app.clock, MemoryProgressStore(), app.judge, app.tally)
    delivered = Job(job.id, VALIDATE_INSPECTION, {"inspection_id": inspection.id})
    with pytest.raises(Unavailable):
        await worker.run(delivered, last_attempt=False)
    assert (await app.tally.totals()).outcomes == {(VALIDATE_INSPECTION, JobOutcome.RETRIED): 1}
    await worker.run(delivered)
    assert (await app.jobs.job(job.id)).status == "done"


async def test_a_job_judges_records_its_end_and_audits_in_one_unit_of_work(app: App) -> None:
    await app.rules.create(TEMP_MAX)
    inspection = await app.inspections.record(subject="boiler", readings=[Reading("temp", 95)])
    job = await app.inspections.submit(inspection.id)
    counted = FlakyDatabase(app.uow, down_for=set())
    progress = MemoryProgressStore()
    worker = validation(counted, app.clock, progress, app.judge, app.tally)
    await worker.run(Job(job.id, VALIDATE_INSPECTION, {"inspection_id": inspection.id}))

    assert counted._opened == 1  # the work, its end, its audit: one unit
    assert (await progress.get(job.id)).result["verdict"] == "failed"
    assert (await app.inspections.get(inspection.id)).status == "failed"
    assert await _audited(app, job.id) == ["job.done", "job.accepted"]
    async with app.uow(read_only=True) as uow:
        recorded = (await uow.outbox.get(job.id)).outcome
    told = await progress.get(job.id)
    assert recorded == dataclasses.replace(told, sequence=0)


async def test_a_job_its_queue_lost_is_handed_over_again_and_runs_once(app: App) -> None:
    inspection = await app.inspections.record(subject="boiler")
    job = await app.inspections.submit(inspection.id)  # dispatched to a queue that then dies
    restarted = InProcessJobQueue()
    relay = JobDispatcher(app.uow, app.clock, restarted, MemoryProgressStore())
    assert await relay.relay() == 0  # not yet: it may just be waiting its turn
    app.clock.advance(timedelta(minutes=6))
    assert await relay.relay() == 1
    restarted.start(app.validation.run)
    await restarted.drain()
    await restarted.close()
    assert (await app.jobs.job(job.id)).status == "done"
    app.clock.advance(timedelta(minutes=6))
    assert await relay.relay() == 0  # ended: never handed over again
    assert await _audited(app, job.id) == ["job.done", "job.accepted"]


async def test_every_attempt_is_tallied_by_outcome_and_ended_jobs_timed(app: App) -> None:
    app.queue.start(app.validation.run)
    gone = await app.inspections.record(subject="valve")
    failing = await app.inspections.submit(gone.id)
    await app.inspections.delete(gone.id)
    await app.queue.drain()
    await app.inspections.submit((await app.inspections.record(subject="boiler")).id)
    await app.queue.drain()
    broken = Job("job-broken", VALIDATE_INSPECTION, {})  # no inspection_id: a bug
    with pytest.raises(KeyError):
        await app.validation.run(broken, last_attempt=False)
    totals = await app.tally.totals()
    kind = VALIDATE_INSPECTION
    assert totals.outcomes == {
        (kind, JobOutcome.FAILED): 1,
        (kind, JobOutcome.DONE): 1,
        (kind, JobOutcome.RETRIED): 1,
    }
    assert totals.durations[kind].count == 2  # ended jobs only; a retry has not ended
    assert (await app.jobs.job(failing.id)).status == "failed"


async def test_only_a_draft_can_be_submitted(app: App) -> None:
    inspection = await app.inspections.record(subject="valve")
    await app.inspections.submit(inspection.id)
    with pytest.raises(InvalidTransition):
        await app.inspections.submit(inspection.id)


async def test_a_revision_needs_the_current_version(app: App) -> None:
    inspection = await app.inspections.record(subject="valve")
    revised = await app.inspections.revise(inspection.id, if_version=1, notes="checked twice")
    assert revised.version == 2
    with pytest.raises(StaleVersion):
        await app.inspections.revise(inspection.id, if_version=1, notes="lost update")


async def test_replacing_a_rule_checks_the_version_when_given(app: App) -> None:
    rule = await app.rules.create(TEMP_MAX)
    replaced = await app.rules.replace(rule.id, TEMP_MAX, if_version=1)
    assert replaced.version == 2
    with pytest.raises(StaleVersion):
        await app.rules.replace(rule.id, TEMP_MAX, if_version=1)
    with pytest.raises(StaleVersion):
        await app.rules.delete(rule.id, if_version=1)
    await app.rules.delete(rule.id, if_version=2)
    with pytest.raises(NotFound):
        await app.rules.get(rule.id)


async def test_pages_say_where_the_next_one_starts(app: App) -> None:
    for n in range(5):
        await app.inspections.record(subject=f"s{n}")
    first = await app.inspections.page(limit=2)
    second = await app.inspections.page(limit=2, after=first.next_after)
    last = await app.inspections.page(limit=2, after=second.next_after)
    assert [len(p.items) for p in (first, second, last)] == [2, 2, 1]
    assert last.next_after is None
    assert first.next_after == first.items[-1].id


class _SwallowingProgress(MemoryProgressStore):
    """A progress store whose save, like a Redis command sent through Python 3.11's
    `asyncio.wait_for`, returns normally when a cancel lands during it: the cancel stays
    requested but is never delivered."""

    def __init__(self) -> None:
        super().__init__()
        self.under_way = asyncio.Event()

    async def save(self, progress: JobProgress) -> JobProgress:
        with contextlib.suppress(asyncio.CancelledError):  # and not uncancelled, as wait_for
            await asyncio.sleep(0.001)
        saved = await super().save(progress)
        self.under_way.set()
        return saved


async def test_a_packet_stops_at_a_cancel_a_library_swallowed(app: App, tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path)
    rows = 200_000
    body = "inspection,subject,key,value,unit\n" + "".join(
        f"I{n // 4},pump,temp,50,C\n" for n in range(rows)
    )

    async def chunks() -> AsyncIterator[bytes]:
        yield body.encode()

    await blobs.put("packet.csv", chunks())
    progress = _SwallowingProgress()
    judge = PacketJudge(app.uow, blobs, progress, progress_every=100)
    job = Job("j1", VALIDATE_PACKET, {"blob": "packet.csv", "format": "csv"})
    running = asyncio.create_task(judge.run(job, JobProgress.queued(job, total=rows, now=T0)))
    await progress.under_way.wait()  # from now on, inside a save most of the time
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert (await progress.get("j1")).processed < rows
