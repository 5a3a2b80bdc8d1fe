"""The `hexa` command as an operator runs it: in a process of its own, from the environment."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ADMIN = ("root@example.com", "a long admin password")
HEXA = [sys.executable, "-c", "import sys; from hexa.cli import main; sys.exit(main())"]

# Every setting Hexa reads, so the caller's environment cannot leak into a run.
SETTINGS = {
    "DATABASE_URL", "MONGO_URI", "REDIS_URL", "REDIS_HOST", "REDIS_PORT", "PERSISTENCE",
    "API_KEYS_BACKEND", "USERS_BACKEND", "INSPECTIONS_BACKEND", "RULES_BACKEND",
    "USE_DB_KEYS", "QUEUE_BACKEND", "JWT_SECRET", "JWT_PREVIOUS_SECRETS", "ENV",
    "ALLOW_PUBLIC_DOCS", "MAX_UPLOAD_BYTES", "HOST", "PORT", "API_KEY_PEPPER",
    "ACCESS_TOKEN_MINUTES", "REFRESH_TOKEN_DAYS", "LOGIN_ATTEMPTS_PER_ACCOUNT",
    "LOGIN_ATTEMPTS_PER_ADDRESS", "MAILER", "SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME",
    "SMTP_PASSWORD", "SMTP_FROM", "SMTP_STARTTLS", "PUBLIC_URL", "HEXA_ADMIN_PASSWORD",
    "DB_POOL_SIZE", "DB_MAX_OVERFLOW", "DB_POOL_TIMEOUT", "DB_CONNECT_TIMEOUT",
    "DB_COMMAND_TIMEOUT", "LOG_FORMAT", "LOG_LEVEL",
}  # fmt: skip


def _environment(**settings: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k.upper() not in SETTINGS}
    return clean | settings


def hexa(*args: str, cwd: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HEXA, *args],
        cwd=cwd,
        env=_environment(**settings),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_unknown_persistence_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    result = hexa("migrate", cwd=tmp_path, PERSISTENCE="bogus")

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "PERSISTENCE" in line
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("settings", "named"),
    [({"PERSISTENCE": "memory"}, "PERSISTENCE"), ({"RULES_BACKEND": "memory"}, "RULES_BACKEND")],
    ids=["persistence", "rules"],
)
def test_a_worker_queue_over_memory_stores_stops_with_one_line(
    tmp_path: Path, settings: dict[str, str], named: str
) -> None:
    result = hexa(
        "worker", cwd=tmp_path, QUEUE_BACKEND="arq", REDIS_URL="redis://127.0.0.1:9/0", **settings
    )

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert f"QUEUE_BACKEND is arq but {named} is memory" in line


@pytest.mark.parametrize(
    ("url", "secret"),
    [("nope", "nope"), ("mysql://admin:hunter2@db.internal/hexa", "hunter2")],
    ids=["not-a-url", "unsupported-with-password"],
)
def test_bad_database_url_stops_with_one_line_that_hides_the_value(
    tmp_path: Path, url: str, secret: str
) -> None:
    result = hexa("migrate", cwd=tmp_path, DATABASE_URL=url)

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "DATABASE_URL" in line
    assert secret not in result.stderr


@pytest.mark.parametrize(
    ("settings", "named", "secret"),
    [
        ({"REDIS_URL": "not-a-url", "QUEUE_BACKEND": "arq"}, "REDIS_URL", "not-a-url"),
        ({"REDIS_URL": "redis://:hunter2@cache:port/0"}, "REDIS_URL", "hunter2"),
        ({"REDIS_URL": "redis://cache:6379/zero"}, "REDIS_URL", "zero"),
        ({"MONGO_URI": "mongo.internal:27017", "PERSISTENCE": "mongo"}, "MONGO_URI", "internal"),
        ({"MONGO_URI": "mongodb://u:hunter2@db:x/hexa"}, "MONGO_URI", "hunter2"),
    ],
    ids=["redis-not-a-url", "redis-bad-port", "redis-bad-db", "mongo-no-scheme", "mongo-bad-port"],
)
def test_malformed_redis_or_mongo_url_stops_serve_with_one_line_naming_it(
    tmp_path: Path, settings: dict[str, str], named: str, secret: str
) -> None:
    result = hexa("serve", cwd=tmp_path, **settings)

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"hexa: configuration error: {named}: ")
    assert secret not in result.stderr


def test_migrate_creates_the_sqlite_schema(tmp_path: Path) -> None:
    database = tmp_path / "data" / "hexa.db"

    result = hexa("migrate", cwd=tmp_path, DATABASE_URL=f"sqlite:///{database}")

    assert result.returncode == 0, result.stderr
    assert database.is_file()
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {name for (name,) in rows}
    assert {"users", "api_keys", "sessions", "audit_entries", "job_outbox"} <= tables


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`hexa serve` over memory stores as a real uvicorn process; answers its base URL."""
    port = _free_port()
    log = (tmp_path / "serve.log").open("w+")
    database = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hexa.db'}"}
    assert hexa("migrate", cwd=tmp_path, **database).returncode == 0
    admin = hexa("create-admin", ADMIN[0], cwd=tmp_path, HEXA_ADMIN_PASSWORD=ADMIN[1], **database)
    assert admin.returncode == 0, admin.stderr
    server = subprocess.Popen(
        [*HEXA, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=_environment(**database),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_live(server, base, log)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        log.close()


@contextlib.contextmanager
def serving(directory: Path, **settings: str) -> Iterator[tuple[str, Path]]:
    """`hexa serve` with these settings (nothing else of the caller's environment), as a
    real process on a free port: its base URL and the file its output goes to."""
    port = _free_port()
    log_path = directory / f"serve-{port}.log"
    with log_path.open("w+") as log:
        server = subprocess.Popen(
            [*HEXA, "serve", "--port", str(port)], cwd=directory, env=_environment(**settings),
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_until_live(server, f"http://127.0.0.1:{port}", log)
            yield f"http://127.0.0.1:{port}", log_path
        finally:
            server.terminate()
            server.wait(timeout=10)


def _wait_until_live(server: subprocess.Popen[bytes], base: str, log: Any) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            pytest.fail(f"hexa serve exited {server.returncode}:\n{log.read()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    log.seek(0)
    pytest.fail(f"hexa serve did not answer /health within 15 s:\n{log.read()}")


def _job_when_ended(http: httpx.Client, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        job: dict[str, Any] = http.get(location).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    pytest.fail(f"the job at {location} did not end within 10 s")


def test_serve_with_several_workers_needs_redis(tmp_path: Path) -> None:
    result = hexa("serve", "--workers", "2", cwd=tmp_path)

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "--workers above 1 needs REDIS_URL" in line
