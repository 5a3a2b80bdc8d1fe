"""What `/metrics` reads beyond the HTTP driver: only the job kinds this release runs."""

from __future__ import annotations

from hexa.adapters.clock import FrozenClock
from hexa.adapters.memory.database import MemoryDatabase
from hexa.adapters.memory.jobs import InProcessJobQueue, MemoryJobTally
from hexa.adapters.memory.rate_limit import MemoryChangeCounter
from hexa.adapters.unit_of_work import PORTS, unit_of_work_factory
from hexa.domain.jobs import JobKind, JobOutcome
from hexa.services.api_keys import ApiKeyService
from hexa.services.metrics import MetricsReader
from tests.builders import ONE_JOB, T0


async def test_a_kind_no_longer_run_is_left_out_of_the_job_totals() -> None:
    tally = MemoryJobTally()
    await tally.record(ONE_JOB, JobOutcome.DONE, seconds=0.5)
    await tally.record(JobKind("gone_since_the_last_release"), JobOutcome.FAILED, seconds=2)
    uow = unit_of_work_factory({"m": MemoryDatabase()}, dict.fromkeys(PORTS, "m"))
    keys = ApiKeyService(uow, FrozenClock(T0), pepper=b"p" * 32, changes=MemoryChangeCounter())
    reader = MetricsReader(InProcessJobQueue(), tally, keys, kinds={ONE_JOB})

    readings = await reader.read()

    assert readings.jobs is not None
    assert readings.jobs.outcomes == {(ONE_JOB, JobOutcome.DONE): 1}
    assert set(readings.jobs.durations) == {ONE_JOB}
