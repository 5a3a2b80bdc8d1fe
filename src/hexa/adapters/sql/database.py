"""The SQL backend: one engine per process, one connection and transaction per session."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncTransaction,
    create_async_engine,
)

from hexa.adapters.discovery import repositories
from hexa.adapters.sql.repositories import translated_errors
from hexa.adapters.sql.statement_spans import trace_statements, tracing_on


@dataclass(frozen=True, slots=True)
class PoolLimits:
    """How many connections a process keeps, and how long anything waits: for a free
    connection (`checkout_timeout`), and on a PostgreSQL server for a connection or one
    statement. A hung server or a dead network raises nothing by itself; these bounds
    turn it into an outage (`Unavailable`) a request can answer with."""

    size: int
    overflow: int
    checkout_timeout: float
    connect_timeout: float
    command_timeout: float

    def pool_options(self) -> dict[str, Any]:
        return {
            "pool_size": self.size,
            "max_overflow": self.overflow,
            "pool_timeout": self.checkout_timeout,
        }


log = logging.getLogger(__name__)
RECYCLE_SECONDS = 1800


def create_engine(url: str | URL, limits: PoolLimits | None = None, **options: Any) -> AsyncEngine:
    """An engine with the per-dialect settings Hexa relies on; without `limits`,
    SQLAlchemy's and the driver's defaults."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, limits, **options)
    if limits is not None:
        options |= limits.pool_options()
        options["connect_args"] = {
            "timeout": limits.connect_timeout,
            "command_timeout": limits.command_timeout,
        }
    # No ping at checkout (a round trip per unit of work). A connection the server
    # dropped fails its unit with a 503 the client may retry, and its disconnect error
    # makes SQLAlchemy drop every connection pooled before it, so a server restart costs
    # one failed unit per process, not one per pooled connection. Connections are also
    # renewed every half hour, before idle-connection reapers (proxies, NATs) cut them.
    return create_async_engine(url, pool_recycle=RECYCLE_SECONDS, **options)


def _sqlite_engine(url: URL, limits: PoolLimits | None, **options: Any) -> AsyncEngine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        if limits is not None:  # a file has a pool of connections; memory has just one
            options |= limits.pool_options()
    engine = create_async_engine(url, connect_args={"timeout": 30}, **options)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # The driver begins a transaction (BEGIN IMMEDIATE) by itself only before an
        # INSERT, UPDATE, DELETE or REPLACE, in the same call; every other beginning is
        # SQLAlchemy's (see below).
        dbapi_connection.isolation_level = "IMMEDIATE"
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    # A deferred transaction that reads, then writes, can fail at once with "database is
    # locked" when another does the same; IMMEDIATE takes the write lock up front, so
    # concurrent units of work queue behind busy_timeout instead. A unit that only reads
    # begins nothing: each of its statements reads on its own, and in WAL mode beside the
    # writer, never waiting for its lock. A writing unit's BEGIN IMMEDIATE goes out with
    # its first statement: in the same call to the driver's thread when that statement
    # is one the driver begins for (a create: one call less while holding the lock),
    # else just before it.
    #
    # Hooked on the dialect's execution, not on the connection's begin and cursor events:
    # any connection-level listener sends every statement down SQLAlchemy's evented path,
    # 8-20 µs of CPU each. The driver says whether its transaction has begun.
    def _first_statement(cursor: Any, statement: str, context: Any) -> None:
        if not (
            context.execution_options.get(READ_ONLY, False)
            or _driver_begins(statement)
            or _driver_in_transaction(context)
        ):
            cursor.execute("BEGIN IMMEDIATE")

    def _one(cursor: Any, statement: str, _parameters: Any, context: Any) -> None:
        _first_statement(cursor, statement, context)

    def _bare(cursor: Any, statement: str, context: Any) -> None:
        _first_statement(cursor, statement, context)

    event.listen(engine.sync_engine, "do_execute", _one)
    event.listen(engine.sync_engine, "do_executemany", _one)
    event.listen(engine.sync_engine, "do_execute_no_params", _bare)
    return engine


def _driver_in_transaction(context: Any) -> bool:
    """sqlite3's own view, read through aiosqlite's connection under SQLAlchemy's adapter.
    Were that path to change, every statement after the first would send a second BEGIN,
    which SQLite refuses at once: the contract tests would say so."""
    adapted = context.root_connection.connection.dbapi_connection
    return bool(getattr(getattr(adapted, "_connection", None), "in_transaction", False))


# The statements before which Python's sqlite3 begins a transaction itself (its "DML").
_DRIVER_BEGINS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _driver_begins(statement: str) -> bool:
    # The whitespace the driver skips, no more (a leading comment: our BEGIN, then).
    return statement.lstrip(" \t\n\r\f")[:7].upper().startswith(_DRIVER_BEGINS)


