"""The unit of work's read-only mode, over every backend: it reads what is committed,
cannot commit, and on SQL reads beside a writer instead of queueing behind its lock; its
one-write mode keeps the write and its refusals; on a store without transactions, the
order a commit writes in."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from hexa.domain.errors import NotFound, StaleVersion
from hexa.domain.jobs import Job, OutboxEntry
from tests.builders import ONE_JOB, T0, a_user


async def test_a_read_only_unit_reads_what_is_committed(uow) -> None:
    user = a_user()
    async with uow() as writer:
        await writer.users.add(user)
        await writer.commit()

    async with uow(read_only=True) as reader:
        assert await reader.users.get(user.id) == user


async def test_a_read_only_unit_cannot_commit(uow) -> None:
    async with uow(read_only=True) as reader:
        await reader.users.page(limit=1)
        with pytest.raises(RuntimeError, match="read-only"):
            await reader.commit()


async def test_a_one_write_unit_keeps_its_write(uow) -> None:
    user = a_user()
    async with uow(one_write=True) as writer:
        await writer.users.add(user)
        await writer.commit()

    async with uow(read_only=True) as reader:
        assert await reader.users.get(user.id) == user


async def test_a_one_write_unit_refuses_a_stale_write_and_keeps_nothing_of_it(uow) -> None:
    user = a_user()
    async with uow() as setup:
        await setup.users.add(user)
        await setup.commit()

    with pytest.raises(StaleVersion):
        async with uow(one_write=True) as writer:
            await writer.users.update(
                dataclasses.replace(user, active=False, version=8), expected_version=7
            )
            await writer.commit()

    async with uow(read_only=True) as reader:
        assert await reader.users.get(user.id) == user


async def test_readers_do_not_wait_for_a_writer_in_progress(uow) -> None:
    """A writer holds its transaction (SQLite's write lock) open; readers still answer at
    once, and see the state from before the writer's commit."""
    kept = a_user("kept@example.com")
    async with uow() as setup:
        await setup.users.add(kept)
        await setup.commit()

    async with uow() as writer:
        await writer.users.add(a_user("pending@example.com"))

        async def read() -> list[str]:
            async with uow(read_only=True) as reader:
                page = await reader.users.page(limit=200)
                return [u.email for u in page]

        seen = await asyncio.wait_for(asyncio.gather(read(), read(), read()), timeout=2)
        assert all(
            "kept@example.com" in emails and "pending@example.com" not in emails for emails in seen
        )
        await writer.commit()


async def test_a_change_that_fails_at_commit_leaves_no_job_touched_before_it(backend, uow) -> None:
    """For a store that writes at commit (Mongo, no transaction): the outbox goes after
    the changes, whatever order they were touched in, so a change refused at commit never
    leaves behind the job that was to follow it."""
    if type(backend).__name__ != "MongoDatabase":
        pytest.skip("a transaction rolls the whole unit back: nothing to order")
    user = a_user()
    async with uow() as setup:
        await setup.users.add(user)
        await setup.commit()
    entry = OutboxEntry(Job("j-1", ONE_JOB, {"user": user.id}), total=1, created_at=T0)

    async with uow() as late:
        await late.outbox.add(entry)
        await late.users.update(dataclasses.replace(user, version=2), expected_version=1)
        async with uow() as first:
            await first.users.update(dataclasses.replace(user, version=2), expected_version=1)
            await first.commit()
        with pytest.raises(StaleVersion):
            await late.commit()

    async with uow(read_only=True) as reader:
        with pytest.raises(NotFound):
            await reader.outbox.get("j-1")
