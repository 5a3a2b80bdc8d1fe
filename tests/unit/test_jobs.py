from __future__ import annotations

import pytest

from hexa.domain.errors import InvalidTransition
from hexa.domain.jobs import (
    DURATION_BUCKETS,
    Job,
    JobProgress,
    JobStatus,
    OutboxEntry,
    duration_bucket,
)
from tests.builders import ONE_JOB, T0

JOB = Job("job-1", ONE_JOB, {"inspection_id": "i-1"})


def test_a_job_goes_from_queued_through_running_to_done() -> None:
    queued = JobProgress.queued(JOB, total=4, now=T0)
    running = queued.started(now=T0).advanced(processed=2)
    done = running.done(result={"verdict": "passed"}, now=T0)
    assert [p.status for p in (queued, running, done)] == ["queued", "running", "done"]
    assert (running.processed, done.processed, done.result) == (2, 4, {"verdict": "passed"})


def test_an_ended_job_cannot_move_again() -> None:
    done = JobProgress.queued(JOB, total=1, now=T0).started(now=T0).done(result={}, now=T0)
    assert done.status is JobStatus.DONE
    with pytest.raises(InvalidTransition):
        done.failed(error="late", now=T0)
    failed = JobProgress.queued(JOB, total=1, now=T0).failed(error="boom", now=T0)
    with pytest.raises(InvalidTransition):
        failed.started(now=T0)


@pytest.mark.parametrize(
    ("seconds", "bucket"),
    [
        (0.0, 0),
        (0.05, 0),
        (0.051, 1),
        (600, len(DURATION_BUCKETS) - 1),
        (601, len(DURATION_BUCKETS)),
    ],
)
def test_a_duration_falls_in_the_first_bucket_whose_bound_holds_it(
    seconds: float, bucket: int
) -> None:
    assert duration_bucket(seconds) == bucket


def test_a_run_counts_its_attempt_through_to_its_end() -> None:
    queued = JobProgress.queued(JOB, total=1, now=T0)
    assert queued.attempts == 0
    failed = queued.started(now=T0, attempt=2).failed(error="down", now=T0)
    assert failed.attempts == 2


def test_only_a_failed_job_is_retried_as_the_same_work_under_a_new_id() -> None:
    entry = OutboxEntry(JOB, total=1, created_at=T0)
    run = entry.queued().started(now=T0)
    for unfit in (entry, entry.ended(run.done(result={}, now=T0))):
        with pytest.raises(InvalidTransition):
            unfit.retried_as("job-2", request_id="r-2")
    failed = entry.ended(run.failed(error="rule store down", now=T0))
    again = failed.retried_as("job-2", request_id="r-2")
    assert again == Job("job-2", JOB.kind, JOB.payload, request_id="r-2")
    assert again.payload is not JOB.payload  # its own copy
