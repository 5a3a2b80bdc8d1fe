"""`hexa migrate <revision>` goes to that revision, back as well as forward: the rollback
step of OPSHANDOFF.md (Alembic's upgrade alone silently ignores an older revision)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.test_cli import hexa


def _revisions(database: Path) -> set[str]:
    """Where each line of revisions stands (the core's, each area's)."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return {str(revision) for (revision,) in rows}


def _core(revisions: set[str]) -> str:
    """The core's revision: the newest numbered one (an area's line is shorter)."""
    return max(r for r in revisions if r.isdigit())


def test_an_older_revision_migrates_back_and_head_forward_again(tmp_path: Path) -> None:
    database = tmp_path / "hexa.db"
    settings = {"DATABASE_URL": f"sqlite:///{database}"}
    assert hexa("migrate", cwd=tmp_path, **settings).returncode == 0
    heads = _revisions(database)
    older = f"{int(_core(heads)) - 1:04d}"

    back = hexa("migrate", older, cwd=tmp_path, **settings)
    assert back.returncode == 0, back.stderr
    assert _core(_revisions(database)) == older
    assert _revisions(database) - {older} == heads - {_core(heads)}  # the others stay

    forward = hexa("migrate", cwd=tmp_path, **settings)
    assert forward.returncode == 0, forward.stderr
    assert _revisions(database) == heads


def test_an_unknown_revision_stops_with_one_line(tmp_path: Path) -> None:
    result = hexa("migrate", "nope", cwd=tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'h.db'}")

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "nope" in line
