"""The job references of `make bench`: one arq worker, configured as Hexa's is.

    BENCH_DATABASE_URL=... BENCH_REDIS_URL=... python scripts/bench_workers.py noop|bare

- noop: a job that does nothing — arq's own ceiling on this Redis;
- bare: a job that reads one inspection by id and writes it back (its notes and version)
  in one transaction through SQLAlchemy Core — the ceiling of a job that touches the
  database, with the pool sized like Hexa's.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import sqlalchemy as sa
from arq.connections import RedisSettings
from arq.worker import run_worker
from sqlalchemy.ext.asyncio import create_async_engine

INSPECTIONS = sa.table("inspections", sa.column("id"), sa.column("notes"), sa.column("version"))
MAX_JOBS = int(os.environ.get("WORKER_MAX_JOBS", "8"))


async def noop(ctx: dict[str, Any], inspection_id: str) -> None:
    return None


async def bare(ctx: dict[str, Any], inspection_id: str) -> None:
    async with ctx["engine"].begin() as connection:
        row = (
            await connection.execute(
                sa.select(INSPECTIONS.c.version).where(INSPECTIONS.c.id == inspection_id)
            )
        ).one()
        await connection.execute(
            sa.update(INSPECTIONS)
            .where(INSPECTIONS.c.id == inspection_id, INSPECTIONS.c.version == row.version)
            .values(notes="judged", version=row.version + 1)
        )


async def startup(ctx: dict[str, Any]) -> None:
    ctx["engine"] = create_async_engine(
        os.environ["BENCH_DATABASE_URL"],
        pool_size=int(os.environ.get("BENCH_POOL_SIZE", "10")),
        max_overflow=0,
    )


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["engine"].dispose()


def main() -> None:
    kind = sys.argv[1]
    run_worker(
        {
            "functions": [noop if kind == "noop" else bare],
            "queue_name": f"bench:{kind}",
            "redis_settings": RedisSettings.from_dsn(os.environ["BENCH_REDIS_URL"]),
            "on_startup": startup,
            "on_shutdown": shutdown,
            "max_jobs": MAX_JOBS,
            "poll_delay": 0.05,  # as Hexa's worker
            "keep_result": 3600,  # the bench reads each job's times from its result
            "handle_signals": True,
        }
    )


if __name__ == "__main__":
    main()
