"""`_SharedRead`: concurrent callers share a read sent after they asked, never one sent
before (it could miss a change they must see)."""

from __future__ import annotations

import asyncio
import gc

import pytest

from hexa.adapters.redis.counters import _SharedRead
from hexa.domain.errors import Unavailable


class _Store:
    """A counter whose reads wait until the test lets them answer."""

    def __init__(self) -> None:
        self.value = 0
        self.reads = 0
        self.gate = asyncio.Event()
        self.fail: Exception | None = None

    async def read(self) -> int:
        self.reads += 1
        seen = self.value  # what the read sees is fixed when it is sent
        await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return seen


async def test_callers_that_ask_together_share_one_read() -> None:
    store = _Store()
    shared = _SharedRead(store.read)
    waiting = [asyncio.ensure_future(shared()) for _ in range(50)]
    await asyncio.sleep(0.01)
    store.gate.set()
    assert await asyncio.gather(*waiting) == [0] * 50
    assert store.reads == 1


async def test_a_caller_who_asks_during_a_read_waits_for_the_next_one() -> None:
    store = _Store()
    shared = _SharedRead(store.read)
    early = asyncio.ensure_future(shared())
    await asyncio.sleep(0.01)  # the first read is on the wire, having seen 0
    store.value = 1  # a change announced after it left
    late = [asyncio.ensure_future(shared()) for _ in range(10)]
    await asyncio.sleep(0.01)
    store.gate.set()
    assert await early == 0
    assert await asyncio.gather(*late) == [1] * 10
    assert store.reads == 2


async def test_a_failed_read_fails_its_callers_and_the_next_read_is_fresh() -> None:
    store = _Store()
    shared = _SharedRead(store.read)
    store.fail = Unavailable("redis is away")
    store.gate.set()
    with pytest.raises(Unavailable):
        await asyncio.gather(*(shared() for _ in range(3)))
    store.fail = None
    assert await shared() == 0


async def test_a_cancelled_caller_does_not_cancel_the_read() -> None:
    store = _Store()
    shared = _SharedRead(store.read)
    first, second = asyncio.ensure_future(shared()), asyncio.ensure_future(shared())
    await asyncio.sleep(0.01)
    first.cancel()
    store.gate.set()
    assert await second == 0
    assert first.cancelled()


async def test_a_failure_no_caller_waits_for_is_not_reported_as_unretrieved(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = _Store()
    shared = _SharedRead(store.read)
    store.fail = Unavailable("redis is away")
    lone = asyncio.ensure_future(shared())
    await asyncio.sleep(0.01)
    lone.cancel()
    store.gate.set()
    await asyncio.sleep(0.01)
    gc.collect()
    assert "never retrieved" not in caplog.text
