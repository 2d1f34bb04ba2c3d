"""How the analytics statements reach their rows: the conditions that must stay answerable from an index."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from server.db import Database
from server.services.analytics import Scope
from server.services.analytics._labels import edge_percentiles_statement, histogram_statement
from server.services.analytics.agreement import agreement_statement
from server.services.analytics.quality import fetch_reviews
from tests.server.engine_events import statements_run

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


def _driver_values(compiled: Any, scope: Scope, dialect: str) -> Any:
    values = compiled.construct_params(scope.parameters())
    if dialect != "sqlite":
        return tuple(values[name] for name in compiled.positiontup or ())
    return tuple(
        values[name].replace(tzinfo=None).isoformat(" ") if isinstance(values[name], datetime) else values[name]
        for name in compiled.positiontup or ()
    )


@pytest.mark.parametrize("whole_days", [True, False], ids=["whole days", "cut inside days"])
async def test_a_projects_window_reads_its_labelers_bins_by_project_and_day(
    database: Database, whole_days: bool
) -> None:
    # Given a project's window, whole days or cut inside days
    end = datetime(2024, 6, 3, tzinfo=UTC) if whole_days else datetime(2024, 6, 2, 21, tzinfo=UTC)
    scope = Scope(project_id=1, start=datetime(2024, 5, 27, tzinfo=UTC), end=end)
    statement = histogram_statement(scope.shape) if whole_days else edge_percentiles_statement(scope.shape)
    dialect = database.engine.dialect
    compiled = statement.compile(dialect=dialect)
    # When its time percentiles are planned (PostgreSQL told to avoid scanning the tables, which are nearly empty)
    async with database.engine.connect() as connection:
        if dialect.name == "sqlite":
            explain = f"EXPLAIN QUERY PLAN {compiled}"
        else:
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            explain = f"EXPLAIN {compiled}"
        rows = await connection.exec_driver_sql(explain, _driver_values(compiled, scope, dialect.name))
        plan = "\n".join(str(row[-1]) for row in rows)
    # Then the labelers' bins are found by (project, day), not by walking the project's whole history
    assert "ix_label_time_bins_project_day" in plan, plan


@pytest.mark.parametrize("who", ["project", "vendor", "labeler"])
async def test_a_window_cut_inside_days_reads_its_edges_reviews_once(database: Database, who: str) -> None:
    # Given a window cut inside days
    scope = Scope(
        **{f"{who}_id": 1}, start=datetime(2024, 5, 27, 5, 30, tzinfo=UTC), end=datetime(2024, 6, 2, 21, tzinfo=UTC)
    )
    # When its reviews are read
    with statements_run(database) as statements:
        async with database.session() as session:
            await fetch_reviews(session, scope)
    # Then one statement reads the reviews table once, for the edges' sums and times alike
    assert len(statements) == 1
    assert len(re.findall(r"\bFROM reviews\b", statements[0])) == 1, statements[0]
