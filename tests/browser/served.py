"""A real `hexa serve` for the browser tests and `make screenshots`: migrated SQLite in a
temporary directory, one admin, the in-process queue, on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def serve(directory: Path) -> Iterator[Served]:
    settings = SETTINGS | {
        "DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'hexa.db'}",
        "BLOB_DIR": str(directory / "blobs"),
    }
    migrated = hexa("migrate", cwd=directory, **settings)
    assert migrated.returncode == 0, migrated.stderr
    admin = hexa("create-admin", ADMIN[0], cwd=directory, HEXA_ADMIN_PASSWORD=ADMIN[1], **settings)
    assert admin.returncode == 0, admin.stderr
    port = _free_port()
    with (directory / "serve.log").open("w+") as log:
        server = subprocess.Popen(
            [*HEXA, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=directory,
            env=_environment(**settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_live(server, base, log)
            yield Served(base, directory)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)
