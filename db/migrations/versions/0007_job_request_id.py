"""job request id: the outbox names the request that accepted each job, for its logs

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: jobs accepted before this revision, or outside a request, have none.
    with op.batch_alter_table("job_outbox") as table:
        table.add_column(sa.Column("request_id", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_outbox") as table:
        table.drop_column("request_id")
