"""`hexa serve --workers N`: processes that share their state through Redis (left out
with Redis)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from tests.cli.test_cli import HEXA, _environment, _free_port, _wait_until_live, hexa


def test_serve_runs_several_processes_that_all_answer(tmp_path: Path, redis_url: str) -> None:
    port = _free_port()
    settings = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hexa.db'}",
        "REDIS_URL": redis_url,
        "QUEUE_BACKEND": "inprocess",
    }
    assert hexa("migrate", cwd=tmp_path, **settings).returncode == 0
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen(
        [*HEXA, "serve", "--workers", "2", "--port", str(port)],
        cwd=tmp_path, env=_environment(**settings), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_until_live(server, f"http://127.0.0.1:{port}", log)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        assert len(children) >= 2, children  # two serving processes (and a resource tracker)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            assert all(http.get("/health").status_code == 200 for _ in range(20))
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
