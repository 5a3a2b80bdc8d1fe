"""`make bench`: Hexa's reads against the stack it stands on, in one run, as ratios.

    scripts/with-test-services.sh .venv/bin/python scripts/bench_http.py \\
        [--modes embedded services] [--rounds 4] [--seconds 10] [--connections 32 256]

Per mode — embedded (SQLite, jobs in-process) and services (PostgreSQL, Redis and a
`hexa worker`, from HEXA_TEST_POSTGRES_URL and HEXA_TEST_REDIS_URL) — it starts, each as
one uvicorn process with the same flags: a bare FastAPI app answering a constant; a bare
database read and a bare insert (FastAPI + SQLAlchemy Core, one inspection by primary
key, or one new row in a transaction, the same database, a pool sized like Hexa's:
scripts/bench_references.py); Hexa at LOG_LEVEL=WARNING, and again at the default INFO
(one JSON access line a request, written to a file); and, in services mode, Hexa in two
processes. Creates are POSTs of the same body (a Lua script of wrk's). wrk (1 thread) drives them in interleaved rounds at each
connection count, and the table shows the best round's req/s, its p50 and p99, and all
rounds' errors (non-2xx and socket errors), then the ratios the targets are set in, and
the CPU steal during the run. Last, packets: end-to-end rows/s of an upload through the
API to `done`, against a pure in-process `judge()` over the same rows. Every process
listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
HEXA = [sys.executable, "-m", "hexa.cli"]
# Keep-alive as `hexa serve` keeps it (HTTP_KEEPALIVE_SECONDS), for every server alike:
# uvicorn's default 5 s races a client reusing a connection idle that long (httpx's pool
# keeps one 5 s too), and a draft creation got a ReadError from it between two rows.
UVICORN_FLAGS = [
    "--host", "127.0.0.1", "--no-access-log", "--log-level", "warning",
    "--timeout-keep-alive", "75",
]  # fmt: skip
# A fresh admin each run, so a database kept from an earlier run takes another.
ADMIN = (f"bench-{secrets.token_hex(4)}@example.com", "a long bench password")
SCOPES = ["inspections:read", "inspections:write", "rules:write", "jobs:read"]
POOL = {"DB_POOL_SIZE": "10", "DB_MAX_OVERFLOW": "0"}
RULES = (
    ("temp", "max", {"max": 80}),
    ("temp", "min", {"min": -20}),
    ("pressure", "range", {"min": 1, "max": 6}),
)
CREATE_BODY = {"subject": "boiler 7", "readings": [{"key": "temp", "value": 71.5, "unit": "C"}]}


@dataclass
class Target:
    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    script: Path | None = None  # wrk's Lua: a POST's method, body and content type
    prepare: Callable[[], Path] | None = None  # a fresh script before each run


@dataclass
class Round:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _cpu_times() -> tuple[int, int]:
    """(steal, total) jiffies of all CPUs since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[7] if len(fields) > 7 else 0, sum(fields[:8])


