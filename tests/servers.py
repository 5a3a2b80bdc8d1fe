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
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class S3Server:
    """An S3 HTTP API: its endpoint, and credentials it accepts."""

    endpoint: str
    access_key: str = "hexa-test"
    secret_key: str = "hexa-test-secret"  # noqa: S105 - a test server's
    region: str = "us-east-1"

    def settings(self, bucket: str, **more: object) -> dict[str, object]:
        """What a Hexa process needs to store its blobs in `bucket` of this server."""
        return {
            "blob_backend": "s3",
            "s3_bucket": bucket,
            "s3_endpoint": self.endpoint,
            "s3_region": self.region,
            "aws_access_key_id": self.access_key,
            "aws_secret_access_key": self.secret_key,
            **more,
        }

    def environment(self, bucket: str, **more: str) -> dict[str, str]:
        return {k.upper(): str(v) for k, v in self.settings(bucket, **more).items()}

    def client(self) -> Any:
        """A plain (blocking) boto3 client, to look into the bucket from a test."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """HEXA_TEST_S3_ENDPOINT (a MinIO you run, with HEXA_TEST_S3_ACCESS_KEY and
    HEXA_TEST_S3_SECRET_KEY), else moto's S3 server on a free loopback port in this
    process: a real S3 HTTP API, though one that checks no signature, expiry or policy
    (tests assert those on what Hexa generates)."""
    endpoint = os.environ.get("HEXA_TEST_S3_ENDPOINT")
    if endpoint:
        yield S3Server(
            endpoint,
            os.environ.get("HEXA_TEST_S3_ACCESS_KEY", "minioadmin"),
            os.environ.get("HEXA_TEST_S3_SECRET_KEY", "minioadmin"),
        )
        return
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        _missing("S3 server", "HEXA_TEST_S3_ENDPOINT is unset and moto is not installed")
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # its lines carry presigned URLs
    server = ThreadedMotoServer("127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()
