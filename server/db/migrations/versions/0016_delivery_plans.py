"""delivery plans: expected time per task, milestones and budget checkpoints per project

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db.types

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _project() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "delivery_plans",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("expected_seconds_per_task", sa.Float(), nullable=True),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("updated_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        _project(),
        sa.PrimaryKeyConstraint("project_id"),
    )
    op.create_table(
        "plan_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("due_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("target_tasks", sa.Integer(), nullable=True),
        sa.Column("target_share", sa.Float(), nullable=True),
        _project(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "name", name="uq_plan_milestones_project_name"),
    )
    with op.batch_alter_table("plan_milestones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_milestones_project_id"), ["project_id"], unique=False)
    op.create_table(
        "budget_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("planned_spend", sa.Float(), nullable=False),
        _project(),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("budget_checkpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_checkpoints_project_id"), ["project_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("budget_checkpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_checkpoints_project_id"))
    op.drop_table("budget_checkpoints")
    with op.batch_alter_table("plan_milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_milestones_project_id"))
    op.drop_table("plan_milestones")
    op.drop_table("delivery_plans")
