"""The RateLimiter and ChangeCounter contracts: in memory, and in Redis (shared by every
replica, which two clients on one server stand in for)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from hexa.adapters.clock import FrozenClock
from hexa.adapters.memory.rate_limit import MemoryChangeCounter, MemoryRateLimiter
from hexa.ports.security import ChangeCounter, RateLimiter
from tests.builders import T0
from tests.families import kept_adapters

WINDOW = timedelta(seconds=1)


@pytest.fixture(params=kept_adapters("memory", "redis"))
async def make(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[str], object]]:
    """Builds a limiter or counter; each call stands for another replica."""
    if request.param == "memory":
        clock = FrozenClock(T0)
        limiter, counter = MemoryRateLimiter(clock), MemoryChangeCounter()
        yield lambda what: {"limiter": limiter, "counter": counter, "clock": clock}[what]
        return
    from hexa.adapters.redis.client import connect
    from hexa.adapters.redis.counters import RedisChangeCounter, RedisRateLimiter

    client = connect(request.getfixturevalue("redis_url"))
    await client.flushdb()
    try:
        yield lambda what: {
            "limiter": RedisRateLimiter(client),
            "counter": RedisChangeCounter(client),
            "clock": None,
        }[what]
    finally:
        await client.aclose()


async def _pass_the_window(make: Callable[[str], object]) -> None:
    clock = make("clock")
    if isinstance(clock, FrozenClock):
        clock.advance(WINDOW)
    else:
        await asyncio.sleep(WINDOW.total_seconds() + 0.1)


async def test_attempts_are_allowed_up_to_the_limit(make) -> None:
    limiter: RateLimiter = make("limiter")
    decisions = [await limiter.hit("login:a", limit=3, window=WINDOW) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.attempts for d in decisions] == [1, 2, 3, 4]
    assert 0 < decisions[-1].retry_after_seconds <= 1


async def test_keys_are_counted_apart_and_reset_forgets(make) -> None:
    limiter: RateLimiter = make("limiter")
    for _ in range(2):
        await limiter.hit("a", limit=1, window=WINDOW)
    assert (await limiter.hit("b", limit=1, window=WINDOW)).allowed
    await limiter.reset("a")
    assert (await limiter.hit("a", limit=1, window=WINDOW)).allowed


async def test_a_new_window_allows_again(make) -> None:
    limiter: RateLimiter = make("limiter")
    for _ in range(2):
        await limiter.hit("a", limit=1, window=WINDOW)
    await _pass_the_window(make)
    assert (await limiter.hit("a", limit=1, window=WINDOW)).allowed


async def test_limits_are_shared_by_replicas(make) -> None:
    first, second = make("limiter"), make("limiter")
    await first.hit("a", limit=1, window=WINDOW)  # type: ignore[attr-defined]
    assert not (await second.hit("a", limit=1, window=WINDOW)).allowed  # type: ignore[attr-defined]


async def test_a_bump_is_seen_by_every_replica(make) -> None:
    first: ChangeCounter = make("counter")
    second: ChangeCounter = make("counter")
    before = await second.current()
    await first.bump()
    assert await second.current() == before + 1


async def test_concurrent_reads_all_see_a_bump_made_before_they_asked(make) -> None:
    counter: ChangeCounter = make("counter")
    other: ChangeCounter = make("counter")
    before = await counter.current()
    early = [asyncio.ensure_future(counter.current()) for _ in range(20)]
    await asyncio.sleep(0)  # their read is on the wire
    await other.bump()
    late = await asyncio.gather(*(counter.current() for _ in range(20)))
    assert set(late) == {before + 1}
    assert {await e for e in early} <= {before, before + 1}


async def test_a_reader_cancelled_mid_read_leaves_the_others_their_answer(make) -> None:
    counter: ChangeCounter = make("counter")
    before = await counter.current()
    first, second = (asyncio.ensure_future(counter.current()) for _ in range(2))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == before
    assert await counter.current() == before
