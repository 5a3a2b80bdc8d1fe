"""repair text no answer can carry: NUL and lone surrogates stored before they were refused

Until this revision a reading value, a rule parameter or a JSON-lines packet cell could
hold a lone surrogate (JSON's `\\ud800`), and SQLite text could hold NUL; one such value
made every answer holding it fail (a list of inspections answered 500 to everyone). Input
is now refused at the door (hexa.domain.text); this repairs what is already stored by
replacing each such character with U+FFFD, the replacement character, so that every
stored value reads again. One way: the downgrade keeps the repair.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REPLACEMENT = "\ufffd"
# Text and JSON columns a client's input reaches; the example domain's, where it has them.
COLUMNS = {
    "inspections": ("subject", "inspector", "notes", "readings"),
    "rules": ("name", "key", "description", "params"),
    "api_keys": ("name",),
    "users": ("email",),
    "audit_entries": ("actor", "target", "detail"),
    "job_outbox": ("payload", "result", "error"),
}


def repaired(value: Any) -> Any:
    """`value` with every NUL and lone surrogate replaced, keys included."""
    if isinstance(value, str):
        if "\x00" not in value and value.isascii():
            return value
        return "".join(
            REPLACEMENT if c == "\x00" or "\ud800" <= c <= "\udfff" else c for c in value
        )
    if isinstance(value, list):
        return [repaired(item) for item in value]
    if isinstance(value, dict):
        return {repaired(key): repaired(item) for key, item in value.items()}
    return value


def upgrade() -> None:
    bind = op.get_bind()
    metadata = sa.MetaData()
    present = set(sa.inspect(bind).get_table_names())
    for name, columns in COLUMNS.items():
        if name not in present:
            continue
        table = sa.Table(name, metadata, autoload_with=bind)
        key = list(table.primary_key.columns)
        suspects = [s for c in columns if (s := _suspect(bind, table.c[c])) is not None]
        if not suspects:
            continue
        found = bind.execute(
            sa.select(*key, *(table.c[c] for c in columns)).where(sa.or_(*suspects))
        ).all()
        for row in found:
            values = dict(zip(columns, row[len(key) :], strict=True))
            changed = {c: repaired(v) for c, v in values.items() if repaired(v) != v}
            if changed:
                where = sa.and_(*(k == row[i] for i, k in enumerate(key)))
                bind.execute(table.update().where(where).values(**changed))


def _suspect(bind: sa.Connection, column: sa.Column[Any]) -> sa.ColumnElement[bool] | None:
    """Rows that may hold a bad character: JSON text with an escape (a lone surrogate can
    only be stored escaped), or, on SQLite, text with a NUL (PostgreSQL never kept one)."""
    if isinstance(column.type, sa.JSON):
        return sa.cast(column, sa.Text).contains("\\u", autoescape=True)
    if bind.dialect.name == "sqlite":
        return sa.func.instr(column, sa.func.char(0)) > 0
    return None


def downgrade() -> None:
    pass
