"""How the analytics statements reach their rows: the conditions that must stay answerable from an index."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from server.db import Database
from server.services.analytics import Scope
from server.services.analytics.agreement import agreement_statement

_WINDOW = Scope(project_id=1, start=datetime(2024, 5, 6, tzinfo=UTC), end=datetime(2024, 6, 3, tzinfo=UTC))


def _agreement_sql(dialect: object) -> str:
    return str(agreement_statement(_WINDOW.shape, tasks_first=True).compile(dialect=dialect))


def test_crossing_tasks_are_a_bare_membership_test() -> None:
    # SQLite has no boolean type: a boolean expression compared to 1 would hide the column from its index.
    assert "labels.task_id IN (SELECT consensus_tasks.task_id" in _agreement_sql(sqlite.dialect())
    assert ") = 1" not in _agreement_sql(sqlite.dialect())
    assert "labels.task_id = ANY(ARRAY(SELECT consensus_tasks.task_id" in _agreement_sql(postgresql.dialect())


async def test_sqlite_finds_the_labels_of_crossing_tasks_through_the_task_index(database: Database) -> None:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite query plan")
    compiled = agreement_statement(_WINDOW.shape, tasks_first=True).compile(dialect=database.engine.dialect)
    values = compiled.construct_params(_WINDOW.parameters())
    parameters = tuple(
        values[name].replace(tzinfo=None).isoformat(" ") if isinstance(values[name], datetime) else values[name]
        for name in compiled.positiontup or ()
    )
    async with database.engine.connect() as connection:
        plan = [row[3] for row in await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", parameters)]
    # Any index that leads with task_id: the unique (task_id, labeler_id) one, SQLite's autoindex of the constraint.
    assert any(step.startswith("SEARCH labels USING INDEX") and "(task_id=?)" in step for step in plan), plan
    assert not any(step.startswith("SCAN labels") for step in plan), plan
