"""The checks `/healthz` runs besides each store's own ping."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from hexa.bootstrap.chores import HEARTBEAT_TTL
from hexa.domain.errors import Unavailable
from hexa.ports.clock import Clock
from hexa.ports.jobs import Heartbeat


def worker_alive(heartbeat: Heartbeat, clock: Clock) -> Callable[[], Awaitable[None]]:
    async def probe() -> None:
        if await heartbeat.last() is None:
            raise Unavailable(f"no worker heartbeat in the last {HEARTBEAT_TTL.seconds} s")

    return probe
