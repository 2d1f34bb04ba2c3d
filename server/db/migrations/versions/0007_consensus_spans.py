"""consensus agreement sums per task span

Revision ID: 0007
Revises: 0006
Create Date: 2026-02-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rollup tables are derived data: they are refilled from the raw tables by the code at head once the schema
# is there (`server.services.schema.upgrade_database`), so this migration stays valid whatever the models become.
REBUILDS_DERIVED_TABLES = True


def _span() -> list[sa.Column[object]]:
    return [
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.String(length=10), nullable=False),
        sa.Column("last_day", sa.String(length=10), nullable=False),
    ]


def _project_key() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "consensus_tasks",
        sa.Column("task_id", sa.Integer(), nullable=False),
        *_span(),
        _project_key(),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("task_id"),
    )
    with op.batch_alter_table("consensus_tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consensus_tasks_project_last_first", ["project_id", "last_day", "first_day"], unique=False
        )
    op.create_table(
        "consensus_spans",
        *_span(),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("agreeing", sa.Integer(), nullable=False),
        _project_key(),
        sa.PrimaryKeyConstraint("project_id", "first_day", "last_day", "labels"),
    )
    op.create_table(
        "consensus_span_values",
        *_span(),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
        _project_key(),
        sa.PrimaryKeyConstraint("project_id", "first_day", "last_day", "category"),
    )
    op.create_table(
        "consensus_span_labelers",
        *_span(),
        sa.Column("labeler_id", sa.Integer(), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.Column("agreeing", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["labeler_id"], ["labelers.id"], ondelete="CASCADE"),
        _project_key(),
        sa.PrimaryKeyConstraint("project_id", "first_day", "last_day", "labeler_id"),
    )


def downgrade() -> None:
    op.drop_table("consensus_span_labelers")
    op.drop_table("consensus_span_values")
    op.drop_table("consensus_spans")
    with op.batch_alter_table("consensus_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_consensus_tasks_project_last_first")
    op.drop_table("consensus_tasks")
