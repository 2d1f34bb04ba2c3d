"""label rollups count the first-pass labels a reviewer accepted

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rollup tables are derived data: they are refilled from the raw tables by the code at head once the schema
# is there (`server.services.schema.upgrade_database`), so this migration stays valid whatever the models become.
REBUILDS_DERIVED_TABLES = True


def upgrade() -> None:
    op.add_column(
        "label_day_rollups", sa.Column("reviewed_first_pass", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    with op.batch_alter_table("label_day_rollups") as batch:
        batch.drop_column("reviewed_first_pass")
