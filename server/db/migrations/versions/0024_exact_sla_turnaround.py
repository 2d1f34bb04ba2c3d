"""recount SLA attainment to the microsecond

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# No schema change. `task_day_rollups.within_sla` was counted with a millisecond of slack (SQLite's julianday()
# could not resolve less), so a task completed up to a millisecond past its SLA counted as within it; the turnaround
# is now compared to the microsecond, and the rollups are refilled by the code at head
# (`server.services.schema.upgrade_database`).
REBUILDS_DERIVED_TABLES = True


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
