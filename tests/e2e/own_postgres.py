"""A PostgreSQL cluster of one test's own, which it may stop, start again and freeze: the
session's shared server must never go down under other tests."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.cli.test_cli import _free_port


def _binaries() -> Path | None:
    installed = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    for candidate in (os.environ.get("PG_BIN", ""), *installed):
        if candidate and (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    return None


def _as_owner() -> list[str]:
    """initdb refuses root: as root the cluster is the `postgres` user's (as in
    scripts/postgres-tmp.sh)."""
    return ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []


class OwnPostgres:
    """A cluster in a temporary directory on a fixed loopback port, so that a restart comes
    back where the app left it: same port, same data."""

    def __init__(self, binaries: Path) -> None:
        self._bin = binaries
        self.port = _free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="hexa-own-pg."))
        self.url = f"postgresql+asyncpg://hexa@127.0.0.1:{self.port}/hexa"
        self._data = str(self.directory / "data")
        if os.getuid() == 0:
            shutil.chown(self.directory, "postgres")

    def _run(self, tool: str, *args: str) -> None:
        command = [*_as_owner(), str(self._bin / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            pytest.fail(f"{tool} failed: {done.stderr}\n{self.log()}")

    def create(self) -> None:
        self._run("initdb", "-D", self._data, "-U", "hexa", "-A", "trust", "-E", "UTF8",
                  "--no-sync")  # fmt: skip
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "hexa", "hexa")

    def start(self) -> None:
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.directory / "server.log")
        self._run("pg_ctl", "-D", self._data, "-l", log, "-w", "-t", "30", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", self._data, "-m", mode, "-w", "stop")

    def _postmaster(self) -> int:
        return int((self.directory / "data" / "postmaster.pid").read_text().split()[0])

    def _children(self) -> list[int]:
        """The backends and helpers the postmaster forked (from /proc: pgrep's procps
        is not always installed)."""
        postmaster, children = self._postmaster(), []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:  # "pid (name) state ppid ...", and a name may hold anything
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            if parent == postmaster:
                children.append(int(stat.parent.name))
        return children

    def freeze(self) -> None:
        """Every process stops where it is: connections stay open and nothing answers,
        as when the database host hangs or the network drops packets. The postmaster
        first, so that it forks no backend the list below would miss."""
        os.kill(self._postmaster(), signal.SIGSTOP)
        for pid in self._children():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._children():
            os.kill(pid, signal.SIGCONT)
        os.kill(self._postmaster(), signal.SIGCONT)

    def remove(self) -> None:
        if (self.directory / "data" / "postmaster.pid").exists():
            with contextlib.suppress(OSError, ValueError):  # not frozen, or already gone
                self.thaw()
            subprocess.run(
                [*_as_owner(), str(self._bin / "pg_ctl"), "-D", self._data, "-m", "immediate",
                 "stop"],
                capture_output=True, timeout=30,
            )  # fmt: skip
        shutil.rmtree(self.directory, ignore_errors=True)

    def log(self) -> str:
        log = self.directory / "server.log"
        return log.read_text()[-3000:] if log.exists() else ""


def own_postgres_or_skip() -> OwnPostgres:
    binaries = _binaries()
    if binaries is None:
        if os.environ.get("HEXA_REQUIRE_POSTGRES") == "1":
            pytest.fail("HEXA_REQUIRE_POSTGRES=1 but no initdb (install postgresql or set PG_BIN)")
        pytest.skip("no PostgreSQL binaries: install postgresql (make test does) or set PG_BIN")
    return OwnPostgres(binaries)
