"""The in-process family: stores in this process's memory, jobs run as its own tasks.

What lives here is lost on restart and belongs to one process: the embedded default for
rate limits, progress and jobs when no Redis is set, and `PERSISTENCE=memory` for tests.
"""

from __future__ import annotations

import functools
import random
from contextlib import AsyncExitStack

from hexa.adapters.memory.database import MemoryDatabase
from hexa.adapters.memory.jobs import InProcessJobQueue, MemoryJobTally, MemoryProgressStore
from hexa.adapters.memory.rate_limit import MemoryChangeCounter, MemoryRateLimiter
from hexa.bootstrap.chores import (
    FIRST_PURGE_AFTER_SECONDS,
    PURGE_EVERY_SECONDS,
    RELAY_EVERY_SECONDS,
    run_every,
)
from hexa.bootstrap.families import Database
from hexa.bootstrap.shared import Queueing, SharedState
from hexa.config import Settings
from hexa.ports.clock import Clock
from hexa.services.dispatch import JobDispatcher
from hexa.services.housekeeping import Housekeeping
from hexa.services.jobs import JobRunner


async def open_backend(settings: Settings) -> Database:
    return MemoryDatabase()


def shared_state(settings: Settings, clock: Clock, stack: AsyncExitStack) -> SharedState:
    """Rate limits, change counters, progress and tally of this process alone."""
    return SharedState(
        MemoryRateLimiter(clock),
        MemoryChangeCounter(),
        MemoryChangeCounter(),
        functools.cache(lambda name: MemoryChangeCounter()),
        MemoryProgressStore(),
        MemoryJobTally(),
        None,
        (),
    )


def job_queue(settings: Settings, stack: AsyncExitStack) -> Queueing:
    """Jobs run as tasks of this process, beside the relay that picks up what the queue
    missed and the hourly housekeeping."""
    queue = InProcessJobQueue()
    stack.push_async_callback(queue.close)

    def start(runner: JobRunner, dispatcher: JobDispatcher, housekeeping: Housekeeping) -> None:
        queue.start(runner.run)
        run_every(stack, "outbox-relay", RELAY_EVERY_SECONDS, dispatcher.relay,
                  first_after=RELAY_EVERY_SECONDS)  # fmt: skip
        # Replicas started together purge at different moments, not in a race.
        first_purge = FIRST_PURGE_AFTER_SECONDS * (1 + random.random())
        run_every(stack, "housekeeping", PURGE_EVERY_SECONDS, housekeeping.purge,
                  first_after=first_purge)  # fmt: skip

    return Queueing(queue, start)
