"""`hexa migrate <revision>` goes to that revision, back as well as forward: the rollback
step of OPSHANDOFF.md (Alembic's upgrade alone silently ignores an older revision)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.test_cli import hexa


def _revision(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        [(revision,)] = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return str(revision)


def test_an_older_revision_migrates_back_and_head_forward_again(tmp_path: Path) -> None:
    database = tmp_path / "hexa.db"
    settings = {"DATABASE_URL": f"sqlite:///{database}"}
    assert hexa("migrate", cwd=tmp_path, **settings).returncode == 0
    head = _revision(database)
    older = f"{int(head) - 1:04d}"

    back = hexa("migrate", older, cwd=tmp_path, **settings)
    assert back.returncode == 0, back.stderr
    assert _revision(database) == older

    forward = hexa("migrate", cwd=tmp_path, **settings)
    assert forward.returncode == 0, forward.stderr
    assert _revision(database) == head


def test_an_unknown_revision_stops_with_one_line(tmp_path: Path) -> None:
    result = hexa("migrate", "nope", cwd=tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'h.db'}")

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "nope" in line
