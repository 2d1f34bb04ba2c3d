"""time histograms of labels and reviews per (project, day, bin) and per (vendor, day, project, bin), without the
labeler

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The new tables are derived data, filled from the raw tables by the code at head once the schema is there
# (`server.services.schema.upgrade_database`).
REBUILDS_DERIVED_TABLES = True

# (table, count column)
_TABLES = (("project_time_bins", "labels"), ("project_review_time_bins", "reviews"))
_VENDOR_TABLES = (("vendor_time_bins", "labels"), ("vendor_review_time_bins", "reviews"))


def upgrade() -> None:
    for table, count in _TABLES:
        op.create_table(
            table,
            sa.Column("project_id", sa.Integer(), nullable=False),
            sa.Column("day", sa.String(length=10), nullable=False),
            sa.Column("bin", sa.Integer(), nullable=False),
            sa.Column(count, sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("project_id", "day", "bin"),
        )

    for table, count in _VENDOR_TABLES:
        op.create_table(
            table,
            sa.Column("vendor_id", sa.Integer(), nullable=False),
            sa.Column("day", sa.String(length=10), nullable=False),
            sa.Column("project_id", sa.Integer(), nullable=False),
            sa.Column("bin", sa.Integer(), nullable=False),
            sa.Column(count, sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
            sa.ForeignKeyConstraint(["vendor_id"], ["vendors.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("vendor_id", "day", "project_id", "bin"),
        )


def downgrade() -> None:
    for table, _ in reversed(_VENDOR_TABLES):
        op.drop_table(table)
    for table, _ in reversed(_TABLES):
        op.drop_table(table)
