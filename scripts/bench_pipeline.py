"""`make bench`, services mode: jobs from submit to `done`, against arq on its own.

Called by scripts/bench_http.py with Hexa's API and worker running. Three figures:

- drained: N inspections created as drafts, then submitted by C concurrent clients
  through the API; jobs per second from the first submit until the last job's end is
  recorded in the outbox (read from the database, so polling adds no requests), with
  each job's time from acceptance to end (p50, p99), failed jobs and client errors;
- offered: submits at a fixed rate, and the same times: whether the pipeline keeps up;
- references, each one arq worker with Hexa's `max_jobs` and `poll_delay` on the same
  Redis and database: a no-op job, and a *bare job* that reads one inspection and writes
  it back in one transaction through SQLAlchemy Core (scripts/bench_workers.py) — the
  ceiling of a job on this stack — both enqueued by C concurrent clients.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent
DRAFT = {"subject": "pump 3", "readings": [{"key": "temp", "value": 71.5, "unit": "C"}]}
OUTBOX = sa.table(
    "job_outbox",
    sa.column("id"),
    sa.column("created_at"),
    sa.column("started_at"),
    sa.column("finished_at"),
    sa.column("outcome"),
)


@dataclass
class Submits:
    name: str
    count: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def line(self) -> str:
        return (
            f"{self.name:46} {self.count:>6} {self.rate:>9.0f} {self.p50_ms:>9.1f} "
            f"{self.p99_ms:>9.1f} {'':>7} {self.errors:>7}"
        )


async def submit_all(
    http: httpx.AsyncClient,
    ids: list[str],
    concurrency: int,
    name: str,
    rate: float | None = None,
) -> tuple[list[str], Submits]:
    """POSTs each draft's submit, `concurrency` at a time (or at `rate` a second, as
    many at once as it takes): the job ids, and how fast."""
    latencies: list[float] = []
    began = time.perf_counter()

    async def submit(index: int) -> str:
        if rate is not None:
            await asyncio.sleep(max(0.0, began + index / rate - time.perf_counter()))
        sent = time.perf_counter()
        answer = await http.post(f"/inspections/{ids[index]}/submit")
        answer.raise_for_status()
        latencies.append((time.perf_counter() - sent) * 1000)
        return str(answer.json()["job_id"])

    answers = await _bounded(len(ids), len(ids) if rate else concurrency, submit)
    seconds = time.perf_counter() - began
    jobs = [a for a in answers if isinstance(a, str)]
    errors = len(answers) - len(jobs)
    if errors:
        failure = next(a for a in answers if isinstance(a, Exception))
        print(f"  {name}: {errors} submits failed, e.g. {failure!r}")
    p50, p99 = _percentile(latencies, 0.5), _percentile(latencies, 0.99)
    return jobs, Submits(name, len(jobs), seconds, p50, p99, errors)


async def clear_jobs(database_url: str, redis_url: str) -> None:
    """Forgets every job not ended (queued by submit rows that no worker ran)."""
    from redis.asyncio import Redis

    engine = create_async_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text("DELETE FROM job_outbox WHERE outcome IS NULL"))
            await connection.execute(sa.text("DELETE FROM job_outbox WHERE kind = 'bench_submit'"))
    finally:
        await engine.dispose()
    async with Redis.from_url(redis_url) as redis:
        await redis.delete("hexa:queue", "bench:submit")


@dataclass
class Drain:
    name: str
    jobs: int
    seconds: float
    p50_ms: float | None  # None for a backlog, where waiting is the point
    p99_ms: float | None
    failed: int
    client_errors: int
    submits: Submits | None = None  # how fast the API took them

    @property
    def rate(self) -> float:
        return self.jobs / self.seconds

    def line(self) -> str:
        p50, p99 = (
            f"{v:>9.0f}" if v is not None else f"{'-':>9}" for v in (self.p50_ms, self.p99_ms)
        )
        return (
            f"{self.name:46} {self.jobs:>6} {self.rate:>9.0f} {p50} {p99} "
            f"{self.failed:>7} {self.client_errors:>7}"
        )


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _bounded(
    count: int, concurrency: int, call: Callable[[int], Awaitable[Any]]
) -> list[Any]:
    """Calls call(0..count-1), at most `concurrency` at a time; exceptions are answers."""
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> Any:
        async with gate:
            try:
                return await call(index)
            except Exception as error:  # counted, not raised: a bench reports errors
                return error

    return await asyncio.gather(*(one(i) for i in range(count)))


async def _drafts(http: httpx.AsyncClient, count: int) -> list[str]:
    async def create(_: int) -> str:
        answer = await http.post("/api/v1/inspections", json=DRAFT)
        answer.raise_for_status()
        return str(answer.json()["id"])

    made = await _bounded(count, 32, create)
    failed = [m for m in made if isinstance(m, Exception)]
    if failed:
        raise SystemExit(f"bench: {len(failed)} drafts not created: {failed[0]!r}")
    return made


async def _outcomes(database_url: str, ids: list[str], deadline: float) -> list[Any]:
    """Waits until every job's end is recorded in the outbox; answers their rows. The
    polling query is cheap (no id list), so it takes next to nothing from the run."""
    engine = create_async_engine(database_url, pool_size=1)
    since = datetime.now(UTC) - timedelta(minutes=10)
    try:
        async with engine.connect() as connection:
            first = (
                await connection.execute(
                    sa.select(sa.func.min(OUTBOX.c.created_at)).where(OUTBOX.c.id.in_(ids))
                )
            ).scalar()
            since = first or since
            ended = (
                sa.select(sa.func.count())
                .select_from(OUTBOX)
                .where(OUTBOX.c.created_at >= since, OUTBOX.c.outcome.is_not(None))
            )
            while (await connection.scalar(ended) or 0) < len(ids):
                if time.monotonic() > deadline:
                    raise SystemExit(f"bench: jobs not ended in time ({len(ids)} submitted)")
                await connection.rollback()  # a fresh snapshot each poll
                await asyncio.sleep(0.1)
            return list(
                await connection.execute(
                    sa.select(
                        OUTBOX.c.created_at,
                        OUTBOX.c.started_at,
                        OUTBOX.c.finished_at,
                        OUTBOX.c.outcome,
                    ).where(OUTBOX.c.id.in_(ids))
                )
            )
    finally:
        await engine.dispose()


def _times(name: str, rows: list[Any], started: float | None, errors: int) -> Drain:
    """From `started` (or, for a backlog, the first job's start) to the last job's end."""
    last = max(r.finished_at.timestamp() for r in rows)
    if started is None:
        first = min(r.started_at.timestamp() for r in rows)
        p50 = p99 = None
    else:
        first = started
        latencies = [(r.finished_at - r.created_at).total_seconds() * 1000 for r in rows]
        p50, p99 = _percentile(latencies, 0.5), _percentile(latencies, 0.99)
    failed = sum(1 for r in rows if r.outcome != "done")
    return Drain(name, len(rows), last - first, p50, p99, failed, errors)


async def hexa_drain(
    base: str,
    headers: dict[str, str],
    database_url: str,
    count: int,
    concurrency: int,
    name: str,
    rate: float | None = None,
    backlog: Callable[[], subprocess.Popen[bytes]] | None = None,
) -> Drain:
    """Submits `count` drafts, `concurrency` at a time or at `rate` a second, to the
    worker running; or, with `backlog`, submits them all first, then starts the worker
    `backlog` starts (and stops it): the worker's own pace, from its first job's start."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30, limits=limits) as http:
        drafts = await _drafts(http, count)
        started = time.time()
        http.base_url = httpx.URL(base + "/api/v1")
        ids, submits = await submit_all(http, drafts, concurrency, name, rate)
    worker = backlog() if backlog else None
    try:
        rows = await _outcomes(database_url, ids, time.monotonic() + 300)
    finally:
        if worker is not None:
            stop(worker)
    drain = _times(name, rows, None if backlog else started, submits.errors)
    drain.submits = submits
    return drain


async def arq_drain(
    redis_url: str,
    function: str,
    queue: str,
    ids: list[str],
    concurrency: int,
    name: str,
    backlog: Callable[[], subprocess.Popen[bytes]],
) -> Drain:
    """Enqueues a job for each id, then starts the worker `backlog` starts (and stops
    it): the worker's pace from its first job's start to its last job's end."""
    from arq.connections import RedisSettings, create_pool
    from arq.jobs import Job

    pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue)
    try:
        job_ids = [f"bench-{uuid.uuid4()}" for _ in ids]

        async def enqueue(index: int) -> None:
            await pool.enqueue_job(function, ids[index], _job_id=job_ids[index])

        answers = await _bounded(len(ids), concurrency, enqueue)
        errors = sum(1 for a in answers if isinstance(a, Exception))
        worker = backlog()
        try:
            deadline = time.monotonic() + 300
            while await pool.zcard(queue):
                if time.monotonic() > deadline:
                    raise SystemExit(f"bench: {name} not drained in time")
                await asyncio.sleep(0.05)
        finally:
            stop(worker)
        infos = [await Job(j, pool, _queue_name=queue).result_info() for j in job_ids]
    finally:
        await pool.aclose()
    done = [i for i in infos if i is not None]
    first = min(i.start_time.timestamp() for i in done)
    last = max(i.finish_time.timestamp() for i in done)
    failed = sum(1 for i in done if not i.success) + len(ids) - len(done)
    return Drain(name, len(done), last - first, None, None, failed, errors)


def reference_worker(env: dict[str, str], kind: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "bench_workers.py"), kind],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


HEADER = (
    f"{'pipeline':46} {'jobs':>6} {'jobs/s':>9} {'p50 ms':>9} {'p99 ms':>9} "
    f"{'failed':>7} {'errors':>7}"
)
