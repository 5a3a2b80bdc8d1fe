"""Rows per second and the worker's peak memory when validating packets end to end.

    scripts/with-test-services.sh .venv/bin/python scripts/bench_packets.py [--rows 10000 100000]
        [--blobs local s3]

Starts a throw-away stack in a temporary directory — `hexa serve` and `hexa worker` as
processes over the PostgreSQL and Redis that `with-test-services.sh` provides (or SQLite
when HEXA_TEST_POSTGRES_URL is unset) — uploads a packet of each size, follows the job to
its end over `WS /ws/jobs/{id}` (as a client watching it live would), and reports rows
per second (upload to the close after `done`; the upload and the worker's own time are
shown apart), the progress frames the WebSocket carried,
and the worker's peak resident memory (VmHWM), read from /proc after each packet, with a
fresh worker per size. `--blobs s3` keeps packets and reports in a bucket of moto's S3
server, run as a process of its own on loopback (HEXA_TEST_S3_ENDPOINT: a server of yours).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
from websockets.sync.client import connect

HEXA = [sys.executable, "-c", "import sys; from hexa.cli import main; sys.exit(main())"]
ADMIN = ("bench@example.com", "a long bench password")
SECRET = "b" * 40


def packet(rows: int) -> bytes:
    lines = ["inspection,subject,key,value,unit\n"]
    lines += [
        f"INS-{n // 4},pump {n // 4},temp,{95 if n % 997 == 0 else 50},C\n" for n in range(rows)
    ]
    return "".join(lines).encode()


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def follow(base: str, job_id: str, token: str) -> tuple[str, int, int]:
    """Follows the job over its WebSocket to the close; answers the last status, the
    number of update frames and the highest `processed` they showed before the end."""
    url = base.replace("http", "ws", 1) + f"/ws/jobs/{job_id}"
    updates, most, status = 0, 0, "queued"
    with connect(url, subprotocols=["bearer", token], open_timeout=10) as ws:  # type: ignore[list-item]
        for text in ws:
            frame = json.loads(text)
            if frame["type"] in ("snapshot", "update"):
                status = frame["job"]["status"]
                if frame["type"] == "update":
                    updates += 1
                    if status == "running":
                        most = max(most, frame["job"]["processed"])
    return status, updates, most


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--blobs", nargs="+", choices=["local", "sql", "s3"], default=["local"])
    args = parser.parse_args()
    redis = os.environ.get("HEXA_TEST_REDIS_URL")
    if not redis:
        sys.exit("bench_packets: needs Redis: run it under scripts/with-test-services.sh")
    for store in args.blobs:
        print(f"BLOB_BACKEND={store}")
        with _blob_settings(store) as settings:
            run(args.rows, redis, settings)


@contextmanager
def _blob_settings(store: str) -> Iterator[dict[str, str]]:
    if store != "s3":
        yield {"BLOB_BACKEND": store}
        return
    import boto3

    endpoint = os.environ.get("HEXA_TEST_S3_ENDPOINT")
    server = None
    if not endpoint:
        port = 8797
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        endpoint = f"http://127.0.0.1:{port}"
    keys = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench-secret"}
    try:
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys)
        for _ in range(100):
            try:
                client.create_bucket(Bucket="hexa-bench")
                break
            except Exception:  # not listening yet
                time.sleep(0.1)
        yield {
            "BLOB_BACKEND": "s3", "S3_BUCKET": "hexa-bench", "S3_ENDPOINT": endpoint,
            "AWS_ACCESS_KEY_ID": keys["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": keys["aws_secret_access_key"],
        }  # fmt: skip
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


def run(sizes: list[int], redis: str, blobs: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = os.environ.get("HEXA_TEST_POSTGRES_URL") or f"sqlite+aiosqlite:///{tmp}/b.db"
        env = os.environ | {
            "DATABASE_URL": database, "REDIS_URL": redis, "QUEUE_BACKEND": "arq",
            "BLOB_DIR": f"{tmp}/blobs", "ENV": "test", "JWT_SECRET": SECRET,
            "API_KEY_PEPPER": SECRET, "MAX_UPLOAD_BYTES": str(256 * 1024 * 1024),
            "HEXA_ADMIN_PASSWORD": ADMIN[1], "PORT": "8799", **blobs,
        }  # fmt: skip
        subprocess.run([*HEXA, "migrate"], env=env, check=True, cwd=tmp)
        subprocess.run([*HEXA, "create-admin", ADMIN[0]], env=env, cwd=tmp, capture_output=True)
        serve = subprocess.Popen(
            [*HEXA, "serve"], env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = "http://127.0.0.1:8799"
        try:
            http = httpx.Client(base_url=base, timeout=120)
            for _ in range(100):
                try:
                    if http.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            login = http.post("/api/v1/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
            token = login.json()["access_token"]
            http.headers["Authorization"] = f"Bearer {token}"
            rule = {"name": "temp ceiling", "key": "temp", "kind": "max", "params": {"max": 80}}
            http.post("/api/v1/rules", json=rule)
            print(
                f"{'rows':>9} {'bytes':>10} {'seconds':>8} {'rows/s':>9} {'upload s':>8}"
                f" {'worker s':>8} {'ws updates':>10} {'last running':>12} {'status':>7}"
                f" {'worker peak MiB':>16}"
            )
            for rows in sizes:
                worker = subprocess.Popen(
                    [*HEXA, "worker"], env=env, cwd=tmp, stderr=subprocess.DEVNULL
                )
                time.sleep(3)  # the worker connects and runs its start-up crons
                body = packet(rows)
                started = time.perf_counter()
                upload = http.post("/api/v1/packets", files={"file": ("p.csv", body)})
                uploaded = time.perf_counter() - started
                job_id = upload.json()["job_id"]
                status, updates, most = follow(base, job_id, token)
                elapsed = time.perf_counter() - started
                job = http.get(f"/api/v1/jobs/{job_id}").json()
                judged = (_at(job["finished_at"]) - _at(job["started_at"])).total_seconds()
                peak = peak_kib(worker.pid) / 1024
                worker.terminate()
                worker.wait(timeout=30)
                speed = rows / elapsed
                print(
                    f"{rows:>9} {len(body):>10} {elapsed:>8.2f} {speed:>9.0f} {uploaded:>8.2f}"
                    f" {judged:>8.2f} {updates:>10} {most:>12} {status:>7} {peak:>16.1f}"
                )
        finally:
            serve.terminate()
            serve.wait(timeout=30)


if __name__ == "__main__":
    main()
