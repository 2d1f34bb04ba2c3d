"""rate history in exact decimals, money columns as decimals, reviews summed by reviewer and day, reviews by time

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rate that applies before any later row of the history (server.db.rates.FROM_THE_START).
_FROM_THE_START = "0001-01-01"
_MONEY = sa.Numeric(14, 4)
# (table, column, nullable) of the money columns that were floats.
_MONEY_COLUMNS = (("labelers", "hourly_rate", False), ("vendors", "rate", False), ("projects", "budget", True))


def _review_day(dialect: str) -> str:
    """The UTC day of reviews.created_at as 'YYYY-MM-DD' (server.db.sql.day_bucket, spelled out here)."""
    if dialect == "postgresql":
        return "to_char((reviews.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
    return "substr(reviews.created_at, 1, 10)"


def upgrade() -> None:
    bind = op.get_bind()
    op.create_index("ix_reviews_created", "reviews", ["created_at"], unique=False)
    # SQLite keeps these columns FLOAT (see server.db.models.CURRENT_MONEY): it stores no exact decimals, and
    # retyping a column there copies the table, which the foreign keys pointing at it forbid.
    if bind.dialect.name == "postgresql":
        for table, column, nullable in _MONEY_COLUMNS:
            op.alter_column(
                table,
                column,
                existing_type=sa.Float(),
                type_=_MONEY,
                existing_nullable=nullable,
                postgresql_using=f"round({column}::numeric, 4)",
            )
    op.create_table(
        "labeler_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("labeler_id", sa.Integer(), nullable=False),
        sa.Column("effective_day", sa.String(length=10), nullable=False),
        sa.Column("hourly_rate", _MONEY, nullable=False),
        sa.ForeignKeyConstraint(["labeler_id"], ["labelers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("labeler_id", "effective_day", name="uq_labeler_rates_labeler_day"),
    )
    op.create_table(
        "vendor_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("effective_day", sa.String(length=10), nullable=False),
        sa.Column("rate", _MONEY, nullable=False),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vendor_id", "effective_day", name="uq_vendor_rates_vendor_day"),
    )
    op.create_table(
        "reviewer_day_rollups",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["labelers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "reviewer_id", "day"),
    )
    # The history starts with today's rates: everything done so far is costed at them, as it was before.
    bind.execute(
        sa.text(
            "INSERT INTO labeler_rates (labeler_id, effective_day, hourly_rate) "
            "SELECT id, :start, hourly_rate FROM labelers"
        ),
        {"start": _FROM_THE_START},
    )
    bind.execute(
        sa.text("INSERT INTO vendor_rates (vendor_id, effective_day, rate) SELECT id, :start, rate FROM vendors"),
        {"start": _FROM_THE_START},
    )
    day = _review_day(bind.dialect.name)
    bind.execute(
        sa.text(
            "INSERT INTO reviewer_day_rollups (project_id, reviewer_id, day, reviews, seconds) "
            f"SELECT tasks.project_id, reviews.reviewer_id, {day}, count(*), sum(reviews.seconds_to_review) "
            "FROM reviews JOIN labels ON labels.id = reviews.label_id JOIN tasks ON tasks.id = labels.task_id "
            f"GROUP BY tasks.project_id, reviews.reviewer_id, {day}"
        )
    )


def downgrade() -> None:
    op.drop_index("ix_reviews_created", table_name="reviews")
    op.drop_table("reviewer_day_rollups")
    op.drop_table("vendor_rates")
    op.drop_table("labeler_rates")
    if op.get_bind().dialect.name == "postgresql":
        for table, column, nullable in _MONEY_COLUMNS:
            op.alter_column(table, column, existing_type=_MONEY, type_=sa.Float(), existing_nullable=nullable)
