"""SQLite writers of one process take turns before the file lock, in order: none waits in
SQLite's busy handler (whose growing sleeps made the embedded default's tail), and a
writer that cannot get its turn in time goes on rather than hang."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa

from hexa.adapters.sql import database
from hexa.adapters.sql.database import SqlDatabase

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
    await writer._connect()  # holds the turn, and SQLite's write lock
    reader = sqlite.session(read_only=True)
    try:
        connection = await asyncio.wait_for(reader._connect(), 5)
        assert await connection.scalar(sa.text("SELECT count(*) FROM tally")) == 0
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
