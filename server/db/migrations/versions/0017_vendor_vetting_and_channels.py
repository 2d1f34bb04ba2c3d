"""vendor vetting answers (availability, languages, communication style, response time) and communication channels

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db.types

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = ("DOCUMENT", "CHAT", "MEETING", "EMAIL")
_CADENCES = ("AS_NEEDED", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY")


# Added and dropped in place: a batch copy of `vendors` would have to rebuild every table referring to it.
def _vetting() -> list[sa.Column[object]]:
    return [
        sa.Column("available_days_per_week", sa.Integer(), nullable=True),
        sa.Column("available_hours_per_day", sa.Float(), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=True),
        sa.Column("communication_style", sa.Text(), nullable=True),
        sa.Column("response_hours", sa.Float(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "communication_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.Enum(*_KINDS, name="channelkind", native_enum=False, length=32), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("cadence", sa.Enum(*_CADENCES, name="channelcadence", native_enum=False, length=32), nullable=False),
        sa.Column("preferred", sa.Boolean(), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_communication_channels_project_id", "communication_channels", ["project_id"])
    op.create_index("ix_communication_channels_vendor_id", "communication_channels", ["vendor_id"])
    for column in _vetting():
        op.add_column("vendors", column)


def downgrade() -> None:
    for column in reversed(_vetting()):
        op.drop_column("vendors", column.name)
    op.drop_index("ix_communication_channels_vendor_id", table_name="communication_channels")
    op.drop_index("ix_communication_channels_project_id", table_name="communication_channels")
    op.drop_table("communication_channels")
