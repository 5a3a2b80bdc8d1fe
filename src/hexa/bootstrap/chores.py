"""Work a process repeats on its own: the outbox relay, housekeeping, the heartbeat."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import timedelta

log = logging.getLogger("hexa.bootstrap")
HEARTBEAT_EVERY = timedelta(seconds=10)
HEARTBEAT_TTL = timedelta(seconds=30)
RELAY_EVERY_SECONDS = 5.0
# Housekeeping when jobs run in-process; a worker runs it from an arq cron instead. The
# first round waits a little, so that a restart does not purge before serving.
PURGE_EVERY_SECONDS = 3600.0
FIRST_PURGE_AFTER_SECONDS = 60.0


def run_every(
    stack: AsyncExitStack,
    name: str,
    seconds: float,
    chore: Callable[[], Awaitable[object]],
    *,
    first_after: float = 0.0,
) -> None:
    """Runs `chore` every `seconds` as a task of this process until `stack` closes. A
    round that fails (Redis or the database away) is logged; the next one tries again."""

    async def forever() -> None:
        await asyncio.sleep(first_after)
        while True:
            try:
                await chore()
            except Exception:
                log.warning("%s round failed", name, exc_info=True)
            await asyncio.sleep(seconds)

    task = asyncio.create_task(forever(), name=f"hexa-{name}")
    stack.push_async_callback(_cancelled, task)


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