# An execution option of a unit of work's connection: it will only read.
READ_ONLY = "hexa_read_only"
# How long a SQLite writer waits its turn in this process before going to the file lock
# anyway (as busy_timeout): a unit of work that opened another inside it must not hang.
WRITER_TURN_SECONDS = 30.0


class SqlDatabase:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        repositories(__package__)  # every area's module, imported now, not in a request
        if tracing_on():
            trace_statements(engine)
        # SQLite has one writer at a time. Writers of this process take turns here, in
        # order, and each finds the file lock free; left to SQLite's busy handler they
        # would poll it with growing sleeps (up to 100 ms) and miss its release: the
        # embedded default's tail latency under concurrent writes.
        self._writers = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        # Read-only units connect through a copy of the engine that carries their options
        # (same pool): nothing to set on each connection they check out. SQLite: the
        # driver is in autocommit and `_begin` begins nothing. PostgreSQL: each read is
        # its own statement, no BEGIN, no ROLLBACK.
        self._reader = (
            engine.execution_options(**{READ_ONLY: True})
            if engine.dialect.name == "sqlite"
            else engine.execution_options(isolation_level="AUTOCOMMIT")
        )

    @classmethod
    def from_url(cls, url: str, limits: PoolLimits | None = None) -> SqlDatabase:
        return cls(create_engine(url, limits))

    def session(self, *, read_only: bool = False, one_write: bool = False) -> SqlSession:
        if read_only:
            return SqlSession(self._reader, transaction=False)
        if one_write and self._writers is None:
            # PostgreSQL: the one statement commits itself. SQLite would gain nothing
            # (its driver begins in the statement's own hop) and keeps its writers' turn.
            return SqlSession(self._reader, transaction=False)
        return SqlSession(self.engine, writers=self._writers)

    def pool_usage(self) -> dict[str, int] | None:
        """Connections in use and idle, and the most the pool opens (None: no pool)."""
        pool = self.engine.pool
        if not isinstance(pool, sa.pool.QueuePool):
            return None
        return {
            "in_use": pool.checkedout(),
            "idle": pool.checkedin(),
            "limit": pool.size() + max(pool._max_overflow, 0),  # noqa: SLF001 - no public read
        }

    async def ping(self) -> None:
        async with translated_errors("database"), self.engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()

    async def schema_is_current(self) -> tuple[bool, str | None, str | None]:
        """(current?, the database's revisions, the code's: the last of each line)."""
        from hexa.adapters.sql.migrations import head_revisions, schema_revisions

        async with translated_errors("database"):
            found = await schema_revisions(self.engine)
        wanted = head_revisions()
        return found == wanted, ", ".join(sorted(found)) or None, ", ".join(sorted(wanted))


class SqlSession:
    """Connects on first use, so a unit of work that never touches SQL costs nothing."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        transaction: bool = True,
        writers: asyncio.Lock | None = None,
    ) -> None:
        """`transaction=False`: begin none, each statement stands alone; `engine` then
        carries the options for that (`SqlDatabase.session` passes its reader).
        `writers`: the turn a writing session takes before it connects, held until its
        transaction ends (SQLite)."""
        self._engine = engine
        self._begins = transaction
        self._writers = writers
        self._turn = False  # whether this session holds the writers' turn
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    def repository(self, port: str) -> object | None:
        """A repository of `port` on this session's connection; None if no module of this
        family serves the port. Repositories hold nothing but the connection, so each
        call makes one."""
        factory = repositories(__package__).get(port)
        return None if factory is None else factory(self._connect)

    async def _connect(self) -> AsyncConnection:
        if self._connection is None:
            await self._take_turn()
            try:
                async with translated_errors("database"):
                    self._connection = await self._engine.connect()
                    if self._begins:
                        self._transaction = await self._connection.begin()
            except BaseException:
                self._end_turn()
                raise
        return self._connection

    async def _take_turn(self) -> None:
        if self._writers is None or self._turn:
            return
        try:
            await asyncio.wait_for(self._writers.acquire(), WRITER_TURN_SECONDS)
        except TimeoutError:
            log.warning("a SQLite writer waited %.0f s for its turn; going on", WRITER_TURN_SECONDS)
        else:
            self._turn = True

    def _end_turn(self) -> None:
        if self._turn and self._writers is not None:
            self._turn = False
            self._writers.release()

    async def commit(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            async with translated_errors("database"):
                await self._transaction.commit()
            # The file lock went with the transaction: the next writer need not wait for
            # this connection's return to the pool (a round trip to its thread). After a
            # failed COMMIT the lock may still be held: the turn then ends at `close`.
            self._end_turn()

    async def rollback(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            async with translated_errors("database"):
                await self._transaction.rollback()
            self._end_turn()

    async def close(self) -> None:
        try:
            if self._connection is not None:
                connection, self._connection, self._transaction = self._connection, None, None
                async with translated_errors("database"):
                    await connection.close()
        finally:
            self._end_turn()
