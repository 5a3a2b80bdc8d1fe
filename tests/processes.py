"""Real processes for the tests that need them: `hexa serve` and `hexa worker` as a
restartable stack, and a redis-server of a test's own (stoppable, restartable)."""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.cli.test_cli import HEXA, _environment, _free_port, _wait_until_live


class OwnRedis:
    """A redis-server on a fixed loopback port, stoppable and restartable (no persistence:
    a restart loses everything, as a crashed cache would)."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._directory = directory
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self._directory)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None


@dataclass
class Stack:
    """The app and its worker as processes; restartable, logs kept for failures."""

    env: dict[str, str]
    directory: Path
    base: str = ""
    token: str = ""
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, *args: str) -> None:
        log = (self.directory / f"{name}.log").open("a")
        self.processes[name] = subprocess.Popen(
            [*HEXA, *args], cwd=self.directory, env=_environment(**self.env),
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name)
        process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text()[-4000:]}" for p in self.directory.glob("*.log")
        )

    def replica(self, name: str) -> Stack:
        """Another `hexa serve` over the same stores; answers a Stack that talks to it."""
        port = _free_port()
        self.start(name, "serve", "--port", str(port))
        other = Stack(self.env, self.directory, base=f"http://127.0.0.1:{port}", token=self.token)
        with (self.directory / f"{name}.log").open() as log:
            _wait_until_live(self.processes[name], other.base, log)
        return other

    def http(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=self.base, headers=headers, timeout=30)
