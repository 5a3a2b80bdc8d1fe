"""blob names: up to 512 characters, for names with folders (`inspections/{id}/attachments/{aid}`)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blobs") as table:
        table.alter_column(
            "name", type_=sa.String(512), existing_type=sa.String(200), existing_nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table("blobs") as table:
        table.alter_column(
            "name", type_=sa.String(200), existing_type=sa.String(512), existing_nullable=True
        )
