"""blobs: packets and reports in the database, for deployments without a shared volume

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hexa.adapters.sql.tables import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_blobs"),
        sa.UniqueConstraint("name", name="uq_blobs_name"),
    )
    op.create_index("ix_blobs_created_at", "blobs", ["created_at"])
    op.create_table(
        "blob_chunks",
        sa.Column("blob_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_id"], ["blobs.id"], name="fk_blob_chunks_blob_id_blobs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("blob_id", "seq", name="pk_blob_chunks"),
    )


def downgrade() -> None:
    op.drop_table("blob_chunks")
    op.drop_index("ix_blobs_created_at", table_name="blobs")
    op.drop_table("blobs")
