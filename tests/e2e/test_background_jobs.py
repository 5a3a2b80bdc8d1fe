"""Background jobs for real: `hexa serve` and `hexa worker` processes over PostgreSQL and
a Redis of the test's own (so it can be stopped and started), followed over WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.cli.test_cli import ADMIN, _free_port, _wait_until_live, hexa
from tests.http.test_metrics import samples, value
from tests.processes import OwnRedis, Stack

SECRET = "e" * 40
HEADER = "inspection,subject,key,value,unit\n"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        if os.environ.get("HEXA_REQUIRE_REDIS") == "1":
            pytest.fail("HEXA_REQUIRE_REDIS=1 but redis-server is not installed")
        pytest.skip("no redis-server: install it (scripts/redis-tmp.sh does) to run these")
    redis = OwnRedis(tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


@pytest.fixture
def empty_postgres(postgres_server: str) -> str:
    asyncio.run(_clear(postgres_server))
    return postgres_server


async def _clear(url: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    from hexa.adapters.sql.tables import schema

    engine = create_async_engine(url)
    async with engine.begin() as connection:
        for table in reversed(schema().sorted_tables):
            await connection.execute(sa.delete(table))
    await engine.dispose()


@pytest.fixture
def stack(
    request: pytest.FixtureRequest, tmp_path: Path, own_redis: OwnRedis, empty_postgres: str
) -> Iterator[Stack]:
    """The app and a worker over PostgreSQL and Redis; packets and reports in a directory
    both share, or (`indirect` parameter "sql") in PostgreSQL alone, or ("s3") in a bucket
    of moto's S3 server."""
    blobs = getattr(request, "param", "local")
    env = {"BLOB_BACKEND": blobs}
    if blobs == "s3":
        env |= request.getfixturevalue("s3").environment(request.getfixturevalue("s3_bucket"))
    with running_stack(tmp_path, own_redis, empty_postgres, env) as running:
        yield running