class Stack:
    """The processes of one mode, stopped together."""

    def __init__(self, directory: Path, env: dict[str, str]) -> None:
        self.directory = directory
        self.env = env
        self._processes: list[tuple[subprocess.Popen[bytes], Path]] = []
        self.named: dict[str, subprocess.Popen[bytes]] = {}

    def hexa(self, *args: str) -> str:
        done = subprocess.run(
            [*HEXA, *args], env=self.env, cwd=self.directory, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"hexa {args[0]} failed: {done.stderr.strip()[-2000:]}")
        return done.stdout

    def start(self, name: str, command: list[str], ready: str | None = None) -> str:
        port = _free_port()
        log = self.directory / f"{name}.log"
        process = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in command],
            env=self.env,
            cwd=self.directory,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self._processes.append((process, log))
        self.named[name] = process
        base = f"http://127.0.0.1:{port}"
        if ready is not None:
            self._wait(process, base + ready, log)
        return base

    def uvicorn(self, name: str, factory: str, *extra: str, app_dir: str | None = None) -> str:
        command = [sys.executable, "-m", "uvicorn", factory, "--factory", *UVICORN_FLAGS]
        if app_dir:
            command += ["--app-dir", app_dir]
        return self.start(name, [*command, "--port", "{port}", *extra], ready="/")

    @staticmethod
    def _wait(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{url} exited: {log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.TransportError):
                httpx.get(url, timeout=1)
                return
            time.sleep(0.2)
        raise SystemExit(f"{url} did not answer: {log.read_text()[-3000:]}")

    def stop(self) -> None:
        for process, _ in self._processes:
            process.terminate()
        for process, _ in self._processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def _mode(
    mode: str, workdir: Path, seconds: int
) -> Iterator[tuple[Stack, list[Target], dict[str, str]]]:
    directory = workdir / mode
    directory.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")} | {
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "ENV": "test",
        "JWT_SECRET": secrets.token_urlsafe(40),
        "API_KEY_PEPPER": secrets.token_urlsafe(40),
        "LOG_LEVEL": "WARNING",
        "ACCESS_TOKEN_MINUTES": "600",
        "BLOB_DIR": str(directory / "blobs"),
        **POOL,
    }
    if mode == "embedded":
        env |= {
            "DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'hexa.db'}",
            "QUEUE_BACKEND": "inprocess",
        }
    else:
        try:
            env |= {
                "DATABASE_URL": os.environ["HEXA_TEST_POSTGRES_URL"],
                "REDIS_URL": os.environ["HEXA_TEST_REDIS_URL"],
                "QUEUE_BACKEND": "arq",
            }
        except KeyError:
            raise SystemExit(
                "services mode needs HEXA_TEST_POSTGRES_URL and HEXA_TEST_REDIS_URL "
                "(run under scripts/with-test-services.sh)"
            ) from None
    stack = Stack(directory, env)
    try:
        stack.hexa("migrate")
        subprocess.run(
            [*HEXA, "create-admin", ADMIN[0]],
            env=env | {"HEXA_ADMIN_PASSWORD": ADMIN[1]},
            cwd=directory,
            check=True,
            capture_output=True,
        )
        if mode == "services":
            stack.start("worker", [*HEXA, "worker"])
        hexa = stack.uvicorn("hexa", "hexa.drivers.http.app:create_app")
        with httpx.Client(base_url=hexa, timeout=30) as http:
            token = http.post(
                "/api/v1/auth/login", json=dict(zip(("email", "password"), ADMIN, strict=True))
            ).json()["access_token"]
            person = {"Authorization": f"Bearer {token}"}
            key = http.post(
                "/api/admin/api-keys",
                headers=person,
                json={
                    "name": "bench",
                    "scopes": ["inspections:read", "inspections:write", "rules:write", "jobs:read"],
                },
            ).json()["token"]
            machine = {"X-API-Key": key}
            made = http.post(
                "/api/v1/inspections",
                headers=machine,
                json={"subject": "boiler 7", "readings": [{"key": "temp", "value": 71.5}]},
            )
            made.raise_for_status()
        one = f"/api/v1/inspections/{made.json()['id']}"
        stack.env = env | {
            "BENCH_DATABASE_URL": env["DATABASE_URL"],
            "BENCH_POOL_SIZE": POOL["DB_POOL_SIZE"],
            "BENCH_MAX_OVERFLOW": POOL["DB_MAX_OVERFLOW"],
        }
        bare = stack.uvicorn("bare", "bench_references:bare", app_dir=str(ROOT / "scripts"))
        reference = stack.uvicorn(
            "db-read", "bench_references:db_read", app_dir=str(ROOT / "scripts")
        )
        writer = stack.uvicorn(
            "db-write", "bench_references:db_write", app_dir=str(ROOT / "scripts")
        )
        stack.env = env | {"LOG_LEVEL": "INFO"}  # the default, one JSON access line each
        logged = stack.uvicorn("hexa-info", "hexa.drivers.http.app:create_app")
        stack.env = env
        create = directory / "create.lua"
        create.write_text(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = '{json.dumps(CREATE_BODY)}'\n"
        )
        stack.env = env | {
            "BENCH_DATABASE_URL": env["DATABASE_URL"],
            "BENCH_REDIS_URL": env.get("REDIS_URL", ""),
            "BENCH_POOL_SIZE": POOL["DB_POOL_SIZE"],
            "BENCH_MAX_OVERFLOW": POOL["DB_MAX_OVERFLOW"],
        }
        updater = stack.uvicorn(
            "db-update", "bench_references:db_update", app_dir=str(ROOT / "scripts")
        )
        if mode == "services":
            submitter = stack.uvicorn(
                "db-submit", "bench_references:db_submit", app_dir=str(ROOT / "scripts")
            )
        stack.env = env
        scripts = Scripts(directory, hexa, machine, env["DATABASE_URL"], seconds)
        targets = [
            Target("bare FastAPI", bare + "/"),
            Target("bare db read", reference + "/inspections/" + one.rsplit("/", 1)[1]),
            Target("hexa /health", hexa + "/health"),
            Target("hexa api-key read", hexa + one, machine),
            Target("hexa jwt read", hexa + one, person),
            Target("hexa /health, INFO logs", logged + "/health"),
            Target("hexa api-key read, INFO logs", logged + one, machine),
            Target("bare db insert", writer + "/inspections", script=create),
            Target("hexa create", hexa + "/api/v1/inspections", machine, create),
            Target("hexa create, INFO logs", logged + "/api/v1/inspections", machine, create),
            Target("bare db update", updater + "/", prepare=scripts.patch("/inspections/")),
            Target("hexa patch", hexa + "/", machine, prepare=scripts.patch(API)),
            Target("hexa patch, INFO logs", logged + "/", machine, prepare=scripts.patch(API)),
        ]
        if mode == "services":  # a submit hands its job to Redis: services only
            targets += [
                Target("bare db submit", submitter + "/", prepare=scripts.submit("/inspections/")),
                Target("hexa submit", hexa + "/", machine, prepare=scripts.submit(API)),
                Target(
                    "hexa submit, INFO logs", logged + "/", machine, prepare=scripts.submit(API)
                ),
            ]
            stack.named["worker"].terminate()  # submits queue up; nothing runs them here
        if mode == "services":  # several processes share progress and limits through Redis
            twice = stack.uvicorn("hexa-2", "hexa.drivers.http.app:create_app", "--workers", "2")
            targets.append(Target("hexa api-key read, 2 processes", twice + one, machine))
        for target in targets:  # warm every path once; a wrong setup fails here, not in wrk
            if target.prepare:
                continue
            answer = (
                httpx.post(target.url, headers=target.headers, json=CREATE_BODY, timeout=30)
                if target.script
                else httpx.get(target.url, headers=target.headers, timeout=30)
            )
            if answer.status_code not in (200, 201):
                raise SystemExit(f"{target.name}: {answer.status_code} {answer.text[:300]}")
        yield stack, targets, machine | {"base": hexa, "person": token}
    finally:
        stack.stop()


