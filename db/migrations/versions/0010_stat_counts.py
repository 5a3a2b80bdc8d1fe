"""stat counts: what happened, by series, period and key (the numbers behind the charts)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hexa.adapters.sql.tables import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stat_counts",
        sa.Column("series", sa.String(50), nullable=False),
        sa.Column("period", UtcDateTime(), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("series", "period", "key", name="pk_stat_counts"),
    )


def downgrade() -> None:
    op.drop_table("stat_counts")
