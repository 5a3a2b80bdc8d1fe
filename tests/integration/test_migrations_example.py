"""The example domain's text repaired by revision 0006: left out with the example."""

from __future__ import annotations

import json

from hexa.adapters.sql import migrations
from tests.integration.test_migrations import _execute, empty_database  # noqa: F401 - fixture


def test_text_stored_before_it_was_refused_is_repaired_so_it_reads_again(
    empty_database: str,
) -> None:
    """A lone surrogate kept (escaped) in a reading, NUL in SQLite text: 0006 replaces
    each with U+FFFD, and leaves good text — an emoji's surrogate pair included — as is."""
    url = empty_database
    migrations.upgrade(url, "0005")
    migrations.upgrade(url, "example@head")  # the inspections table, before 0006
    sqlite = url.startswith("sqlite")
    readings = '[{"key": "k", "value": "x\\ud800y"}, {"key": "e", "value": "\\ud83d\\ude00"}]'
    row = (
        "INSERT INTO inspections (id, subject, inspector, status, readings, notes, version, "
        "created_at, updated_at) VALUES ('i1', :subject, NULL, 'draft', "
        + ("CAST(:readings AS json)" if not sqlite else ":readings")
        + ", :notes, 1, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')"
    )
    notes = "a\x00b" if sqlite else "ab"
    _execute(url, (row, {"subject": "pump", "readings": readings, "notes": notes}))

    migrations.upgrade(url)

    [(stored, kept_notes)] = _execute(
        url, ("SELECT CAST(readings AS TEXT), notes FROM inspections", {})
    )
    values = [r["value"] for r in json.loads(stored)]
    assert values == ["x\ufffdy", "\U0001f600"]
    assert kept_notes == ("a\ufffdb" if sqlite else "ab")
