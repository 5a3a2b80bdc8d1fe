"""The references `make bench` measures Hexa against, as uvicorn app factories.

- `bare`: FastAPI answering a constant — the ceiling of the web stack alone.
- `db_read`: FastAPI and SQLAlchemy Core reading one inspection by primary key from the
  same database as Hexa (`BENCH_DATABASE_URL`), through a pool sized like Hexa's
  (`BENCH_POOL_SIZE`, `BENCH_MAX_OVERFLOW`) — the ceiling of a database read on this stack.
  On SQLite it reads in WAL mode, as Hexa does.
- `db_write`: the same app taking the body Hexa's create takes (validated by pydantic)
  and INSERTing the row in a transaction of its own — the ceiling of a create.
- `db_update`: a PATCH of a draft's notes with `If-Match: "<version>"`: one UPDATE …
  WHERE id and version (RETURNING the row) in a transaction; 412 when no row moved.
- `db_submit`: a submit as the stack alone would do it: in one transaction, the draft's
  UPDATE (… WHERE status is draft) and the job's INSERT into the outbox; then arq's
  `enqueue_job` on `BENCH_REDIS_URL` (queue `bench:submit`, which no worker reads):
  arq's three round trips (WATCH, EXISTS, MULTI/EXEC), where Hexa's adapter sends one
  script doing the same.

    python -m uvicorn --app-dir scripts bench_references:bare --factory ...
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

INSPECTIONS = sa.table(
    "inspections",
    sa.column("id"),
    sa.column("subject"),
    sa.column("inspector"),
    sa.column("status"),
    sa.column("readings"),
    sa.column("notes"),
    sa.column("version"),
    sa.column("created_at"),
    sa.column("updated_at"),
    sa.column("submitted_at"),
)


def bare() -> FastAPI:
    app = FastAPI()

    @app.get("/")
    async def constant() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _engine() -> AsyncEngine:
    url = os.environ["BENCH_DATABASE_URL"]
    pool = {
        "pool_size": int(os.environ.get("BENCH_POOL_SIZE", "10")),
        "max_overflow": int(os.environ.get("BENCH_MAX_OVERFLOW", "0")),
    }
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **pool)

        @event.listens_for(engine.sync_engine, "connect")
        def _wal(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_async_engine(url, **pool)


def _database_app() -> tuple[FastAPI, Callable[[], AsyncEngine]]:
    """An app whose engine opens at start-up and closes at shutdown, answering `/` when
    ready; and a getter of that engine for its routes."""
    engines: list[AsyncEngine] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engines.append(_engine())
        yield
        await engines.pop().dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    async def alive() -> dict[str, str]:
        return {"status": "ok"}

    return app, lambda: engines[0]


def db_read() -> FastAPI:
    app, engine = _database_app()

    @app.get("/inspections/{inspection_id}")
    async def one(inspection_id: str) -> dict[str, Any]:
        async with engine().connect() as connection:  # BEGIN, SELECT, ROLLBACK
            row = (
                await connection.execute(
                    sa.select(INSPECTIONS).where(INSPECTIONS.c.id == inspection_id)
                )
            ).first()
        if row is None:
            raise HTTPException(404)
        return dict(row._mapping)

    return app


class _Reading(BaseModel):
    key: str
    value: str | int | float | bool
    unit: str | None = None


class _Draft(BaseModel):
    subject: str
    readings: list[_Reading] = []
    notes: str = ""
    inspector: str | None = None


def db_write() -> FastAPI:
    app, engine = _database_app()

    @app.post("/inspections", status_code=201)
    async def create(draft: _Draft) -> dict[str, Any]:
        now = datetime.now(UTC)
        row = {
            "id": str(uuid.uuid4()),
            "subject": draft.subject,
            "inspector": draft.inspector,
            "status": "draft",
            "readings": [r.model_dump() for r in draft.readings],
            "notes": draft.notes,
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "submitted_at": None,
        }
        async with engine().begin() as connection:  # BEGIN, INSERT, COMMIT
            await connection.execute(sa.insert(INSPECTIONS_FOR_WRITE), row)
        return row

    return app


# The columns' types, for the parameters an INSERT binds (JSON, times as Hexa stores them).
INSPECTIONS_FOR_WRITE = sa.Table(
    "inspections",
    sa.MetaData(),
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("subject", sa.String(500)),
    sa.Column("inspector", sa.String(200)),
    sa.Column("status", sa.String(16)),
    sa.Column("readings", sa.JSON),
    sa.Column("notes", sa.Text),
    sa.Column("version", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
    sa.Column("submitted_at", sa.DateTime(timezone=True)),
)


class _Patch(BaseModel):
    notes: str | None = None


def db_update() -> FastAPI:
    from fastapi import Header

    app, engine = _database_app()

    @app.patch("/inspections/{inspection_id}")
    async def patch(inspection_id: str, body: _Patch, if_match: str = Header()) -> dict[str, Any]:
        version = int(if_match.strip('"'))
        table = INSPECTIONS_FOR_WRITE
        async with engine().begin() as connection:  # BEGIN, UPDATE … RETURNING, COMMIT
            row = (
                await connection.execute(
                    sa.update(table)
                    .where(table.c.id == inspection_id, table.c.version == version)
                    .values(notes=body.notes, updated_at=datetime.now(UTC), version=version + 1)
                    .returning(*table.c)
                )
            ).first()
        if row is None:
            raise HTTPException(412)
        return dict(row._mapping)

    return app


OUTBOX = sa.Table(
    "job_outbox",
    sa.MetaData(),
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(50)),
    sa.Column("payload", sa.JSON),
    sa.Column("total", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("dispatched_at", sa.DateTime(timezone=True)),
    sa.Column("version", sa.Integer),
)
SUBMIT_QUEUE = "bench:submit"


def db_submit() -> FastAPI:
    from arq.connections import ArqRedis, RedisSettings, create_pool

    engine: AsyncEngine | None = None
    redis: ArqRedis | None = None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        nonlocal engine, redis
        engine = _engine()
        redis = await create_pool(
            RedisSettings.from_dsn(os.environ["BENCH_REDIS_URL"]),
            default_queue_name=SUBMIT_QUEUE,
        )
        yield
        await redis.aclose()
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    async def alive() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/inspections/{inspection_id}/submit", status_code=202)
    async def submit(inspection_id: str) -> dict[str, str]:
        assert engine is not None and redis is not None
        now = datetime.now(UTC)
        job_id = str(uuid.uuid4())
        async with engine.begin() as connection:  # BEGIN, UPDATE, INSERT, COMMIT
            moved = await connection.execute(
                sa.update(INSPECTIONS_FOR_WRITE)
                .where(
                    INSPECTIONS_FOR_WRITE.c.id == inspection_id,
                    INSPECTIONS_FOR_WRITE.c.status == "draft",
                )
                .values(
                    status="submitted",
                    submitted_at=now,
                    updated_at=now,
                    version=INSPECTIONS_FOR_WRITE.c.version + 1,
                )
            )
            if moved.rowcount != 1:
                raise HTTPException(409)
            await connection.execute(
                sa.insert(OUTBOX),
                {
                    "id": job_id,
                    "kind": "bench_submit",  # deleted by the bench after the row
                    "payload": {"inspection_id": inspection_id},
                    "total": 1,
                    "created_at": now,
                    "dispatched_at": now,
                    "version": 1,
                },
            )
        await redis.enqueue_job("run_job", job_id, _job_id=job_id)
        return {"job_id": job_id, "status": "queued"}

    return app
