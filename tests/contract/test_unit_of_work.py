"""The unit of work's read-only mode, over every backend: it reads what is committed,
cannot commit, and on SQL reads beside a writer instead of queueing behind its lock."""

from __future__ import annotations

import asyncio

import pytest

from tests.builders import an_inspection


async def test_a_read_only_unit_reads_what_is_committed(uow) -> None:
    inspection = an_inspection()
    async with uow() as writer:
        await writer.inspections.add(inspection)
        await writer.commit()

    async with uow(read_only=True) as reader:
        assert await reader.inspections.get(inspection.id) == inspection


async def test_a_read_only_unit_cannot_commit(uow) -> None:
    async with uow(read_only=True) as reader:
        await reader.inspections.page(limit=1)
        with pytest.raises(RuntimeError, match="read-only"):
            await reader.commit()


async def test_readers_do_not_wait_for_a_writer_in_progress(uow) -> None:
    """A writer holds its transaction (SQLite's write lock) open; readers still answer at
    once, and see the state from before the writer's commit."""
    kept = an_inspection("kept")
    async with uow() as setup:
        await setup.inspections.add(kept)
        await setup.commit()

    async with uow() as writer:
        await writer.inspections.add(an_inspection("pending"))

        async def read() -> list[str]:
            async with uow(read_only=True) as reader:
                page = await reader.inspections.page(limit=200)
                return [i.subject for i in page]

        seen = await asyncio.wait_for(asyncio.gather(read(), read(), read()), timeout=2)
        assert all("kept" in subjects and "pending" not in subjects for subjects in seen)
        await writer.commit()
