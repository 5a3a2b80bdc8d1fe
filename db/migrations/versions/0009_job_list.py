"""job list: each job's attempts, who started it, the failed job it retries; an index for the newest jobs by outcome

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: jobs accepted before this revision know none of it.
    with op.batch_alter_table("job_outbox") as table:
        table.add_column(sa.Column("attempts", sa.Integer, nullable=True))
        table.add_column(sa.Column("started_by", sa.String(200), nullable=True))
        table.add_column(sa.Column("retry_of", sa.String(36), nullable=True))
        table.create_unique_constraint("uq_job_outbox_retry_of", ["retry_of"])
        table.create_index("ix_job_outbox_outcome_id", ["outcome", "id"])


def downgrade() -> None:
    with op.batch_alter_table("job_outbox") as table:
        table.drop_index("ix_job_outbox_outcome_id")
        table.drop_constraint("uq_job_outbox_retry_of", type_="unique")
        table.drop_column("retry_of")
        table.drop_column("started_by")
        table.drop_column("attempts")