API = "/api/v1/inspections/"
PATCH_POOL = 2000  # drafts patched in turn, each many times a run
SUBMITS_PER_SECOND = 1500  # fresh drafts made for each second of a submit run


class Scripts:
    """wrk scripts over drafts: PATCHes with each draft's current version in If-Match
    (read from the database before each run, then from each answer), submits of drafts
    never submitted."""

    def __init__(
        self, directory: Path, hexa: str, headers: dict[str, str], database_url: str, seconds: int
    ) -> None:
        self.directory, self.hexa, self.headers = directory, hexa, headers
        self.database_url = database_url
        self.seconds = seconds
        self._pool: list[str] = []
        self._made = 0

    def _drafts(self, count: int) -> list[str]:
        import asyncio

        import bench_pipeline

        async def make() -> list[str]:
            async with httpx.AsyncClient(
                base_url=self.hexa, headers=self.headers, timeout=30
            ) as http:
                return await bench_pipeline._drafts(http, count)

        return asyncio.run(make())

    def _versions(self, ids: list[str]) -> list[int]:
        import asyncio

        import sqlalchemy as sa
        from sqlalchemy.ext.asyncio import create_async_engine

        async def read() -> list[int]:
            engine = create_async_engine(self.database_url)
            try:
                async with engine.connect() as connection:
                    rows = await connection.execute(
                        sa.text("SELECT id, version FROM inspections WHERE id IN :ids").bindparams(
                            sa.bindparam("ids", expanding=True)
                        ),
                        {"ids": ids},
                    )
                    found: dict[str, int] = {row[0]: row[1] for row in rows}
            finally:
                await engine.dispose()
            return [int(found[i]) for i in ids]

        return asyncio.run(read())

    def _write(self, name: str, lua: str) -> Path:
        self._made += 1
        path = self.directory / f"{name}-{self._made}.lua"
        path.write_text(lua)
        return path

    def patch(self, prefix: str) -> Callable[[], Path]:
        def prepare() -> Path:
            if not self._pool:
                self._pool = self._drafts(PATCH_POOL)
            time.sleep(1)  # the last run's requests still in flight land first
            versions = self._versions(self._pool)
            return self._write(
                "patch",
                _lua_table("ids", self._pool)
                + _lua_table("versions", versions)
                + f"""
local i = 0
local index, busy = {{}}, {{}}
for k, id in ipairs(ids) do index[id] = k end
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{{"notes": "patched"}}'
-- Each draft is patched with the version its last answer gave, and never twice at once:
-- a slow answer cannot make the next PATCH of its draft stale. A draft whose answer
-- never named it (an error, a timeout) is free again after wrk's timeout.
request = function()
    local k
    local now = os.time()
    for _ = 1, #ids do
        k = i % #ids + 1
        i = i + 1
        if not busy[k] or now - busy[k] > 6 then break end
    end
    busy[k] = now
    wrk.headers["If-Match"] = '"' .. versions[k] .. '"'
    return wrk.format(nil, "{prefix}" .. ids[k])
end
response = function(status, headers, body)
    local k = index[body:match('"id"%s*:%s*"([^"]+)"') or ""]
    local version = body:match('"version"%s*:%s*(%d+)')
    if k and version then
        versions[k] = tonumber(version)
        busy[k] = nil
    end
end
""",
            )

        return prepare

    def submit(self, prefix: str) -> Callable[[], Path]:
        def prepare() -> Path:
            ids = self._drafts(SUBMITS_PER_SECOND * self.seconds)
            return self._write(
                "submit",
                _lua_table("ids", ids)
                + f"""
local i = 0
wrk.method = "POST"
request = function()
    i = i + 1
    return wrk.format(nil, "{prefix}" .. (ids[i] or "used-up") .. "/submit")
end
""",
            )

        return prepare


