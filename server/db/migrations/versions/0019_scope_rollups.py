"""consensus sums per span and member (labeler or vendor), for agreement of one labeler or vendor

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The new tables are derived data, filled from the raw tables by the code at head once the schema is there
# (`server.services.schema.upgrade_database`).
REBUILDS_DERIVED_TABLES = True


def _member_key() -> list[sa.Column[object]]:
    return [
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.String(length=10), nullable=False),
        sa.Column("last_day", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "consensus_span_members",
        *_member_key(),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("agreeing", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "first_day", "last_day", "labels", "kind", "member_id"),
    )
    op.create_index(
        "ix_consensus_span_members_member", "consensus_span_members", ["kind", "member_id", "first_day"], unique=False
    )
    op.create_table(
        "consensus_span_member_values",
        *_member_key(),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "first_day", "last_day", "kind", "member_id", "category"),
    )
    op.create_index(
        "ix_consensus_span_member_values_member",
        "consensus_span_member_values",
        ["kind", "member_id", "first_day"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_consensus_span_member_values_member", table_name="consensus_span_member_values")
    op.drop_table("consensus_span_member_values")
    op.drop_index("ix_consensus_span_members_member", table_name="consensus_span_members")
    op.drop_table("consensus_span_members")
