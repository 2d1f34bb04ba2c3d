"""drop ix_labels_task_id: the unique (task_id, labeler_id) and (task_id, external_id) indexes lead with task_id

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every label insert maintained it, one b-tree of seven, for lookups that the unique indexes answer as well: a label
# import spent 5 to 10% of its label inserts on it. Nothing derived changes.


def upgrade() -> None:
    op.drop_index("ix_labels_task_id", table_name="labels")


def downgrade() -> None:
    op.create_index("ix_labels_task_id", "labels", ["task_id"], unique=False)
