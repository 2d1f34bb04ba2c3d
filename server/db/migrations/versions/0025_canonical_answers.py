"""store answers and gold answers in their canonical form

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from server.db.types import canonical_answer_text

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# No schema change. Agreement and benchmark accuracy compare answers by their stored JSON text, which kept whatever
# key order and number spelling the writer used, so equal answers could count as a disagreement. The answers now
# written are canonical (`server.db.types.canonical_answer`); the stored ones are rewritten here, and the consensus
# and benchmark rollups, which count by that text, are refilled by the code at head.
REBUILDS_DERIVED_TABLES = True

# Rows read and rewritten per statement: a few megabytes of answers in memory at a time, however large the table.
_BATCH = 5000

_COLUMNS = (("labels", "answer"), ("tasks", "gold_answer"))


def upgrade() -> None:
    bind = op.get_bind()
    # PostgreSQL's `json` keeps the text it is given; SQLite keeps a string bound as it is.
    value = "CAST(:text AS json)" if bind.dialect.name == "postgresql" else ":text"
    for table, column in _COLUMNS:
        select = sa.text(
            f"SELECT id, CAST({column} AS TEXT) FROM {table}"
            f" WHERE id > :after AND {column} IS NOT NULL ORDER BY id LIMIT {_BATCH}"
        )
        update = sa.text(f"UPDATE {table} SET {column} = {value} WHERE id = :id")
        after = 0
        while rows := bind.execute(select, {"after": after}).all():
            after = rows[-1][0]
            changed = [
                {"id": row_id, "text": canonical}
                for row_id, stored in rows
                if (canonical := canonical_answer_text(json.loads(stored))) != stored
            ]
            if changed:
                bind.execute(update, changed)


def downgrade() -> None:
    # The canonical text is a valid stored answer for the code before this revision: nothing to undo.
    pass
