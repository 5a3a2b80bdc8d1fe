"""State every replica must see alike, and how jobs reach whoever runs them.

Rate limits, the change counters, job progress and tally, and the worker heartbeat live
in Redis when there is one (`hexa.bootstrap.redis`), in this process otherwise
(`hexa.bootstrap.memory`); jobs go to arq (`hexa.bootstrap.arq`) or run in-process.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Protocol, cast

from hexa.bootstrap.bundle import HealthCheck
from hexa.bootstrap.families import family
from hexa.config import Settings
from hexa.ports.clock import Clock
from hexa.ports.jobs import Heartbeat, JobQueue, JobTally, ProgressStore
from hexa.ports.security import ChangeCounter, RateLimiter
from hexa.services.dispatch import JobDispatcher
from hexa.services.housekeeping import Housekeeping
from hexa.services.jobs import JobRunner

Chores = Callable[[JobRunner, JobDispatcher, Housekeeping], None]


@dataclass(frozen=True, slots=True)
class SharedState:
    limiter: RateLimiter
    changes: ChangeCounter  # API keys
    sign_ins: ChangeCounter  # people's accounts and sessions
    counters: Callable[[str], ChangeCounter]  # an area's own, by name (its rules, say)
    progress: ProgressStore
    tally: JobTally
    heartbeat: Heartbeat | None
    checks: tuple[HealthCheck, ...]


@dataclass(frozen=True, slots=True)
class Queueing:
    """The queue jobs are handed to, and what starts this process's part in running
    them (nothing when another process, the worker, runs them)."""

    queue: JobQueue
    start: Chores


class _SharedStateFamily(Protocol):
    def shared_state(
        self, settings: Settings, clock: Clock, stack: AsyncExitStack
    ) -> SharedState: ...


class _QueueFamily(Protocol):
    def job_queue(self, settings: Settings, stack: AsyncExitStack) -> Queueing: ...


def shared_state(settings: Settings, clock: Clock, stack: AsyncExitStack) -> SharedState:
    name = "memory" if settings.resolved_redis_url is None else "redis"
    wiring = cast(_SharedStateFamily, family(name, "REDIS_URL"))
    return wiring.shared_state(settings, clock, stack)


def queueing(settings: Settings, stack: AsyncExitStack) -> Queueing:
    name = {"inprocess": "memory", "arq": "arq"}[settings.resolved_queue_backend]
    wiring = cast(_QueueFamily, family(name, "QUEUE_BACKEND"))
    return wiring.job_queue(settings, stack)