def _lua_table(name: str, values: list[str] | list[int]) -> str:
    return f"{name} = {{" + ",".join(json.dumps(v) for v in values) + "}\n"


_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(target: Target, connections: int, seconds: int) -> Round:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    script = target.prepare() if target.prepare else target.script
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, target.url], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = {p: float(v) * _UNIT_MS[u] for p, v, u in _LATENCY.findall(output)}
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return Round(rps, latency.get("50", 0.0), latency.get("99", 0.0), errors)


def _measure(
    targets: list[Target], connections: list[int], rounds: int, seconds: int
) -> dict[tuple[str, int], list[Round]]:
    results: dict[tuple[str, int], list[Round]] = {}
    for c in connections:
        for _ in range(rounds):  # interleaved: each round visits every target
            for target in targets:
                results.setdefault((target.name, c), []).append(_wrk(target, c, seconds))
    return results


RATIOS = (
    ("api-key read / bare db read", "hexa api-key read", "bare db read"),
    ("jwt read / bare db read", "hexa jwt read", "bare db read"),
    ("/health / bare FastAPI", "hexa /health", "bare FastAPI"),
    ("/health INFO / bare FastAPI", "hexa /health, INFO logs", "bare FastAPI"),
    ("api-key read INFO / WARNING", "hexa api-key read, INFO logs", "hexa api-key read"),
    ("create / bare db insert", "hexa create", "bare db insert"),
    ("create INFO / bare db insert", "hexa create, INFO logs", "bare db insert"),
    ("2 processes / 1 (api-key read)", "hexa api-key read, 2 processes", "hexa api-key read"),
    ("patch / bare db update", "hexa patch", "bare db update"),
    ("patch INFO / bare db update", "hexa patch, INFO logs", "bare db update"),
    ("submit / bare db submit", "hexa submit", "bare db submit"),
    ("submit INFO / bare db submit", "hexa submit, INFO logs", "bare db submit"),
)


