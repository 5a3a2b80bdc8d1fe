"""`hexa worker-alive`, the worker's liveness probe in k8s/worker-deployment.yaml: it
passes while a worker beats, fails when none has, and passes while Redis is down (the
worker waits for Redis by itself; restarting it would not mend anything)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from tests.cli.test_cli import hexa

HEARTBEAT_KEY = "hexa:worker:heartbeat"


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url)
    client.delete(HEARTBEAT_KEY)
    yield client
    client.delete(HEARTBEAT_KEY)
    client.close()


def test_no_heartbeat_fails_the_probe_with_one_line(
    tmp_path: Path, redis_url: str, redis_client: Redis
) -> None:
    result = hexa("worker-alive", cwd=tmp_path, REDIS_URL=redis_url)

    assert result.returncode == 1
    assert result.stderr.splitlines() == ["hexa: no worker heartbeat in the last 30 s"]


def test_a_recent_heartbeat_passes_the_probe(
    tmp_path: Path, redis_url: str, redis_client: Redis
) -> None:
    redis_client.set(HEARTBEAT_KEY, "2030-01-01T00:00:00+00:00", ex=30)

    result = hexa("worker-alive", cwd=tmp_path, REDIS_URL=redis_url)

    assert result.returncode == 0, result.stderr


def test_unreachable_redis_passes_the_probe_and_says_why(tmp_path: Path) -> None:
    result = hexa("worker-alive", cwd=tmp_path, REDIS_URL="redis://127.0.0.1:9/0")

    assert result.returncode == 0
    [line] = result.stderr.splitlines()
    assert line.startswith("hexa: Redis failed") and "the worker waits for Redis" in line


def test_no_redis_setting_is_a_configuration_error(tmp_path: Path) -> None:
    result = hexa("worker-alive", cwd=tmp_path)

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "REDIS_URL" in line
