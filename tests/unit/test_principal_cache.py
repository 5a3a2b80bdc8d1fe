"""`PrincipalCache`: kept until the counter moves, nothing kept while it cannot be read,
and a change announced late rather than never."""

from __future__ import annotations

from hexa.adapters.memory.rate_limit import MemoryChangeCounter
from hexa.domain.access import JOBS_READ, Principal, PrincipalKind
from hexa.domain.errors import Unavailable
from hexa.services.principals import PrincipalCache

ALICE = Principal(PrincipalKind.USER, "alice", frozenset({JOBS_READ}), session_id="s1")
KEY = ("alice", "s1")


class FlakyCounter(MemoryChangeCounter):
    """A shared counter that can be away, as Redis can."""

    def __init__(self) -> None:
        super().__init__()
        self.away = False

    async def current(self) -> int:
        if self.away:
            raise Unavailable("Redis failed: ConnectionError")
        return await super().current()

    async def bump(self) -> None:
        if self.away:
            raise Unavailable("Redis failed: ConnectionError")
        await super().bump()


async def test_a_principal_is_kept_until_a_change_is_announced() -> None:
    counter = FlakyCounter()
    here, there = PrincipalCache(counter), PrincipalCache(counter)
    here.keep(KEY, ALICE, await here.generation())
    assert here.get(KEY) == ALICE

    await there.changed()  # another replica, after its commit

    await here.generation()
    assert here.get(KEY) is None


async def test_nothing_is_kept_while_the_counter_is_away() -> None:
    counter = FlakyCounter()
    cache = PrincipalCache(counter)
    cache.keep(KEY, ALICE, await cache.generation())
    counter.away = True

    generation = await cache.generation()
    cache.keep(KEY, ALICE, generation)

    assert generation is None and cache.get(KEY) is None


async def test_a_change_made_while_the_counter_is_away_is_announced_when_it_is_back() -> None:
    counter = FlakyCounter()
    here, there = PrincipalCache(counter), PrincipalCache(counter)
    there.keep(KEY, ALICE, await there.generation())
    counter.away = True
    await here.changed()  # durable already: it must not fail the request that made it
    counter.away = False

    await here.generation()  # the owed announcement goes out
    await there.generation()

    assert there.get(KEY) is None
