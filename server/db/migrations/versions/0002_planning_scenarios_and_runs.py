"""planning scenarios and runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db.types

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stored_scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "version", name="uq_stored_scenarios_name_version"),
    )
    with op.batch_alter_table("stored_scenarios", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stored_scenarios_name"), ["name"], unique=False)

    op.create_table(
        "simulation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("QUEUED", "RUNNING", "DONE", "FAILED", "CANCELLED", name="runstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("replications", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("executor", sa.String(length=200), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["stored_scenarios.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("simulation_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_simulation_runs_scenario_id"), ["scenario_id"], unique=False)
        batch_op.create_index("ix_simulation_runs_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("simulation_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_simulation_runs_status")
        batch_op.drop_index(batch_op.f("ix_simulation_runs_scenario_id"))

    op.drop_table("simulation_runs")
    with op.batch_alter_table("stored_scenarios", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_scenarios_name"))

    op.drop_table("stored_scenarios")
