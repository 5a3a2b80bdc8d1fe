"""Background jobs as the domain sees them: what to run, and how far it has got."""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NewType

from hexa.domain.errors import InvalidTransition


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED)


# What a job does, named by the area that runs it (`validate_inspection`...): the core
# moves jobs of any kind; the job runner finds each kind's handler.
JobKind = NewType("JobKind", str)


@dataclass(frozen=True, slots=True)
class Job:
    """A unit of background work. `id` is also the queue's dedupe key; `request_id` names
    the request that accepted it, so the logs of its run can be told apart and joined to
    that request's; `traceparent`, the W3C trace context of its acceptance, so its run
    joins that request's trace (None when nothing traced it)."""

    id: str
    kind: JobKind
    payload: dict[str, Any]
    request_id: str | None = None
    traceparent: str | None = None


@dataclass(frozen=True, slots=True)
class JobProgress:
    id: str
    kind: JobKind
    status: JobStatus
    created_at: datetime
    processed: int = 0
    total: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    # Which run of the job this is (1 for the first), 0 until one starts.
    attempts: int = 0
    # Set by the progress store on each save: how a watcher orders what it hears.
    sequence: int = 0

    @classmethod
    def queued(cls, job: Job, *, total: int, now: datetime) -> JobProgress:
        return cls(id=job.id, kind=job.kind, status=JobStatus.QUEUED, created_at=now, total=total)

    def started(self, *, now: datetime, attempt: int = 1) -> JobProgress:
        self._require_open()
        return dataclasses.replace(self, status=JobStatus.RUNNING, started_at=now, attempts=attempt)

    def advanced(self, *, processed: int) -> JobProgress:
        self._require_open()
        return dataclasses.replace(self, processed=processed)

    def done(self, *, result: dict[str, Any], now: datetime) -> JobProgress:
        self._require_open()
        return dataclasses.replace(
            self, status=JobStatus.DONE, processed=self.total, result=result, finished_at=now
        )

    def failed(self, *, error: str, now: datetime) -> JobProgress:
        self._require_open()
        return dataclasses.replace(self, status=JobStatus.FAILED, error=error, finished_at=now)

    def _require_open(self) -> None:
        if self.status.is_terminal:
            raise InvalidTransition(f"job {self.id} has already ended {self.status}")


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A job accepted and written in the same transaction as the change that caused it;
    `dispatched_at` is set once the queue has it, or when it is accepted by a process that
    hands it over itself right after (see `hexa.services.dispatch`). Until then the relay
    keeps trying.

    The entry is also the job's durable record: `outcome` keeps its end, because progress
    lives in a store that may forget it (Redis, with a time to live). `started_by` names
    who caused the job (an audit actor); `retry_of`, the failed job it runs again.
    """

    job: Job
    total: int
    created_at: datetime
    dispatched_at: datetime | None = None
    outcome: JobProgress | None = None
    version: int = 1
    started_by: str | None = None
    retry_of: str | None = None

    @property
    def id(self) -> str:
        return self.job.id

    def dispatched(self, *, now: datetime) -> OutboxEntry:
        return dataclasses.replace(self, dispatched_at=now, version=self.version + 1)

    def undispatched(self) -> OutboxEntry:
        """Back to pending: the hand-over its acceptance promised did not reach the queue."""
        return dataclasses.replace(self, dispatched_at=None, version=self.version + 1)

    def ended(self, progress: JobProgress) -> OutboxEntry:
        if not progress.status.is_terminal:
            raise InvalidTransition(f"job {self.id} is {progress.status}: it has not ended")
        if self.outcome is not None:
            raise InvalidTransition(f"job {self.id} has already ended {self.outcome.status}")
        outcome = dataclasses.replace(progress, created_at=self.created_at, sequence=0)
        return dataclasses.replace(self, outcome=outcome, version=self.version + 1)

    def done(
        self, *, result: dict[str, Any], started_at: datetime, finished_at: datetime
    ) -> OutboxEntry:
        """The entry of its job, run from `started_at` to `finished_at` and done."""
        run = self.queued().started(now=started_at)
        return self.ended(run.done(result=result, now=finished_at))

    def queued(self) -> JobProgress:
        return JobProgress.queued(self.job, total=self.total, now=self.created_at)

    def traced(self, traceparent: str) -> OutboxEntry:
        """The entry, its job carrying the trace context of its acceptance."""
        return dataclasses.replace(self, job=dataclasses.replace(self.job, traceparent=traceparent))

    def retried_as(self, job_id: str, *, request_id: str | None) -> Job:
        """The job that runs a failed one again: the same work under a new id (the old
        one keeps its record: what failed, and why). Raises `InvalidTransition` unless
        this job ended `failed`."""
        if self.outcome is None or self.outcome.status is not JobStatus.FAILED:
            state = "has not ended" if self.outcome is None else f"ended {self.outcome.status}"
            raise InvalidTransition(f"job {self.id} {state}: only a failed job is retried")
        return Job(job_id, self.job.kind, dict(self.job.payload), request_id=request_id)

    def progress(self) -> JobProgress:
        """What the entry alone tells of its job: how it ended, or else that it waits."""
        return self.outcome if self.outcome is not None else self.queued()


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job as operators see it: its outbox entry (what, who, when, what it retries)
    and where it stands now (its end, or its live progress)."""

    entry: OutboxEntry
    progress: JobProgress

    @property
    def id(self) -> str:
        return self.entry.id


class JobOutcome(StrEnum):
    """How one attempt at a job ended: for counting, not for the job's own state."""

    DONE = "done"
    FAILED = "failed"
    RETRIED = "retried"  # failed for now; the queue will run it again


# Upper bounds, in seconds, of the job duration histogram's buckets (one more is +Inf).
DURATION_BUCKETS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


def duration_bucket(seconds: float) -> int:
    """The index of the first bucket whose bound is at least `seconds`; the last index
    (len(DURATION_BUCKETS)) is the +Inf bucket."""
    return bisect_left(DURATION_BUCKETS, seconds)


@dataclass(frozen=True, slots=True)
class Durations:
    """How long jobs of one kind ran: a count per bucket (not cumulative; the +Inf bucket
    last) and the sum of all durations."""

    counts: tuple[int, ...] = (0,) * (len(DURATION_BUCKETS) + 1)
    total_seconds: float = 0.0

    @property
    def count(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class JobTotals:
    """Attempts by kind and outcome, and the durations of the jobs that ended, since the
    tally began."""

    outcomes: Mapping[tuple[JobKind, JobOutcome], int] = field(default_factory=dict)
    durations: Mapping[JobKind, Durations] = field(default_factory=dict)
