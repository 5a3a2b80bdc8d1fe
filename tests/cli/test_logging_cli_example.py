"""The tests of logging_cli that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from tests.cli.test_cli import HEXA, _environment, _free_port, _wait_until_live
from tests.cli.test_logging_cli import SECRET


def test_served_requests_are_json_lines_with_one_access_event_each(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"PERSISTENCE": "memory", "ENV": "test", "JWT_SECRET": SECRET, "API_KEY_PEPPER": SECRET}
    with (tmp_path / "serve.log").open("w+") as log:
        server = subprocess.Popen(
            [*HEXA, "serve", "--port", str(port)],
            cwd=tmp_path, env=_environment(**env), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_until_live(server, base, log)
            answer = httpx.get(f"{base}/api/v1/rules/r-1", headers={"X-Request-ID": "cli-1"})
        finally:
            server.terminate()
            server.wait(timeout=10)
        log.seek(0)
        lines = log.read().splitlines()

    assert answer.status_code == 401 and answer.headers["x-request-id"] == "cli-1"
    events = [json.loads(line) for line in lines]  # every line, uvicorn's too, is JSON
    mine = [e for e in events if e.get("request_id") == "cli-1"]
    assert [(e["logger"], e["route"], e["status"]) for e in mine] == [
        ("hexa.access", "/api/v1/rules/{rule_id}", 401)
    ]
    assert not [e for e in events if "/api/v1/rules/r-1" in e["event"]]  # no uvicorn line
    assert any(e["logger"] == "uvicorn.error" and "startup" in e["event"] for e in events)
