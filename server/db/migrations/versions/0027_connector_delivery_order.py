"""webhook delivery order: reviews delivered before their labels, and the newest version of each label applied

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db.types

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connector_pending_reviews",
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("review_id", sa.String(length=200), nullable=False),
        sa.Column("review", sa.JSON(), nullable=False),
        sa.Column("creation", sa.Boolean(), nullable=False),
        sa.Column("received_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connector_id"], ["connectors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connector_id", "label", "review_id"),
    )
    op.create_table(
        "connector_label_versions",
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("updated_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connector_id"], ["connectors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connector_id", "label"),
    )


def downgrade() -> None:
    op.drop_table("connector_label_versions")
    op.drop_table("connector_pending_reviews")