@contextlib.contextmanager
def running_stack(
    directory: Path, redis: OwnRedis, postgres: str, extra: dict[str, str]
) -> Iterator[Stack]:
    """`hexa serve` and `hexa worker` started in `directory` with `extra` settings, an
    admin signed in and one rule made; both stopped at the end, their logs printed."""
    port = _free_port()
    env = {
        "BLOB_BACKEND": "local",
        "DATABASE_URL": postgres, "REDIS_URL": redis.url, "QUEUE_BACKEND": "arq",
        "BLOB_DIR": str(directory / "blobs"), "ENV": "test", "JWT_SECRET": SECRET,
        "API_KEY_PEPPER": SECRET, "WS_HEARTBEAT_SECONDS": "1", "JOB_TIMEOUT_SECONDS": "10",
        "PACKET_PROGRESS_EVERY": "500", "MAX_UPLOAD_BYTES": str(32 * 1024 * 1024),
        "WORKER_SHUTDOWN_GRACE_SECONDS": "2", "WORKER_METRICS_PORT": str(_free_port()),
        "JOB_REDISPATCH_SECONDS": "2", "WORKER_LEASE_SECONDS": "3",
    } | extra  # fmt: skip
    created = hexa("create-admin", ADMIN[0], cwd=directory, HEXA_ADMIN_PASSWORD=ADMIN[1], **env)
    assert created.returncode == 0, created.stderr
    running = Stack(env, directory, base=f"http://127.0.0.1:{port}")
    running.start("serve", "serve", "--port", str(port))
    running.start("worker", "worker")
    try:
        with (directory / "serve.log").open() as log:
            _wait_until_live(running.processes["serve"], running.base, log)
        with httpx.Client(base_url=running.base, timeout=10) as http:
            login = http.post("/api/v1/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
            assert login.status_code == 200, login.text
            running.token = login.json()["access_token"]
            rule = {"name": "temp ceiling", "key": "temp", "kind": "max", "params": {"max": 80}}
            assert running.http().post("/api/v1/rules", json=rule).status_code == 201
        yield running
    finally:
        for name in list(running.processes):
            running.stop(name)
        print(running.logs())


def a_packet(rows: int, hot_every: int) -> tuple[bytes, set[int]]:
    lines, planted = [HEADER], set()
    for n in range(rows):
        hot = n % hot_every == hot_every - 1
        lines.append(f"INS-{n // 4},pump {n // 4},temp,{95 if hot else 50},C\n")
        if hot:
            planted.add(n + 2)
    return "".join(lines).encode(), planted


def upload(stack: Stack, body: bytes) -> str:
    with stack.http() as http:
        response = http.post("/api/v1/packets", files={"file": ("p.csv", body, "text/csv")})
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def wait_for(stack: Stack, job_id: str, done: Any, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    job: dict[str, Any] = {}
    with stack.http() as http:
        while time.monotonic() < deadline:
            response = http.get(f"/api/v1/jobs/{job_id}")
            if response.status_code == 200:
                job = response.json()
                if done(job):
                    return job
            time.sleep(0.05)
    pytest.fail(f"job {job_id} stuck at {job}:\n{stack.logs()}")


def reported_lines(stack: Stack, job_id: str) -> list[int]:
    with stack.http() as http:
        report = http.get(f"/api/v1/jobs/{job_id}/report")
    assert report.status_code == 200, report.text
    return [f["line"] for f in report.json()["findings"]]


async def follow(stack: Stack, job_id: str) -> tuple[list[dict[str, Any]], int | None]:
    url = stack.base.replace("http", "ws") + f"/ws/jobs/{job_id}"
    frames = []
    async with websockets.connect(url, subprotocols=["bearer", stack.token]) as ws:  # type: ignore[list-item]
        async for message in ws:
            frames.append(json.loads(message))
    return frames, ws.close_code


@pytest.mark.parametrize("stack", ["local", "sql"], indirect=True, ids=["blobs-local", "blobs-sql"])
def test_a_packet_runs_on_the_worker_while_the_websocket_shows_progress(stack: Stack) -> None:
    # Two replicas: the packet goes to B, the WebSocket follows it on A.
    replica_b = stack.replica("serve-b")
    body, planted = a_packet(200_000, hot_every=997)
    job_id = upload(replica_b, body)

    frames, close_code = asyncio.run(asyncio.wait_for(follow(stack, job_id), 60))

    assert close_code == 1000
    assert frames[0]["type"] == "snapshot"
    updates = [f for f in frames if f["type"] == "update"]
    assert [f["sequence"] for f in updates] == sorted({f["sequence"] for f in updates})
    assert frames[-1]["job"]["status"] == "done"
    processed = [f["job"]["processed"] for f in frames if "job" in f]
    assert processed == sorted(processed) and processed[-1] == 200_000
    midway = [f for f in updates if 0 < f["job"]["processed"] < 200_000]
    assert midway, f"no progress shown before the end: {frames[:3]}"
    assert sorted(reported_lines(stack, job_id)) == sorted(planted)
    assert sorted(reported_lines(replica_b, job_id)) == sorted(planted)
    if stack.env["BLOB_BACKEND"] == "sql":  # shared through PostgreSQL, not a directory
        assert not (stack.directory / "blobs").exists()

    # The worker tallied the job in Redis (its counts go out once a second); the app
    # reports it. The worker's own port has its process figures.
    with stack.http() as http:
        deadline = time.monotonic() + 5
        while True:
            found = samples(http.get("/metrics").text)
            tallied = value(found, "hexa_jobs_total", kind="validate_packet", outcome="done")
            if tallied is not None or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert tallied == 1
    assert value(found, "hexa_job_duration_seconds_count", kind="validate_packet") == 1
    assert value(found, "worker_queue_length") == 0
    worker_page = httpx.get(f"http://127.0.0.1:{stack.env['WORKER_METRICS_PORT']}/metrics")
    assert value(samples(worker_page.text), "process_resident_memory_bytes") is not None


def test_a_websocket_without_credentials_is_closed_4401(stack: Stack) -> None:
    async def attempt() -> int | None:
        url = stack.base.replace("http", "ws") + "/ws/jobs/anything"
        async with websockets.connect(url) as ws:
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
        return ws.close_code

    assert asyncio.run(attempt()) == 4401


def test_a_job_accepted_while_redis_is_down_runs_once_redis_is_back(
    stack: Stack, own_redis: OwnRedis
) -> None:
    own_redis.stop()
    job_id = upload(stack, a_packet(100, hot_every=10)[0])
    queued = wait_for(stack, job_id, lambda job: True, timeout=10)
    assert queued["status"] == "queued"  # answered from the outbox while Redis is away

    own_redis.start()

    done = wait_for(stack, job_id, lambda job: job["status"] == "done", timeout=60)
    assert done["processed"] == 100
    assert len(reported_lines(stack, job_id)) == 10


def test_a_job_run_by_the_worker_logs_under_the_id_of_the_request_that_accepted_it(
    stack: Stack, own_redis: OwnRedis
) -> None:
    own_redis.stop()  # so the worker's relay hands the job over later, from the outbox
    body = a_packet(100, hot_every=10)[0]
    with stack.http() as http:
        accepted = http.post(
            "/api/v1/packets",
            files={"file": ("p.csv", body, "text/csv")},
            headers={"X-Request-ID": "e2e-upload-1"},
        )
    assert accepted.status_code == 202 and accepted.headers["x-request-id"] == "e2e-upload-1"
    job_id = accepted.json()["job_id"]
    own_redis.start()

    wait_for(stack, job_id, lambda job: job["status"] == "done", timeout=60)

    # Log lines are written by a thread a moment after they are logged: wait for the end's.
    deadline = time.monotonic() + 5
    while (
        f"job {job_id} ended done" not in (stack.directory / "worker.log").read_text()
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    serve, worker = (_json_lines(stack.directory / f"{name}.log") for name in ("serve", "worker"))
    during = [e for e in serve if e.get("request_id") == "e2e-upload-1"]
    # Redis was down: the request's own warning names it too.
    assert any(
        e["event"].endswith("stays in the outbox: Redis failed: ConnectionError") for e in during
    )
    [access] = [e for e in during if e["logger"] == "hexa.access"]
    assert (access["route"], access["status"], access["principal_kind"]) == (
        "/api/v1/packets",
        202,
        "user",
    )
    run = [e for e in worker if e.get("job_id") == job_id]
    assert f"job {job_id} ended done" in [e["event"] for e in run]
    assert {e["request_id"] for e in run} == {"e2e-upload-1"}
    logs = stack.logs()
    for secret in (ADMIN[1], stack.token, SECRET):
        assert secret not in logs


def _json_lines(path: Path) -> list[dict[str, Any]]:
    """Every line a process wrote, each the JSON object ENV=test makes it."""
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def test_a_redis_restarted_empty_loses_neither_a_queued_job_nor_a_finished_one(
    stack: Stack, own_redis: OwnRedis
) -> None:
    stack.stop("worker")  # the job waits in Redis's queue...
    job_id = upload(stack, a_packet(100, hot_every=10)[0])
    assert wait_for(stack, job_id, lambda job: True, timeout=10)["status"] == "queued"
    own_redis.stop()  # ...which is then lost, with its progress
    own_redis.start()
    stack.start("worker", "worker")

    done = wait_for(stack, job_id, lambda job: job["status"] == "done", timeout=60)
    assert (done["processed"], done["result"]["errors"]) == (100, 10)

    own_redis.stop()  # and the finished job's progress is lost too
    own_redis.start()
    again = wait_for(stack, job_id, lambda job: True, timeout=10)
    assert (again["status"], again["processed"], again["result"]) == (
        "done", 100, done["result"]
    )  # fmt: skip
    assert len(reported_lines(stack, job_id)) == 10
    with stack.http() as http:
        audit = http.get("/api/admin/audit", params={"limit": 200}).json()["items"]
    assert [e["action"] for e in audit if e["target"] == job_id].count("job.done") == 1


def _worker_replaced_mid_packet(stack: Stack, rows: int, sig: int) -> None:
    """Stops the worker with `sig` in the middle of a packet, starts another, and checks
    the job then completes exactly once."""
    body, planted = a_packet(rows, hot_every=9_973)
    job_id = upload(stack, body)
    wait_for(stack, job_id, lambda job: job["processed"] >= 500, timeout=30)

    stack.stop("worker", sig)
    cut = wait_for(stack, job_id, lambda job: True, timeout=5)
    assert cut["status"] == "running" and cut["processed"] < cut["total"], "finished too soon"
    stack.start("worker", "worker")

    done = wait_for(stack, job_id, lambda job: job["status"] == "done", timeout=90)
    assert done["processed"] == rows
    assert sorted(reported_lines(stack, job_id)) == sorted(planted)  # once, no duplicates
    with stack.http() as http:
        audit = http.get("/api/admin/audit", params={"limit": 200}).json()["items"]
    assert [e["action"] for e in audit if e["target"] == job_id].count("job.done") == 1


def test_a_worker_stopped_mid_packet_hands_its_job_back_and_the_next_one_finishes_it(
    stack: Stack,
) -> None:
    # SIGTERM with no grace: the job in hand is cancelled and goes back to the queue. (A
    # grace of 2 s let the worker finish 600,000 rows before it stopped.)
    stack.stop("worker")
    stack.env = stack.env | {"WORKER_SHUTDOWN_GRACE_SECONDS": "0"}
    stack.start("worker", "worker")
    _worker_replaced_mid_packet(stack, 600_000, signal.SIGTERM)


def test_a_worker_stopped_finishes_the_job_in_hand_within_its_grace(stack: Stack) -> None:
    # SIGTERM: the job gets WORKER_SHUTDOWN_GRACE_SECONDS (2 s here) to end before the
    # worker exits; 100,000 rows take a few tenths of a second.
    body, planted = a_packet(100_000, hot_every=9_973)
    job_id = upload(stack, body)
    wait_for(stack, job_id, lambda job: job["processed"] >= 500, timeout=30)
    stack.stop("worker", signal.SIGTERM)
    ended = wait_for(stack, job_id, lambda job: True, timeout=5)
    assert (ended["status"], ended["processed"]) == ("done", 100_000)
    assert sorted(reported_lines(stack, job_id)) == sorted(planted)


def test_a_worker_killed_mid_packet_is_replaced_and_the_job_completes_once(
    stack: Stack,
) -> None:
    # SIGKILL: nothing hands the job back; its lease lapses within WORKER_LEASE_SECONDS.
    _worker_replaced_mid_packet(stack, 300_000, signal.SIGKILL)


def test_a_worker_of_two_processes_shares_the_queue_and_stops_as_one(stack: Stack) -> None:
    stack.stop("worker")
    stack.start("worker", "worker", "--processes", "2")
    parent = stack.processes["worker"]
    deadline = time.monotonic() + 20
    children: list[str] = []
    while time.monotonic() < deadline and len(children) < 2:
        children = Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()
        time.sleep(0.1)
    assert len(children) == 2, stack.logs()
    with stack.http() as http:
        made = [
            http.post("/api/v1/inspections", json={"subject": f"pump {n}"}).json()
            for n in range(20)
        ]
        jobs = [http.post(f"/api/v1/inspections/{m['id']}/submit").json()["job_id"] for m in made]
    for job_id in jobs:
        wait_for(stack, job_id, lambda job: job["status"] == "done", timeout=30)
    started = time.monotonic()
    stack.stop("worker", signal.SIGTERM)  # waits for the parent
    assert time.monotonic() - started < 10
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]