def _report(mode: str, results: dict[tuple[str, int], list[Round]], steal: float) -> None:
    print(
        f"\n== {mode} (best of {len(next(iter(results.values())))} interleaved rounds; "
        f"CPU steal {steal:.1%})"
    )
    print(
        f"{'target':34} {'conns':>5} {'req/s':>9} {'median':>9} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'errors':>7}"
    )
    best: dict[tuple[str, int], Round] = {}
    failures: dict[tuple[str, int], int] = {}
    for (name, c), rounds in results.items():
        top = max(rounds, key=lambda r: r.rps)
        best[name, c] = top
        median = statistics.median(r.rps for r in rounds)
        errors = failures[name, c] = sum(r.errors for r in rounds)
        print(
            f"{name:34} {c:>5} {top.rps:>9.0f} {median:>9.0f} {top.p50_ms:>8.1f} "
            f"{top.p99_ms:>8.1f} {errors:>7}"
        )
    for c in sorted({c for _, c in results}):
        for label, numerator, denominator in RATIOS:
            if (numerator, c) in best and (denominator, c) in best:
                ratio = best[numerator, c].rps / best[denominator, c].rps
                p99 = best[numerator, c].p99_ms / max(best[denominator, c].p99_ms, 0.001)
                # A non-2xx answer is quick: a row with errors may read faster than it is.
                bad = failures[numerator, c] + failures[denominator, c]
                flag = f"  NOT VALID: {bad} errors" if bad else ""
                print(f"  {c:>3} conns  {label:34} {ratio:5.2f}   (p99 × {p99:.1f}){flag}")


def _job_status(http: httpx.Client, job: str) -> str:
    answer = http.get(f"/api/v1/jobs/{job}")
    answer.raise_for_status()
    status: str = answer.json()["status"]
    return status


