"""label day rollups and time-per-label histogram

Revision ID: 0005
Revises: 0004
Create Date: 2026-01-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> list[sa.Column[object]]:
    return [
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("labeler_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
    ]


def _foreign_keys() -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(["labeler_id"], ["labelers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
    ]


def upgrade() -> None:
    op.create_table(
        "label_day_rollups",
        *_key(),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("rework_seconds", sa.Float(), nullable=False),
        sa.Column("reworked", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("first_pass", sa.Integer(), nullable=False),
        sa.Column("decided", sa.Integer(), nullable=False),
        sa.Column("benchmarks", sa.Integer(), nullable=False),
        sa.Column("benchmarks_correct", sa.Integer(), nullable=False),
        *_foreign_keys(),
        sa.PrimaryKeyConstraint("project_id", "labeler_id", "day"),
    )
    op.create_table(
        "label_time_bins",
        *_key(),
        sa.Column("bin", sa.Integer(), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
        *_foreign_keys(),
        sa.PrimaryKeyConstraint("project_id", "labeler_id", "day", "bin"),
    )
    # Existing labels are counted by 0010, which rebuilds the label rollups with every column they have since
    # gained: the rebuild statements follow the current tables, which this revision does not have yet.


def downgrade() -> None:
    op.drop_table("label_time_bins")
    op.drop_table("label_day_rollups")
