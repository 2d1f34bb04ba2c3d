"""index tasks for the unfiltered task list and its count

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        # `tasks(first: 20)` orders by (created_at, id): without it every page sorts the whole table.
        batch_op.create_index("ix_tasks_created_id", ["created_at", "id"], unique=False)
        # Counting live tasks as all tasks less the archived ones reads only the archived entries (partial, so
        # the planner never picks it to find live rows in place of the order above).
        archived = sa.text("archived_at IS NOT NULL")
        batch_op.create_index(
            "ix_tasks_archived", ["archived_at"], unique=False, sqlite_where=archived, postgresql_where=archived
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_archived")
        batch_op.drop_index("ix_tasks_created_id")
