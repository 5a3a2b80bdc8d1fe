"""The StatCounts contract, for every backend: totals that only grow, read by range."""

from __future__ import annotations

from datetime import timedelta

from hexa.ports.stats import StatCount
from tests.builders import T0

H = timedelta(hours=1)


async def _add(uow, counts) -> None:  # type: ignore[no-untyped-def]
    async with uow() as u:
        await u.stats.add(counts)
        await u.commit()


async def _read(uow, series: str, since=T0, until=T0 + 24 * H):  # type: ignore[no-untyped-def]
    async with uow(read_only=True) as u:
        return await u.stats.read(series, since=since, until=until)


async def test_additions_grow_their_totals_and_start_new_ones(uow) -> None:
    await _add(uow, {("s", T0, "passed"): 2, ("s", T0 + H, "failed"): 1})
    await _add(uow, {("s", T0, "passed"): 3, ("s", T0, "failed"): 1})
    assert await _read(uow, "s") == [
        StatCount(T0, "failed", 1),
        StatCount(T0, "passed", 5),
        StatCount(T0 + H, "failed", 1),
    ]


async def test_a_read_keeps_to_its_series_and_its_range(uow) -> None:
    await _add(
        uow,
        {("s", T0 - H, "a"): 1, ("s", T0, "a"): 2, ("s", T0 + 2 * H, "a"): 3, ("t", T0, "a"): 4},
    )
    # `since` included, `until` not.
    assert await _read(uow, "s", since=T0, until=T0 + 2 * H) == [StatCount(T0, "a", 2)]
    assert await _read(uow, "t") == [StatCount(T0, "a", 4)]
    assert await _read(uow, "u") == []


async def test_nothing_lasts_without_a_commit(uow) -> None:
    async with uow() as u:
        await u.stats.add({("s", T0, "a"): 1})
    assert await _read(uow, "s") == []


async def test_many_totals_in_one_addition(uow) -> None:
    counts = {("s", T0 + n * H, f"rule-{n % 7}|error"): n + 1 for n in range(20)}
    await _add(uow, counts)
    found = await _read(uow, "s")
    assert {(c.period, c.key): c.count for c in found} == {
        (period, key): count for (_, period, key), count in counts.items()
    }


async def test_forgetting_removes_the_periods_before_a_time_of_one_series(uow) -> None:
    await _add(uow, {("s", T0, "a"): 1, ("s", T0 + H, "a"): 2, ("s", T0 + H, "b"): 3})
    await _add(uow, {("t", T0, "a"): 4})
    async with uow() as u:
        assert await u.stats.forget("s", before=T0 + H) == 1
        await u.commit()
    assert await _read(uow, "s") == [StatCount(T0 + H, "a", 2), StatCount(T0 + H, "b", 3)]
    assert await _read(uow, "t") == [StatCount(T0, "a", 4)]
