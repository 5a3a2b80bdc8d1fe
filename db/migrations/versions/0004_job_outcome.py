"""job outcome: the outbox keeps how each job ended, so its end outlives its progress

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hexa.adapters.sql.tables import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = ("outcome", "processed", "started_at", "finished_at", "result", "error")


def upgrade() -> None:
    # Batch mode: SQLite can add columns in place but drops them only by copying the table.
    with op.batch_alter_table("job_outbox") as table:
        table.add_column(sa.Column("outcome", sa.String(10), nullable=True))
        table.add_column(sa.Column("processed", sa.Integer(), nullable=True))
        table.add_column(sa.Column("started_at", UtcDateTime(), nullable=True))
        table.add_column(sa.Column("finished_at", UtcDateTime(), nullable=True))
        table.add_column(sa.Column("result", sa.JSON(), nullable=True))
        table.add_column(sa.Column("error", sa.Text(), nullable=True))
        table.create_index("ix_job_outbox_unfinished", ["outcome", "dispatched_at"])
        table.create_index("ix_job_outbox_finished_at", ["finished_at"])


def downgrade() -> None:
    with op.batch_alter_table("job_outbox") as table:
        table.drop_index("ix_job_outbox_finished_at")
        table.drop_index("ix_job_outbox_unfinished")
        for column in COLUMNS:
            table.drop_column(column)
