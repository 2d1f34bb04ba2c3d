"""index label_time_bins by (project_id, day), for the recount of an import's days

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The recount of some days of a project (after each import batch) deletes the days' histogram rows and sums them
# per project and per vendor: keyed (project, labeler, day, bin), each of the three read every row of the project.
# An import's later batches, or any batch into a project with history, paid for the project's whole history.


def upgrade() -> None:
    op.create_index("ix_label_time_bins_project_day", "label_time_bins", ["project_id", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_label_time_bins_project_day", table_name="label_time_bins")
