"""`make bench`, the operators' reads over a big store: the stats routes, the jobs list and
the inspections search, timed over 1,000,000 seeded inspections on PostgreSQL.

    scripts/with-test-services.sh .venv/bin/python scripts/bench_stats.py \\
        [--inspections 1000000] [--requests 40]

It makes a database of its own on HEXA_TEST_POSTGRES_URL's server, migrates it, seeds
(with COPY) inspections made over the last year — a tenth drafts, a tenth submitted, the
rest judged, a quarter of those failed —, the stat counts those events imply, the
findings of each judgement over 20 rules, and 100,000 ended jobs; then starts `hexa serve`
(default settings, LOG_LEVEL=WARNING) and times each route, one request at a time, after
a warm-up. The target: each stats answer under 100 ms. Every process listens on
127.0.0.1; the database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
HEXA = [sys.executable, "-m", "hexa.cli"]
DATABASE = "hexa_stats_bench"
RULES = 20
JOBS = 100_000
YEAR = timedelta(days=365)


def _uuid7(moment: datetime) -> str:
    millis = int(moment.timestamp() * 1000)
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | random.getrandbits(12) << 64
    value |= 0x2 << 62 | random.getrandbits(62)
    return str(uuid.UUID(int=value))


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _seed_rows(count: int, now: datetime, rules: list[str]) -> tuple[list[tuple], Counter]:  # type: ignore[type-arg]
    """The inspections' rows (oldest first), and the stat counts their events imply."""
    stamps = sorted(now - YEAR * random.random() for _ in range(count))
    counts: Counter[tuple[str, datetime, str]] = Counter()
    readings = json.dumps([{"key": "temp", "value": 50, "unit": "C"}])
    rows = []
    for n, made in enumerate(stamps):
        fate = random.random()
        status = "draft" if fate < 0.1 else "submitted" if fate < 0.2 else "judged"
        submitted = made + timedelta(minutes=30) if status != "draft" else None
        judged = None
        events = [("created", made)]
        if submitted is not None:
            events.append(("submitted", submitted))
        if status == "judged":
            failed = random.random() < 0.25
            status = "failed" if failed else "passed"
            judged = submitted + timedelta(seconds=1)  # type: ignore[operator]
            events.append((status, judged))
            broken = random.sample(rules, random.randint(1, 3)) if failed else []
            for rule in broken:
                counts["findings/day", _day(judged), f"{rule}|error"] += 1
        for event, at in events:
            counts["inspections/hour", _hour(at), event] += 1
            counts["inspections/day", _day(at), event] += 1
        rows.append(
            (
                _uuid7(made),
                f"asset {n % 5000}",
                None,
                status,
                readings,
                "",
                1,
                made,
                judged or submitted or made,
                submitted,
            )  # fmt: skip
        )
    return rows, counts