def _packets(base: str, machine: dict[str, str], rows: int, workdir: str) -> None:
    """End to end (upload to `done` through the API) against `judge()` in this process."""
    from hexa.domain.checks import check_from
    from hexa.domain.packets import PacketFormat, PacketReader, inspections_of, judge
    from hexa.domain.rules import Rule

    body = "inspection,subject,key,value,unit\n" + "".join(
        f"INS-{n // 4},pump {n // 4},temp,{95 if n % 997 == 0 else 50},C\n" for n in range(rows)
    )
    headers = {"X-API-Key": machine["X-API-Key"]}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        http.post(
            "/api/v1/rules",
            json={
                "name": f"ceiling {time.time_ns()}",
                "key": "temp",
                "kind": "max",
                "params": {"max": 80},
            },
        ).raise_for_status()
        started = time.perf_counter()
        accepted = http.post(
            "/api/v1/packets", files={"file": ("p.csv", body.encode(), "text/csv")}
        )
        job = accepted.json()["job_id"]
        deadline = time.monotonic() + 180
        while (status := _job_status(http, job)) not in ("done", "failed"):
            if time.monotonic() > deadline:
                logs = "".join(p.read_text()[-3000:] for p in Path(workdir).glob("*/*.log"))
                raise SystemExit(f"packet job {job} still {status} after 180 s\n{logs}")
            time.sleep(0.01)  # polling adds half this to the figure, on average
        end_to_end = rows / (time.perf_counter() - started)
    rule = Rule.new(
        id="r",
        name="ceiling",
        key="temp",
        check=check_from("max", {"max": 80}),
        now=datetime.now(UTC),
    )
    parsing = pure = 0.0
    for _ in range(3):  # the best of three, as the HTTP figures are the best of rounds
        started = time.perf_counter()
        reader = PacketReader(PacketFormat.CSV)
        parsed = reader.feed(body.encode()) + reader.finish()
        parsing = max(parsing, rows / (time.perf_counter() - started))
        started = time.perf_counter()
        for group in inspections_of(parsed):
            judge([rule], group)
        pure = max(pure, rows / (time.perf_counter() - started))
    both = 1 / (1 / parsing + 1 / pure)
    print(
        f"  packets, {rows:,} rows: end to end {end_to_end:,.0f} rows/s ({status}); in this "
        f"process: judge() {pure:,.0f} rows/s (ratio {end_to_end / pure:.2f}), parsing "
        f"{parsing:,.0f} rows/s, both {both:,.0f} rows/s (ratio {end_to_end / both:.2f})"
    )


