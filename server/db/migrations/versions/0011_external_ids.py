"""external ids on labelers, labels and reviews, and the source's own answer on labels

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Imports key records by the source's own ids; NULL (records made in LabelOps) never collides.
_KEYS = (
    ("labelers", "uq_labelers_vendor_external_id", ["vendor_id", "external_id"]),
    ("labels", "uq_labels_task_external_id", ["task_id", "external_id"]),
    ("reviews", "uq_reviews_label_external_id", ["label_id", "external_id"]),
)


def upgrade() -> None:
    for table, index, columns in _KEYS:
        op.add_column(table, sa.Column("external_id", sa.String(length=200), nullable=True))
        op.create_index(index, table, columns, unique=True)
    op.add_column("labels", sa.Column("source_result", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("labels") as batch:
        batch.drop_column("source_result")
    for table, index, _columns in _KEYS:
        op.drop_index(index, table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("external_id")
