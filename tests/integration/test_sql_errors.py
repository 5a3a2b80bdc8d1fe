"""SQLAlchemy's errors stop at the SQL adapter: services see domain errors only."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from hexa.adapters.sql.database import SqlDatabase, SqlSession
from hexa.adapters.sql.migrations import upgrade
from hexa.adapters.unit_of_work import PORTS, BackendUnitOfWork
from hexa.bootstrap import open_backend
from hexa.config import load_settings
from hexa.domain.errors import NotFound, Unavailable
from tests.builders import a_user

USER = a_user()


class OneSession:
    def __init__(self, session: SqlSession) -> None:
        self._session = session

    def session(self, *, read_only: bool = False, one_write: bool = False) -> SqlSession:
        return self._session


async def test_a_pool_out_of_connections_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}"
    upgrade(url)
    engine = create_async_engine(
        url, poolclass=sa.pool.AsyncAdaptedQueuePool, pool_size=1, max_overflow=0, pool_timeout=0.1
    )
    try:
        async with engine.connect():  # holds the only connection
            with pytest.raises(Unavailable, match="TimeoutError"):
                await SqlSession(engine).repository("users").page(limit=1)  # type: ignore[union-attr]
    finally:
        await engine.dispose()


async def test_a_failed_tidy_up_neither_hides_the_error_nor_fails_what_committed(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'tidy.db'}"
    upgrade(url)
    engine = create_async_engine(url)

    def unit() -> BackendUnitOfWork:
        session = SqlSession(engine)

        async def broken() -> None:
            raise Unavailable("the database failed: connection lost")

        session.rollback = broken  # type: ignore[method-assign]
        return BackendUnitOfWork({"db": OneSession(session)}, dict.fromkeys(PORTS, "db"))  # type: ignore[dict-item]

    try:
        with pytest.raises(NotFound):
            async with unit() as uow:
                await uow.users.get("nope")
        async with unit() as uow:
            await uow.users.add(USER)
            await uow.commit()
        async with unit() as uow:
            assert await uow.users.get(USER.id) == USER
    finally:
        await engine.dispose()


async def test_the_pool_settings_size_the_pool_a_request_waits_on(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sized.db'}"
    upgrade(url)
    settings = load_settings(
        database_url=url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.1
    )
    database = await open_backend("sql", settings)
    assert isinstance(database, SqlDatabase)
    try:
        async with database.engine.connect():  # holds the only connection
            with pytest.raises(Unavailable, match="TimeoutError"):
                await database.session().repository("users").page(limit=1)  # type: ignore[union-attr]
    finally:
        await database.close()
