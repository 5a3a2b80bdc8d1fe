"""SQLite writers of one process take turns before the file lock, in order: none waits in
SQLite's busy handler (whose growing sleeps made the embedded default's tail), and a
writer that cannot get its turn in time goes on rather than hang. A writing unit holds
the write lock from its first statement (BEGIN IMMEDIATE, sent with it when it writes)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from hexa.adapters.sql import database
from hexa.adapters.sql.database import PoolLimits, SqlDatabase

WRITERS = 40


@pytest.fixture
async def sqlite(tmp_path: Path) -> SqlDatabase:
    db = SqlDatabase.from_url(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    async with db.engine.begin() as connection:
        await connection.execute(sa.text("CREATE TABLE tally (n INTEGER)"))
    return db


async def test_writers_take_turns_in_order_and_every_write_lands(sqlite: SqlDatabase) -> None:
    inside, most = 0, 0

    async def write(n: int) -> None:
        nonlocal inside, most
        session = sqlite.session()
        try:
            connection = await session._connect()
            inside += 1
            most = max(most, inside)
            await connection.execute(sa.text("INSERT INTO tally VALUES (:n)"), {"n": n})
            await asyncio.sleep(0)  # give the others every chance to come in
            inside -= 1
            await session.commit()
        finally:
            await session.close()

    await asyncio.gather(*(write(n) for n in range(WRITERS)))
    assert most == 1
    async with sqlite.engine.connect() as connection:
        landed = (await connection.execute(sa.text("SELECT n FROM tally ORDER BY rowid"))).all()
    assert [n for (n,) in landed] == list(range(WRITERS))  # in the order they asked
    await sqlite.close()


async def test_readers_do_not_wait_for_the_writers_turn(sqlite: SqlDatabase) -> None:
    writer = sqlite.session()
    await writer._connect()  # holds the turn (SQLite's write lock comes with a statement)
    await (await writer._connect()).execute(sa.text("INSERT INTO tally VALUES (1)"))
    reader = sqlite.session(read_only=True)
    try:
        connection = await asyncio.wait_for(reader._connect(), 5)
        assert await connection.scalar(sa.text("SELECT count(*) FROM tally")) == 0  # not yet
    finally:
        await reader.close()
        await writer.close()
        await sqlite.close()


async def test_a_writer_denied_its_turn_goes_on_after_a_while(
    sqlite: SqlDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "WRITER_TURN_SECONDS", 0.1)
    assert sqlite._writers is not None
    await sqlite._writers.acquire()  # as a unit of work that never ends would
    session = sqlite.session()
    try:
        connection = await asyncio.wait_for(session._connect(), 5)
        await connection.execute(sa.text("INSERT INTO tally VALUES (1)"))
        await session.commit()
    finally:
        await session.close()
    assert sqlite._writers.locked()  # still the other's: this one never held it
    sqlite._writers.release()
    await sqlite.close()


def _write_lock_is_free(path: Path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


@pytest.mark.parametrize(
    "first",
    ["INSERT INTO tally VALUES (1)", "SELECT count(*) FROM tally", "  update tally SET n = 2"],
)
async def test_a_writing_unit_holds_the_write_lock_from_its_first_statement(
    sqlite: SqlDatabase, tmp_path: Path, first: str
) -> None:
    """Whether the driver begins the transaction itself (before a write, in the same
    call) or SQLAlchemy's hook does (before a read), the unit is one transaction."""
    session = sqlite.session()
    try:
        connection = await session._connect()
        assert _write_lock_is_free(tmp_path / "w.db")  # nothing run yet
        await connection.execute(sa.text(first))
        assert not _write_lock_is_free(tmp_path / "w.db")
        await connection.execute(sa.text("INSERT INTO tally VALUES (3)"))
        await session.rollback()
        assert _write_lock_is_free(tmp_path / "w.db")
        async with sqlite.engine.connect() as reader:
            assert await reader.scalar(sa.text("SELECT count(*) FROM tally")) == 0  # all undone
    finally:
        await session.close()
        await sqlite.close()


async def test_a_writing_unit_that_ran_nothing_leaves_no_begin_for_the_next_reader(
    tmp_path: Path,
) -> None:
    limits = PoolLimits(
        size=1, overflow=0, checkout_timeout=5, connect_timeout=5, command_timeout=5
    )
    db = SqlDatabase.from_url(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}", limits)
    try:
        idle = db.session()
        await idle._connect()
        await idle.commit()
        await idle.close()
        reader = db.session(read_only=True)  # the same, only, pooled connection
        try:
            await (await reader._connect()).execute(sa.text("SELECT 1"))
            assert _write_lock_is_free(tmp_path / "one.db")
        finally:
            await reader.close()
    finally:
        await db.close()
