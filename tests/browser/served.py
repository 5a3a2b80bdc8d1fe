"""A real `hexa serve` for the browser tests and `make screenshots`: migrated SQLite in a
temporary directory, one admin, the in-process queue, on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.cli.test_cli import HEXA, _environment, _wait_until_live, hexa

ADMIN = ("admin@example.com", "a long admin password")
# Small progress steps, so a packet of a few thousand rows shows progress midway; sign-in
# limits high enough for a module of tests that all come from 127.0.0.1.
SETTINGS = {
    "ENV": "dev",
    "LOG_LEVEL": "WARNING",
    "PACKET_PROGRESS_EVERY": "100",
    "LOGIN_ATTEMPTS_PER_ADDRESS": "1000",
    "LOGIN_ATTEMPTS_PER_ACCOUNT": "5",
}


@dataclass(frozen=True)
class Served:
    base: str
    directory: Path

    @property
    def ui(self) -> str:
        return f"{self.base}/admin-ui/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextmanager
def serve(directory: Path, redis_url: str | None = None, **more: str) -> Iterator[Served]:
    """The app; given `redis_url`, jobs go through Redis to a `hexa worker` of their own,
    as in production (the app's event loop then only serves, so progress streams live).
    `more`: settings of the test's own (an S3 bucket's)."""
    settings = (
        SETTINGS
        | {
            "DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'hexa.db'}",
            "BLOB_DIR": str(directory / "blobs"),
        }
        | more
    )
    if redis_url:
        settings |= {"REDIS_URL": redis_url, "QUEUE_BACKEND": "arq"}
    migrated = hexa("migrate", cwd=directory, **settings)
    assert migrated.returncode == 0, migrated.stderr
    admin = hexa("create-admin", ADMIN[0], cwd=directory, HEXA_ADMIN_PASSWORD=ADMIN[1], **settings)
    assert admin.returncode == 0, admin.stderr
    port = _free_port()
    with ExitStack() as stack:
        log = stack.enter_context((directory / "serve.log").open("w+"))
        server = subprocess.Popen(
            [*HEXA, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=directory,
            env=_environment(**settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        stack.callback(_stop, server)
        if redis_url:
            worker = subprocess.Popen(
                [*HEXA, "worker"],
                cwd=directory,
                env=_environment(**settings),
                stdout=stack.enter_context((directory / "worker.log").open("w")),
                stderr=subprocess.STDOUT,
            )
            stack.callback(_stop, worker)
        base = f"http://127.0.0.1:{port}"
        _wait_until_live(server, base, log)
        yield Served(base, directory)
