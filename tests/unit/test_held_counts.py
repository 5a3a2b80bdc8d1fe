"""Counts kept in process and written together: once a hold, kept through a failed
write, written at close and never after."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from hexa.domain.errors import Unavailable
from hexa.services.held_counts import HeldCounts


class _Store:
    def __init__(self) -> None:
        self.writes: list[Counter[str]] = []
        self.down = False

    async def write(self, counts: Counter[str]) -> None:
        if self.down:
            raise Unavailable("the store is down")
        self.writes.append(Counter(counts))


async def _written(store: _Store) -> list[Counter[str]]:
    """The store's writes once there is one (a busy machine may be slow to get there)."""
    for _ in range(500):
        if store.writes:
            return store.writes
        await asyncio.sleep(0.01)
    raise AssertionError("nothing was written within 5 s")


async def test_counts_of_one_hold_go_out_in_one_write() -> None:
    store = _Store()
    held: HeldCounts[str] = HeldCounts(store.write, what="test counts", hold_seconds=0.05)
    for _ in range(100):
        held.add("a")
    held.add("b", 2.5)
    assert store.writes == []
    assert await _written(store) == [Counter({"a": 100, "b": 2.5})]
    await held.close()


async def test_counts_outlive_a_failed_write_and_go_out_once_it_is_back() -> None:
    store = _Store()
    held: HeldCounts[str] = HeldCounts(store.write, what="test counts", hold_seconds=0.05)
    store.down = True
    held.add("a")
    with pytest.raises(Unavailable):
        await held.flush()
    held.add("a")
    await asyncio.sleep(0.12)  # the background write fails too, and keeps them
    store.down = False
    assert await _written(store) == [Counter({"a": 2})]
    await held.close()


async def test_close_writes_what_is_left_once_and_nothing_after() -> None:
    store = _Store()
    held: HeldCounts[str] = HeldCounts(store.write, what="test counts", hold_seconds=60)
    held.add("a")
    await held.close()
    held.add("a")
    await held.flush()
    assert store.writes == [Counter({"a": 1})]


async def test_a_flush_waits_for_a_write_under_way() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    written: list[Counter[str]] = []

    async def slow(counts: Counter[str]) -> None:
        started.set()
        await release.wait()
        written.append(Counter(counts))

    held: HeldCounts[str] = HeldCounts(slow, what="test counts", hold_seconds=0.01)
    held.add("a")
    await started.wait()  # the background write has taken "a" and is under way
    reader = asyncio.create_task(held.flush())
    await asyncio.sleep(0.05)
    assert not reader.done()  # it would read before "a" is stored
    release.set()
    await reader
    assert written == [Counter({"a": 1})]
    await held.close()
