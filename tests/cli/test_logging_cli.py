"""`hexa serve` as an operator's log collector sees it: JSON lines, one access event per
request and no second line from uvicorn, and a bad logging setting refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import hexa

SECRET = "l" * 40


@pytest.mark.parametrize(
    ("setting", "value"), [("LOG_FORMAT", "xml"), ("LOG_LEVEL", "loud")], ids=["format", "level"]
)
def test_a_bad_logging_setting_stops_serve_with_one_line_naming_it(
    tmp_path: Path, setting: str, value: str
) -> None:
    result = hexa("serve", cwd=tmp_path, PERSISTENCE="memory", **{setting: value})

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert setting in line and "Traceback" not in result.stderr
