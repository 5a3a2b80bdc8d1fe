"""job traceparent: the outbox keeps the trace context of each job's acceptance

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: jobs accepted before this revision, or while tracing was off, have none.
    with op.batch_alter_table("job_outbox") as table:
        table.add_column(sa.Column("traceparent", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_outbox") as table:
        table.drop_column("traceparent")
