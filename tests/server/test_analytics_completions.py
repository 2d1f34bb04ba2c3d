"""The completion rollups (`task_day_rollups`): kept equal to a rebuild by the workflow and by SLA changes, and
SLA attainment and daily completions read through them equal to an exact count over any window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from server.db import Database
from server.db.enums import TaskStatus
from server.db.models import Project
from server.db.rollup_tables import TaskDayRollup
from server.services.analytics import Scope
from server.services.analytics.forecast import fetch_task_flow
from server.services.crud.projects import ProjectFields, update_project
from server.services.rollups import rebuild_rollups
from server.services.workflow import review_label, submit_label
from server.services.workflow.tasks import set_labels_required
from tests.server.test_analytics_world import World as AnalyticsWorld
from tests.server.test_workflow_world import at, build_world, run

pytestmark = pytest.mark.database


async def _rows(database: Database) -> list[tuple[Any, ...]]:
    async with database.session() as session:
        table = TaskDayRollup.__table__
        rows = (await session.execute(select(table).where(table.c.completed != 0).order_by("day"))).all()
        return [tuple(row) for row in rows]


async def _rebuilt(database: Database) -> list[tuple[Any, ...]]:
    async with database.transaction() as session:
        await rebuild_rollups(session)
    return await _rows(database)


async def test_completing_reopening_and_an_sla_change_keep_the_rows_equal_to_a_rebuild(database: Database) -> None:
    world = await build_world(database)

    async def label_and_accept(labeler: int, minutes: float) -> None:
        label = await run(
            database,
            lambda s: submit_label(
                s,
                task_id=world.task,
                labeler_id=labeler,
                answer={"cls": "car"},
                started_at=at(minutes - 1),
                submitted_at=at(minutes),
            ),
        )
        await run(
            database,
            lambda s: review_label(
                s,
                label_id=label.id,
                reviewer_id=world.carol,
                verdict="THUMBS_UP",
                seconds_to_review=3,
                reviewed_at=at(minutes + 1),
            ),
        )

    await label_and_accept(world.alice, 10)
    completed = await _rows(database)
    assert [row[2:] for row in completed] == [(1, 1)]  # within the default 48 h turnaround
    assert completed == await _rebuilt(database)

    # Needing a second label reopens the task: its completion is uncounted.
    await run(database, lambda s: set_labels_required(s, task_id=world.task, labels_required=2))
    assert await _rows(database) == [] == await _rebuilt(database)

    # Completed again three days later: counted on that day, outside a 48 h turnaround.
    await label_and_accept(world.bob, 3 * 24 * 60)
    again = await _rows(database)
    assert [(row[1], row[2], row[3]) for row in again] == [((at(0) + timedelta(days=3)).date().isoformat(), 1, 0)]
    assert again == await _rebuilt(database)

    # A longer turnaround rewrites the project's rows in the same transaction.
    await run(database, lambda s: update_project(s, world.project, ProjectFields(sla_turnaround_hours=100.0)))
    relaxed = await _rows(database)
    assert [row[2:] for row in relaxed] == [(1, 1)]
    assert relaxed == await _rebuilt(database)


def _exact(
    tasks: list[tuple[datetime, datetime | None]], limit_hours: float, start: datetime | None, end: datetime | None
) -> dict[str, tuple[int, int]]:
    """Completions and completions within the turnaround per UTC day in [start, end), counted task by task."""
    days: dict[str, tuple[int, int]] = {}
    for created, completed in tasks:
        if completed is None or (start is not None and completed < start) or (end is not None and completed >= end):
            continue
        within = (completed - created).total_seconds() <= limit_hours * 3600.0
        done, ok = days.get(completed.date().isoformat(), (0, 0))
        days[completed.date().isoformat()] = (done + 1, ok + int(within))
    return days


async def test_any_window_reads_the_exact_completions_through_the_rollups(database: Database) -> None:
    rng = np.random.default_rng(17)
    origin = datetime(2024, 3, 4, tzinfo=UTC)
    tasks: list[tuple[datetime, datetime | None]] = []
    async with database.transaction() as session:
        w = AnalyticsWorld(session)
        project = await w.project(sla_turnaround_hours=30.0)
        for _ in range(300):
            created = origin + timedelta(hours=float(rng.uniform(0, 20 * 24)))
            completed = None
            if rng.random() < 0.8:
                completed = created + timedelta(hours=float(rng.exponential(30.0)))
            # Whole-second times, so the exact turnaround test has no sub-millisecond boundary cases.
            created = created.replace(microsecond=0)
            completed = None if completed is None else completed.replace(microsecond=0)
            status = TaskStatus.TO_LABEL if completed is None else TaskStatus.DONE
            await w.task(project, created_at=created, completed_at=completed, status=status)
            tasks.append((created, completed))
        project_row: Project = project

    def hours(value: float) -> datetime:
        return origin + timedelta(hours=value)

    windows: list[tuple[datetime | None, datetime | None]] = [
        (None, None),
        (hours(24), hours(10 * 24)),  # whole days
        (hours(30.5), hours(200.25)),  # edges on both sides
        (hours(100.5), hours(110.0)),  # inside one day
        (hours(95.0), hours(121.0)),  # across one midnight, no whole day
        (None, hours(150.75)),
        (hours(50.2), None),
    ]
    windows += [
        (hours(low), hours(low + span))
        for low, span in zip(rng.uniform(0, 400, 8), rng.uniform(0.5, 200, 8), strict=True)
    ]
    for start, end in windows:
        as_of = end or hours(480.3)
        async with database.session() as session:
            flow = await fetch_task_flow(
                session, project_row, Scope(project_id=project_row.id, start=start, end=end), as_of=as_of
            )
        expected = _exact(tasks, 30.0, start, end)
        assert {item.day: (item.completed, item.within_sla) for item in flow.sla.by_day} == expected, (start, end)
        assert flow.sla.completed == sum(done for done, _ in expected.values())
        # The lookback is the 14 whole UTC days before the day of as_of.
        midnight = as_of.replace(hour=0, minute=0, second=0, microsecond=0)
        lookback = _exact(tasks, 30.0, midnight - timedelta(days=14), midnight)
        first = (midnight - timedelta(days=14)).date()
        assert list(flow.forecast.daily_completions) == [
            lookback.get((first + timedelta(days=offset)).isoformat(), (0, 0))[0] for offset in range(14)
        ]
        open_then = [c for c, done in tasks if c < as_of and (done is None or done >= as_of)]
        assert flow.forecast.remaining_tasks == len(open_then)
        assert flow.sla.open_breached == sum((as_of - c).total_seconds() > 30.0 * 3600 for c in open_then)
