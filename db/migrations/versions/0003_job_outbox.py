"""job outbox: jobs accepted in the same transaction as the change that caused them

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hexa.adapters.sql.tables import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_outbox",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("dispatched_at", UtcDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_job_outbox"),
    )
    op.create_index("ix_job_outbox_dispatched_at", "job_outbox", ["dispatched_at"])


def downgrade() -> None:
    op.drop_index("ix_job_outbox_dispatched_at", table_name="job_outbox")
    op.drop_table("job_outbox")
