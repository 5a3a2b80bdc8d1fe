"""One `backend` fixture for every repository contract test, parametrized over each store.

Backends are built by the factories the composition root uses. Each test starts with
empty tables. The `mongo-fake` case runs the Mongo adapter over pymongo-async-mock for
coverage: it is a fake, not a server, and its id says so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hexa.adapters.clock import FrozenClock
from hexa.adapters.memory.database import MemoryDatabase
from hexa.adapters.unit_of_work import PORTS, BackendUnitOfWork, unit_of_work_factory
from hexa.bootstrap import open_backend
from hexa.config import load_settings
from tests.families import kept_adapters

BACKENDS = kept_adapters("memory", "sqlite", "postgres", "mongo", "mongo-fake")


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from hexa.adapters.sql.migrations import upgrade

    path: Path = tmp_path_factory.mktemp("sqlite") / "contract.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    yield url


async def _sql(url: str):
    import sqlalchemy as sa

    from hexa.adapters.sql.tables import schema

    database = await open_backend("sql", load_settings(database_url=url))
    async with database.engine.begin() as connection:
        for table in reversed(schema().sorted_tables):
            await connection.execute(sa.delete(table))
    return database


async def _mongo(uri: str):
    settings = load_settings(persistence="mongo", mongo_uri=uri)
    database = await open_backend("mongo", settings)
    for name in ("inspections", "rules", "attachments", "users", "api_keys", "sessions", "audit",
                 "job_outbox", "stat_counts"):  # fmt: skip
        await database.db[name].delete_many({})
    return database


async def _mongo_fake():
    from pymongo_async_mock import AsyncMongoMockClient

    from hexa.adapters.mongo.database import MongoDatabase

    database = MongoDatabase(AsyncMongoMockClient(tz_aware=True, tzinfo=UTC), "hexa_test")
    await database.prepare()
    return database


async def _redis(url: str):  # type: ignore[no-untyped-def]
    settings = load_settings(api_keys_backend="redis", redis_url=url, queue_backend="inprocess")
    database = await open_backend("redis", settings)
    await database.client.flushdb()  # type: ignore[attr-defined]
    return database


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[object]:
    async for database in _opened(request, request.param):
        yield database


@pytest.fixture(params=[*BACKENDS, *kept_adapters("redis")])
async def keys_backend(request: pytest.FixtureRequest) -> AsyncIterator[object]:
    """For the API-key port, which Redis can also serve."""
    async for database in _opened(request, request.param):
        yield database


async def _opened(request: pytest.FixtureRequest, kind: str) -> AsyncIterator[object]:
    if kind == "redis":
        database = await _redis(request.getfixturevalue("redis_url"))
    elif kind == "memory":
        database = await open_backend("memory", load_settings(persistence="memory"))
    elif kind == "sqlite":
        database = await _sql(request.getfixturevalue("sqlite_url"))
    elif kind == "postgres":
        database = await _sql(request.getfixturevalue("postgres_server"))
    elif kind == "mongo":
        database = await _mongo(request.getfixturevalue("mongo_server"))
    else:
        database = await _mongo_fake()
    try:
        yield database
    finally:
        if kind != "mongo-fake":
            await database.close()


@pytest.fixture
def uow(backend: object) -> Callable[[], BackendUnitOfWork]:
    return unit_of_work_factory({"db": backend}, dict.fromkeys(PORTS, "db"))


@pytest.fixture
def keys_uow(keys_backend: object) -> Callable[[], BackendUnitOfWork]:
    return unit_of_work_factory(
        {"db": keys_backend, "memory": MemoryDatabase()},
        {"api_keys": "db"} | _nowhere(),  # type: ignore[dict-item]
    )


def _nowhere() -> dict[str, str]:
    """Every other port on an in-memory backend, unused by the API-key tests."""
    return {port: "memory" for port in PORTS if port != "api_keys"}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 1, 8, 30, 15, 123000, tzinfo=UTC))
