"""connectors: live webhooks of a labeling tool bound to a project

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db.types

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _moment(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, server.db.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "connectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("LABELSTUDIO", "LABELBOX", name="connectorsource", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=True),
        sa.Column("source_project", sa.String(length=200), nullable=True),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _moment("created_at", False),
        _moment("updated_at", False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        _moment("last_delivery_at", True),
        sa.Column("last_event", sa.String(length=100), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendors.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_index("ix_connectors_project_id", "connectors", ["project_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_connectors_project_id", table_name="connectors")
    op.drop_table("connectors")