async def _seed(url: str, count: int, now: datetime, rules: list[str]) -> None:
    started = time.perf_counter()
    rows, counts = _seed_rows(count, now, rules)
    connection = await asyncpg.connect(url)
    try:
        columns = ["id", "subject", "inspector", "status", "readings", "notes", "version",
                   "created_at", "updated_at", "submitted_at"]  # fmt: skip
        await connection.copy_records_to_table("inspections", records=rows, columns=columns)
        await connection.copy_records_to_table(
            "stat_counts",
            records=[(s, p, k, n) for (s, p, k), n in counts.items()],
            columns=["series", "period", "key", "count"],
        )
        jobs = []
        for n in range(JOBS):
            made = now - YEAR * (n / JOBS)
            failed = n % 10 == 0
            jobs.append(
                (
                    _uuid7(made),
                    "validate_inspection",
                    json.dumps({"inspection_id": "x"}),
                    1,
                    made,
                    made,
                    2,
                    "failed" if failed else "done",
                    1,
                    made,
                    made,
                    json.dumps({} if failed else {"verdict": "passed", "findings": []}),
                    "boom" if failed else None,
                    None,
                    1,
                    "service:bench",
                    None,
                )  # fmt: skip
            )
        await connection.copy_records_to_table(
            "job_outbox",
            records=jobs,
            columns=[
                "id",
                "kind",
                "payload",
                "total",
                "created_at",
                "dispatched_at",
                "version",
                "outcome",
                "processed",
                "started_at",
                "finished_at",
                "result",
                "error",
                "request_id",
                "attempts",
                "started_by",
                "retry_of",
            ],  # fmt: skip
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    print(
        f"seeded {count:,} inspections, {len(counts):,} stat counts and {JOBS:,} jobs "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def _time(client: httpx.Client, path: str, requests: int) -> list[float]:
    for _ in range(3):
        client.get(path).raise_for_status()  # warm-up: pool, statement caches
    spent = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        spent.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inspections", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    server = os.environ["HEXA_TEST_POSTGRES_URL"].replace("postgresql+asyncpg", "postgresql")
    admin_url = server.rsplit("/", 1)[0] + "/postgres"

    async def database(statement: str) -> None:
        connection = await asyncpg.connect(admin_url)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(database(f"DROP DATABASE IF EXISTS {DATABASE}"))
    asyncio.run(database(f"CREATE DATABASE {DATABASE}"))
    url = server.rsplit("/", 1)[0] + f"/{DATABASE}"
    secret = "s" * 40
    env = os.environ | {
        "ENV": "test", "JWT_SECRET": secret, "API_KEY_PEPPER": secret, "LOG_LEVEL": "WARNING",
        "DATABASE_URL": url.replace("postgresql", "postgresql+asyncpg", 1),
        "QUEUE_BACKEND": "inprocess",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }  # fmt: skip
    env.pop("REDIS_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([*HEXA, "migrate"], env=env, cwd=tmp, check=True, capture_output=True)
        token = subprocess.run(
            [*HEXA, "token", "bench", "--role", "admin", "--minutes", "60"],
            env=env, cwd=tmp, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        port = 18000 + random.randint(0, 999)
        serve = subprocess.Popen(
            [*HEXA, "serve", "--port", str(port)], env=env, cwd=tmp,
            stdout=subprocess.DEVNULL, stderr=(Path(tmp) / "serve.log").open("w"),
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                for _ in range(100):
                    try:
                        client.get("/health").raise_for_status()
                        break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                rules = [
                    client.post(
                        "/api/v1/rules",
                        json={
                            "name": f"rule {n}",
                            "key": f"k{n}",
                            "kind": "required",
                            "params": {},
                        },
                    ).json()["id"]
                    for n in range(RULES)
                ]
                now = datetime.now(UTC)
                asyncio.run(_seed(url, args.inspections, now, rules))
                week_ago = (now - timedelta(days=7)).isoformat()
                routes = [
                    "/api/v1/stats/inspections",
                    "/api/v1/stats/inspections?bucket=day",
                    f"/api/v1/stats/inspections?bucket=day&since={(now - YEAR).isoformat()}",
                    f"/api/v1/stats/inspections?since={(now - timedelta(days=30)).isoformat()}",
                    "/api/v1/stats/findings",
                    f"/api/v1/stats/findings?since={(now - YEAR).isoformat()}",
                    "/api/admin/jobs?limit=50",
                    "/api/admin/jobs?status=failed&limit=50",
                    f"/api/admin/jobs?kind=validate_inspection&since={week_ago}",
                    "/api/v1/inspections?limit=50&q=asset%204999",
                    "/api/v1/inspections?limit=50&verdict=failed",
                    f"/api/v1/inspections?limit=50&since={week_ago}",
                ]
                print(f"\n{'route':<62} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
                slowest = 0.0
                for path in routes:
                    spent = sorted(_time(client, path.replace("+00:00", "Z"), args.requests))
                    p95 = spent[int(len(spent) * 0.95) - 1]
                    shown = path if len(path) <= 60 else path[:57] + "..."
                    print(
                        f"{shown:<62} {statistics.median(spent):8.1f} {p95:8.1f} {spent[-1]:8.1f}",
                        flush=True,
                    )
                    if "/stats/" in path:
                        slowest = max(slowest, p95)
                verdict = "MET" if slowest < 100 else "NOT MET"
                print(f"\nslowest stats answer (p95): {slowest:.1f} ms; target < 100 ms: {verdict}")
        finally:
            serve.terminate()
            serve.wait(timeout=30)
    asyncio.run(database(f"DROP DATABASE IF EXISTS {DATABASE}"))


if __name__ == "__main__":
    main()
