"""Property-based fuzzing of the running API against its own OpenAPI, with schemathesis.

    .venv/bin/python scripts/fuzz_api.py [--max-time 120] [--database-url URL] [--seed N]

Starts a real `hexa serve` (embedded SQLite and in-process jobs unless --database-url
names another database), signs in twice — an admin operator JWT (`hexa token`) and an
API key holding every scope — and runs `schemathesis run` once per credential, every
phase (examples, coverage, fuzzing, stateful: create, then read, change and delete what
was created), splitting --max-time between them. Every check schemathesis has (no 5xx;
statuses, content types, headers and bodies as documented; schema-invalid requests
refused and schema-valid ones accepted; missing headers, undeclared methods, deleted
resources...) and ours (tests/fuzz/checks.py): every 4xx a problem document, and a valid
request refused only for a reason the schema cannot hold. The checks are not named on
the command line: a name given there would override what tests/fuzz/schemathesis.toml
turns off or tunes for one operation. Exits non-zero on any failure; reports go to
--report-dir.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HEXA = [sys.executable, "-m", "hexa.cli"]
SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]
CONFIG = ROOT / "tests" / "fuzz" / "schemathesis.toml"
# The key's own run must not revoke the key it runs under (the admin run covers these).
SPARE_THE_KEY = ("--exclude-path-regex", r"^/api/admin/api-keys/\{kid\}(/revoke)?$")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _environment(directory: Path, database_url: str | None) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    return keep | {
        "ENV": "test",
        "ALLOW_PUBLIC_DOCS": "1",
        "DATABASE_URL": database_url or f"sqlite+aiosqlite:///{directory / 'hexa.db'}",
        "BLOB_DIR": str(directory / "blobs"),
        "QUEUE_BACKEND": "inprocess",
        "JWT_SECRET": secrets.token_urlsafe(40),
        "API_KEY_PEPPER": secrets.token_urlsafe(40),
        "LOG_LEVEL": "WARNING",
    }


@contextlib.contextmanager
def _served(directory: Path, env: dict[str, str]) -> Iterator[str]:
    subprocess.run([*HEXA, "migrate"], env=env, cwd=directory, check=True)
    port = _free_port()
    log = (directory / "serve.log").open("w")
    server = subprocess.Popen(
        [*HEXA, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=directory,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"hexa serve did not start; see {directory / 'serve.log'}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _operator(env: dict[str, str], directory: Path) -> str:
    """An admin JWT, as `hexa token` mints it for operators."""
    return subprocess.run(
        [*HEXA, "token", "fuzz", "--role", "admin", "--minutes", "240"],
        env=env, cwd=directory, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


def _api_key(base: str, operator: str) -> str:
    """A fresh API key with every scope, made just before its run: the admin run may
    have revoked every key it could list."""
    from hexa.domain.access import every_scope  # the scopes of the areas this project has

    made = httpx.post(
        f"{base}/api/admin/api-keys",
        headers={"Authorization": f"Bearer {operator}"},
        json={"name": "fuzzing", "scopes": sorted(every_scope())},
        timeout=10,
    )
    made.raise_for_status()
    token: str = made.json()["token"]
    return token


def _fuzz(
    base: str, header: str, seconds: int, seed: int, report: Path, *extra: str
) -> tuple[int, dict[str, object]]:
    report.mkdir(parents=True, exist_ok=True)
    command = [
        *SCHEMATHESIS, "--config-file", str(CONFIG), "run", f"{base}/openapi.json",
        "--header", header,
        "--max-time", str(seconds),
        "--seed", str(seed),
        "--workers", "1",
        "--request-timeout", "10",
        "--suppress-health-check", "all",
        "--report", "junit,ndjson",
        "--report-dir", str(report),
        "--output-truncate", "true",
        *extra,
    ]  # fmt: skip
    env = os.environ | {"SCHEMATHESIS_HOOKS": "tests.fuzz.checks", "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    result = subprocess.run(command, env=env, cwd=ROOT, text=True, capture_output=True)
    (report / "output.txt").write_text(result.stdout + result.stderr)
    return result.returncode, _summary(result.stdout, time.monotonic() - started)


def _summary(output: str, seconds: float) -> dict[str, object]:
    """The figures schemathesis prints at the end (operations, test cases, failures)."""
    tail = [line.strip() for line in output.splitlines() if line.strip()][-45:]
    return {"seconds": round(seconds, 1), "tail": tail}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-time", type=int, default=120, help="seconds in all (default 120)")
    parser.add_argument("--database-url", help="fuzz over this database (default a fresh SQLite)")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--report-dir", type=Path, default=ROOT / "var" / "fuzz")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory(prefix="hexa-fuzz-") as tmp:
        directory = Path(tmp)
        env = _environment(directory, args.database_url)
        with _served(directory, env) as base:
            operator = _operator(env, directory)
            share = max(1, args.max_time // 2)
            runs = (
                ("admin-jwt", lambda: f"Authorization: Bearer {operator}", ()),
                ("api-key", lambda: f"X-API-Key: {_api_key(base, operator)}", SPARE_THE_KEY),
            )
            for name, header, extra in runs:
                report = args.report_dir / name
                code, summary = _fuzz(base, header(), share, args.seed, report, *extra)
                print(f"== {name}: schemathesis exited {code} in {summary['seconds']} s")
                print("\n".join(f"   {line}" for line in summary["tail"]))  # type: ignore[union-attr]
                failed |= code != 0
        if failed:
            print(f"server log: {json.dumps(str(directory / 'serve.log'))}")
            print((directory / "serve.log").read_text()[-5000:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
