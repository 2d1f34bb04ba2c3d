"""completed tasks and SLA attainment per project and day

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rollup tables are derived data: they are refilled from the raw tables by the code at head once the schema
# is there (`server.services.schema.upgrade_database`), so this migration stays valid whatever the models become.
REBUILDS_DERIVED_TABLES = True


def upgrade() -> None:
    op.create_table(
        "task_day_rollups",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("within_sla", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "day"),
    )


def downgrade() -> None:
    op.drop_table("task_day_rollups")
