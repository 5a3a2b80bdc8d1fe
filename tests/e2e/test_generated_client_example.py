"""A client generated from the OpenAPI document builds, type-checks and runs the README's
tour against a live app: openapi-python-client over the `/openapi.json` a real `hexa
serve` answers, mypy --strict over the package and tests/e2e/generated_client/tour.py,
then the tour itself, as a separate process that only has the generated client."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from tests.cli.test_cli import ADMIN, served  # noqa: F401 (`served` is the fixture used)

HERE = Path(__file__).parent / "generated_client"
BIN = Path(sys.executable).parent
# The generator's own template (client.py) hands `*args: object` to httpx's `__exit__`,
# which strict mypy refuses whatever the schema says: that file alone is let off.
MYPY = """\
[mypy]
strict = True

[mypy-hexa_client.client]
disable_error_code = arg-type
"""
# The one operation a generator cannot express: an upload link takes any type (the one
# the link names), `*/*`. Clients follow the ticket the API answers with instead.
UNGENERATED = ["PUT /api/v1/blobs/{token}"]


def _run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip


def test_a_generated_client_builds_type_checks_and_runs_the_tour(
    served: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    document = tmp_path / "openapi.json"
    document.write_bytes(httpx.get(f"{served}/openapi.json", timeout=10).content)

    generated = _run(
        BIN / "openapi-python-client", "generate", "--path", document, "--meta", "none",
        "--output-path", tmp_path / "hexa_client", cwd=tmp_path,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stdout + generated.stderr
    warned = [line for line in generated.stdout.splitlines() if line.startswith("WARNING")]
    assert all(any(op in line for op in UNGENERATED) for line in warned), generated.stdout
    assert (tmp_path / "hexa_client" / "api" / "rules" / "create_rule.py").exists()

    shutil.copy(HERE / "tour.py", tmp_path / "tour.py")
    (tmp_path / "mypy.ini").write_text(MYPY)
    checked = _run(sys.executable, "-m", "mypy", "hexa_client", "tour.py", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    toured = _run(sys.executable, "tour.py", served, *ADMIN, cwd=tmp_path)
    assert toured.returncode == 0, toured.stdout + toured.stderr
    assert "verdict failed" in toured.stdout