def _pipeline(stack: Stack, machine: dict[str, str], jobs: int, rounds: int) -> None:
    """Jobs through Hexa's API and worker, against arq workers alone (bench_pipeline)."""
    import asyncio

    import bench_pipeline as pipeline

    headers = {"X-API-Key": machine["X-API-Key"]}
    base, database = machine["base"], stack.env["DATABASE_URL"]
    env = stack.env | {
        "BENCH_DATABASE_URL": database,
        "BENCH_REDIS_URL": stack.env["REDIS_URL"],
        "BENCH_POOL_SIZE": POOL["DB_POOL_SIZE"],
    }
    steal0, total0 = _cpu_times()

    def best(run: Callable[[], Coroutine[Any, Any, pipeline.Drain]]) -> pipeline.Drain:
        return max((asyncio.run(run()) for _ in range(rounds)), key=lambda d: d.rate)

    def reference(kind: str) -> Callable[[], subprocess.Popen[bytes]]:
        log = stack.directory / f"worker-{kind}.log"
        return functools.partial(pipeline.reference_worker, env, kind, log)

    def hexa_worker(*extra: str) -> Callable[[], subprocess.Popen[bytes]]:
        log = (stack.directory / f"worker{''.join(extra)}.log").open("a")

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [*HEXA, "worker", *extra], env=stack.env, cwd=stack.directory,
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

        return start

    async def drafts(count: int) -> list[str]:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            return await pipeline._drafts(http, count)

    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        for key, kind, params in RULES:  # a job judges by a few rules, as in production
            http.post(
                "/api/v1/rules",
                json={"name": f"{key} {kind} {time.time_ns()}", "key": key, "kind": kind,
                      "params": params},
            ).raise_for_status()  # fmt: skip
    results: dict[str, pipeline.Drain] = {}
    for kind in ("noop", "bare"):
        ids = asyncio.run(drafts(jobs))
        results[kind] = best(
            functools.partial(
                pipeline.arq_drain, env["BENCH_REDIS_URL"], kind, f"bench:{kind}", ids, 32,
                f"arq {kind} job, 1 worker, backlog", reference(kind),
            )
        )  # fmt: skip

    def hexa(label: str, concurrency: int, **options: Any) -> pipeline.Drain:
        return best(
            functools.partial(
                pipeline.hexa_drain, base, headers, database, jobs, concurrency, label, **options
            )
        )

    pipeline.stop(stack.named["worker"])  # each row starts the worker it measures
    results["hexa"] = hexa("hexa jobs, 1 process, backlog", 32, backlog=hexa_worker())
    results["hexa2"] = hexa(
        "hexa jobs, 2 processes, backlog", 32, backlog=hexa_worker("--processes", "2")
    )
    worker = hexa_worker()()
    try:
        asyncio.run(pipeline.hexa_drain(base, headers, database, 20, 8, "warm-up"))
        results["submit32"] = hexa("hexa submit to done, 32 clients", 32)
        results["submit64"] = hexa("hexa submit to done, 64 clients", 64)
        results["offered"] = hexa("hexa at 100 submits/s offered", 100, rate=100.0)
    finally:
        pipeline.stop(worker)
    steal1, total1 = _cpu_times()
    print(
        f"\n== pipeline (best of {rounds}; CPU steal "
        f"{(steal1 - steal0) / max(total1 - total0, 1):.1%}); a backlog's jobs/s run from "
        "its first job's start to its last job's end, others from the first submit"
    )
    print(pipeline.HEADER)
    for drain in results.values():
        print(drain.line())
    for label, numerator, denominator in (
        ("jobs / bare job", "hexa", "bare"),
        ("jobs / no-op job", "hexa", "noop"),
        ("2 processes / 1", "hexa2", "hexa"),
    ):
        print(f"  {label:34} {results[numerator].rate / results[denominator].rate:5.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--modes", nargs="+", default=["embedded", "services"], choices=["embedded", "services"]
    )
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--packet-rows", type=int, default=100_000)
    parser.add_argument(
        "--jobs", type=int, default=1000, help="jobs per pipeline run (services mode; 0: none)"
    )
    parser.add_argument("--pipeline-rounds", type=int, default=2)
    parser.add_argument("--no-http", action="store_true", help="skip the wrk rows")
    parser.add_argument(
        "--only", nargs="+", default=[], help="wrk rows whose names contain one of these"
    )
    parser.add_argument("--workdir", type=Path, help="keep the processes' files and logs here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is missing (scripts/apt-install.sh wrk wrk, or make bench)")
    keep = contextlib.nullcontext(str(args.workdir)) if args.workdir else None
    with keep or tempfile.TemporaryDirectory(prefix="hexa-bench-") as tmp:
        for mode in args.modes:
            with _mode(mode, Path(tmp), args.seconds) as (stack, targets, machine):
                if not args.no_http:
                    steal0, total0 = _cpu_times()
                    chosen = [
                        t for t in targets if not args.only or any(o in t.name for o in args.only)
                    ]
                    results = _measure(chosen, args.connections, args.rounds, args.seconds)
                    steal1, total1 = _cpu_times()
                    _report(mode, results, (steal1 - steal0) / max(total1 - total0, 1))
                if mode == "services" and args.jobs:
                    import asyncio

                    import bench_pipeline

                    asyncio.run(  # the HTTP rows' submits: queued, never run
                        bench_pipeline.clear_jobs(stack.env["DATABASE_URL"], stack.env["REDIS_URL"])
                    )
                    _pipeline(stack, machine, args.jobs, args.pipeline_rounds)
                if args.packet_rows:
                    if mode == "services":  # the rows above stopped the stack's worker
                        import asyncio

                        import bench_pipeline

                        stack.start("worker-packets", [*HEXA, "worker"])
                        asyncio.run(  # up and running before the packet is timed
                            bench_pipeline.hexa_drain(
                                machine["base"], {"X-API-Key": machine["X-API-Key"]},
                                stack.env["DATABASE_URL"], 5, 5, "warm-up",
                            )
                        )  # fmt: skip
                    _packets(machine["base"], machine, args.packet_rows, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
