"""review day rollups, covering task indexes for the task flow, consensus task index

Revision ID: 0006
Revises: 0005
Create Date: 2026-02-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
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
        "review_day_rollups",
        *_key(),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("thumbs_up", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        *_foreign_keys(),
        sa.PrimaryKeyConstraint("project_id", "labeler_id", "day"),
    )
    op.create_table(
        "review_time_bins",
        *_key(),
        sa.Column("bin", sa.Integer(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        *_foreign_keys(),
        sa.PrimaryKeyConstraint("project_id", "labeler_id", "day", "bin"),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        # The wider indexes start with the same columns as the ones they replace.
        batch_op.drop_index("ix_tasks_project_status")
        batch_op.drop_index("ix_tasks_project_completed")
        batch_op.create_index(
            "ix_tasks_project_status_created", ["project_id", "status", "created_at", "archived_at"], unique=False
        )
        batch_op.create_index(
            "ix_tasks_project_completed_created", ["project_id", "completed_at", "created_at"], unique=False
        )
        batch_op.create_index("ix_tasks_project_consensus", ["project_id", "labels_required"], unique=False)
    # Existing reviews: fill the rollups from them.
    from server.services.rollups import review_rebuild_statements

    bind = op.get_bind()
    for statement in review_rebuild_statements(reviewers=False):
        bind.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_project_consensus")
        batch_op.drop_index("ix_tasks_project_completed_created")
        batch_op.drop_index("ix_tasks_project_status_created")
        batch_op.create_index("ix_tasks_project_completed", ["project_id", "completed_at"], unique=False)
        batch_op.create_index("ix_tasks_project_status", ["project_id", "status"], unique=False)
    op.drop_table("review_time_bins")
    op.drop_table("review_day_rollups")
