"""The Postman smoke for real: `hexa serve` and `hexa worker` over Redis (SQLite, blobs in
SQL as in k8s/) on a free port, and scripts/run_postman_smoke.py against them. It passes,
signed in either way; a collection with one expectation broken fails it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import ADMIN, _environment, _free_port, _wait_until_live, hexa
from tests.families import kept_adapters
from tests.ops.files import ROOT
from tests.processes import OwnRedis, Stack

SCRIPT = ROOT / "scripts" / "run_postman_smoke.py"
COLLECTION = ROOT / "postman" / "hexa.postman_collection.json"
# The example domain's folder of the smoke, where the project kept it.
EXAMPLE = ROOT / "postman" / "hexa-example.postman_collection.json"
SECRET = "s" * 40


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.fail("the smoke needs node and npm (Debian: apt-get install npm)")
    with_worker = kept_adapters("arq") == [
        "arq"
    ]  # the production shape; else the app runs its own jobs
    if with_worker and shutil.which("redis-server") is None:
        if os.environ.get("HEXA_REQUIRE_REDIS") == "1":
            pytest.fail("HEXA_REQUIRE_REDIS=1 but redis-server is not installed")
        pytest.skip("no redis-server: install it (scripts/redis-tmp.sh does) to run these")
    directory = tmp_path_factory.mktemp("smoke")
    redis = OwnRedis(directory) if with_worker else None
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'hexa.db'}", "ENV": "test",
        "QUEUE_BACKEND": "inprocess", "BLOB_BACKEND": "sql",
        "JWT_SECRET": SECRET, "API_KEY_PEPPER": SECRET, "LOG_FORMAT": "json",
    }  # fmt: skip
    if redis is not None:
        redis.start()
        env |= {"REDIS_URL": redis.url, "QUEUE_BACKEND": "arq"}
    port = _free_port()
    assert hexa("migrate", cwd=directory, **env).returncode == 0
    created = hexa("create-admin", ADMIN[0], cwd=directory, HEXA_ADMIN_PASSWORD=ADMIN[1], **env)
    assert created.returncode == 0, created.stderr
    running = Stack(env, directory, base=f"http://127.0.0.1:{port}")
    running.start("serve", "serve", "--port", str(port))
    if with_worker:
        running.start("worker", "worker")
    try:
        with (directory / "serve.log").open() as log:
            _wait_until_live(running.processes["serve"], running.base, log)
        yield running
    finally:
        for name in list(running.processes):
            running.stop(name)
        if redis is not None:
            redis.stop()
        print(running.logs())


def smoke(stack: Stack, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = _environment(**stack.env, BASE_URL=stack.base, **variables)
    for name in ("HEXA_SMOKE_TOKEN", "HEXA_ADMIN_EMAIL", "HEXA_ADMIN_PASSWORD"):
        if name not in variables:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=stack.directory, env=environment, capture_output=True, text=True, timeout=240,
    )  # fmt: skip


def test_the_smoke_passes_with_a_token_minted_under_the_apps_settings(stack: Stack) -> None:
    result = smoke(stack)

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr
    assert "assertions (0 failed)" in result.stdout
    assert "Admin signs in" not in result.stdout  # the token stood in for it
    assert "A revoked key is refused" in result.stdout
    if EXAMPLE.exists():
        assert "the job ends done" in result.stdout


def test_the_smoke_passes_signed_in_as_an_admin(stack: Stack) -> None:
    result = smoke(stack, HEXA_ADMIN_EMAIL=ADMIN[0], HEXA_ADMIN_PASSWORD=ADMIN[1])

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr
    assert "Admin signs in" in result.stdout
    assert "assertions (0 failed)" in result.stdout
    assert ADMIN[1] not in result.stdout + result.stderr


def test_a_broken_expectation_fails_the_smoke(stack: Stack, tmp_path: Path) -> None:
    collection = json.loads(COLLECTION.read_text())
    [liveness] = [item for item in collection["item"][0]["item"] if item["name"] == "Liveness"]
    tests = liveness["event"][0]["script"]["exec"]
    tests[0] = tests[0].replace("have.status(200)", "have.status(418)")
    broken = tmp_path / "broken.postman_collection.json"
    broken.write_text(json.dumps(collection))

    result = smoke(stack, "--collection", str(broken))

    assert result.returncode == 1, result.stdout[-6000:] + result.stderr
    assert "assertions (1 failed)" in result.stdout
