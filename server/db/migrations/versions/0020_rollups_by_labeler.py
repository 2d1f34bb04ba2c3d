"""index the per-labeler rollups labeler first, for scopes of a labeler or a vendor

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, person column): the rollups keyed (project, person, day) read by a scope that names no project.
_INDEXES = (
    ("ix_label_day_rollups_labeler_day", "label_day_rollups", "labeler_id"),
    ("ix_label_time_bins_labeler_day", "label_time_bins", "labeler_id"),
    ("ix_review_day_rollups_labeler_day", "review_day_rollups", "labeler_id"),
    ("ix_review_time_bins_labeler_day", "review_time_bins", "labeler_id"),
    ("ix_reviewer_day_rollups_reviewer_day", "reviewer_day_rollups", "reviewer_id"),
)


def upgrade() -> None:
    for name, table, person in _INDEXES:
        op.create_index(name, table, [person, "day"], unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
