"""Finding the real servers the suite runs against.

In order: an URL from the environment (`make test` starts a throw-away PostgreSQL and sets
HEXA_TEST_POSTGRES_URL; MONGO_URI points at a MongoDB you run), then a container when a
Docker engine answers (testcontainers, if installed), else a skip whose reason says so.
HEXA_REQUIRE_POSTGRES=1 turns a missing PostgreSQL into a failure, so `make test` cannot
pass with its PostgreSQL cases skipped.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@functools.cache
def docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _missing(what: str, how: str, required: bool = False) -> None:
    message = f"no {what}: {how}"
    if required:
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def postgres_url(variable: str = "HEXA_TEST_POSTGRES_URL") -> Iterator[str]:
    url = os.environ.get(variable)
    if url:
        yield url
        return
    required = os.environ.get("HEXA_REQUIRE_POSTGRES") == "1"
    if not docker_available():
        _missing(
            "PostgreSQL server",
            f"{variable} is unset and no Docker engine answers (make test starts one)",
            required,
        )
    try:
        from testcontainers.postgres import PostgresContainer
    except ImportError:
        _missing(
            "PostgreSQL server", "Docker answers but testcontainers is not installed", required
        )
    with PostgresContainer("postgres:15-alpine", driver="asyncpg") as container:
        yield container.get_connection_url()


@contextmanager
def mongo_uri() -> Iterator[str]:
    uri = os.environ.get("MONGO_URI")
    if uri:
        yield uri
        return
    if not docker_available():
        _missing("MongoDB server", "MONGO_URI is unset and no Docker engine answers")
    try:
        from testcontainers.mongodb import MongoDbContainer
    except ImportError:
        _missing("MongoDB server", "Docker answers but testcontainers is not installed")
    with MongoDbContainer("mongo:7") as container:
        yield container.get_connection_url()


@contextmanager
def redis_server_url() -> Iterator[str]:
    url = os.environ.get("HEXA_TEST_REDIS_URL")
    if url:
        yield url
        return
    _missing(
        "Redis server",
        "HEXA_TEST_REDIS_URL is unset (make test starts one)",
        os.environ.get("HEXA_REQUIRE_REDIS") == "1",
    )
    yield ""  # unreachable: _missing skips or fails
