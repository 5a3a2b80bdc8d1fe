"""inspections and rules: the example domain's tables, a branch of their own

A project made from the template without the example domain has no such folder. Until
the migrations had branches, these tables came first in the one line of revisions: a
database made then has them already, and this revision records that they are there.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hexa.adapters.sql.tables import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = ("example",)
depends_on = None


def upgrade() -> None:
    if "inspections" in sa.inspect(op.get_bind()).get_table_names():
        return  # made before the branches, by the one line of revisions
    op.create_table(
        "inspections",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("inspector", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("readings", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inspections"),
    )
    op.create_index("ix_inspections_status", "inspections", ["status"])
    op.create_table(
        "rules",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rules"),
        sa.UniqueConstraint("name", name="uq_rules_name"),
    )
    op.create_index("ix_rules_enabled", "rules", ["enabled"])


def downgrade() -> None:
    op.drop_index("ix_rules_enabled", table_name="rules")
    op.drop_table("rules")
    op.drop_index("ix_inspections_status", table_name="inspections")
    op.drop_table("inspections")
