"""Fixed-window rate limits counted in this process (one replica; Redis shares them)."""

from __future__ import annotations

import math
from datetime import timedelta

from hexa.ports.clock import Clock
from hexa.ports.security import RateDecision

_MAX_KEYS = 100_000


class MemoryRateLimiter:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str, *, limit: int, window: timedelta) -> RateDecision:
        now = self._clock.now().timestamp()
        seconds = window.total_seconds()
        start = now - now % seconds
        began, count = self._windows.get(key, (start, 0))
        if began != start:
            began, count = start, 0
        count += 1
        if len(self._windows) >= _MAX_KEYS and key not in self._windows:
            self._forget_expired(now, seconds)
        self._windows[key] = (began, count)
        if count > limit:
            return RateDecision(False, max(1, math.ceil(began + seconds - now)), count)
        return RateDecision(True, 0, count)

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)

    def _forget_expired(self, now: float, seconds: float) -> None:
        for key, (began, _) in list(self._windows.items()):
            if began + seconds <= now:
                del self._windows[key]


class MemoryChangeCounter:
    """A change counter for one process: enough when every replica is this process."""

    def __init__(self) -> None:
        self._value = 0

    async def current(self) -> int:
        return self._value

    async def bump(self) -> None:
        self._value += 1
