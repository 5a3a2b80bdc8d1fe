"""Schemathesis against a real `hexa serve`, inside the suite: about two minutes of every
phase (stateful included), as an admin JWT and as an API key with every scope. No 5xx,
every answer as documented, every 4xx a problem document. `make fuzz` runs it longer, with
a fresh seed each time; here the seed is fixed so that a red run replays."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECONDS = int(os.environ.get("HEXA_FUZZ_SECONDS", "100"))


def test_schemathesis_finds_nothing_in_the_served_api(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable, str(ROOT / "scripts" / "fuzz_api.py"),
            "--max-time", str(SECONDS), "--seed", "20261203", "--report-dir", str(tmp_path),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=SECONDS + 240,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert result.stdout.count("passed, ") >= 2, result.stdout  # both runs generated cases
