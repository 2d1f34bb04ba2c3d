"""The forecast as of instants on the records' own times, against the task rows.

Over the demo history, `asOf` falls on tasks' creation, completion and archiving times and a microsecond either
side, every 12 hours, before the first task and long after the last; the open tasks, the open ones past their
turnaround and the lookback's daily completions are recomputed from the rows (created, completed, archived) and
compared with `fetch_task_flow`. A sample of the instants goes through GraphQL written in three offsets (and with
nanoseconds, which round up to the next microsecond): the answers must be identical, `asOf` echoed in UTC.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
from sqlalchemy import select

from server.db import Database
from server.db.models import Project, Task
from server.graphql.ids import encode_id
from server.services.analytics import Scope
from server.services.analytics.forecast import fetch_task_flow
from server.services.demo.seed import seed_demo
from tests.server.conftest import http_client

ANCHOR = datetime(2024, 6, 3, tzinfo=UTC)
SCALE = 0.1
LOOKBACK_DAYS = 14
US = timedelta(microseconds=1)
NEPAL = timezone(timedelta(hours=5, minutes=45))
PACIFIC = timezone(timedelta(hours=-7))
FORECAST = """
query($projectId: ID!, $asOf: DateTime) {
  projectDashboard(projectId: $projectId, asOf: $asOf) {
    __typename
    ... on ProjectDashboard {
      forecast { asOf remainingTasks dailyCompletions meanPerDay expectedDate earliestDate latestDate onTrack }
      sla { openBreached }
    }
  }
}
"""


def _expected(tasks: list[Task], limit: timedelta, as_of: datetime) -> tuple[int, int, list[int]]:
    """Open and breached tasks at `as_of`, and completions per UTC day of the lookback, from the rows."""
    open_then = [
        task
        for task in tasks
        if task.created_at < as_of
        and (task.completed_at is None or task.completed_at >= as_of)
        and (task.archived_at is None or task.archived_at >= as_of)
    ]
    midnight = datetime.combine(as_of.astimezone(UTC).date(), datetime.min.time(), UTC)
    per_day = Counter(
        task.completed_at.date()
        for task in tasks
        if task.completed_at is not None and midnight - timedelta(days=LOOKBACK_DAYS) <= task.completed_at < midnight
    )
    days = [(midnight - timedelta(days=LOOKBACK_DAYS - i)).date() for i in range(LOOKBACK_DAYS)]
    return len(open_then), sum(as_of - task.created_at > limit for task in open_then), [per_day[d] for d in days]


def _instants(tasks: list[Task], limit: timedelta, rng: np.random.Generator) -> list[datetime]:
    moments = [task.created_at for task in tasks]
    moments += [task.completed_at for task in tasks if task.completed_at is not None]
    moments += [task.archived_at for task in tasks if task.archived_at is not None]
    # Where a task turns breached: its creation plus the turnaround.
    moments += [task.created_at + limit for task in tasks if task.completed_at is None]
    picked = sorted(set(rng.choice(np.array(moments, dtype=object), size=min(60, len(moments)), replace=False)))
    instants = [moment + shift for moment in picked for shift in (-US, timedelta(0), US)]
    first, last = min(moments), max(moments)
    cut = first.replace(hour=0, minute=0, second=0, microsecond=0)
    while cut <= last + timedelta(days=1):
        instants.append(cut)
        cut += timedelta(hours=12)
    return [*instants, first - timedelta(days=3), first - US, last + US, last + timedelta(days=40)]


async def test_forecast_on_the_records_own_times_matches_the_rows(database: Database) -> None:
    await seed_demo(database, seed=7, anchor=ANCHOR, scale=SCALE)
    rng = np.random.default_rng(20261205)
    async with database.session() as session:
        projects = list((await session.execute(select(Project).order_by(Project.id))).scalars())
        checked = 0
        for project in projects:
            tasks = list((await session.execute(select(Task).where(Task.project_id == project.id))).scalars())
            if not tasks:
                continue
            limit = timedelta(hours=project.sla_turnaround_hours)
            for as_of in _instants(tasks, limit, rng):
                flow = await fetch_task_flow(session, project, Scope(project_id=project.id), as_of=as_of)
                got = (flow.forecast.remaining_tasks, flow.sla.open_breached, list(flow.forecast.daily_completions))
                assert got == _expected(tasks, limit, as_of), (project.name, as_of)
                checked += 1
    assert checked > 500


def _spellings(instant: datetime) -> list[str]:
    spelled = [instant.astimezone(zone).isoformat() for zone in (UTC, NEPAL, PACIFIC)]
    # Nanoseconds a microsecond short of `instant` round up to it.
    before = (instant - US).astimezone(NEPAL).isoformat(timespec="microseconds")
    return [*spelled, before.replace("+05:45", "001+05:45")]


async def test_as_of_in_any_offset_gives_the_same_answer_over_graphql(database: Database, api_headers: Any) -> None:
    await seed_demo(database, seed=7, anchor=ANCHOR, scale=SCALE)
    async with database.session() as session:
        project = (await session.execute(select(Project).order_by(Project.id).limit(1))).scalar_one()
        tasks = list((await session.execute(select(Task).where(Task.project_id == project.id))).scalars())
    limit = timedelta(hours=project.sla_turnaround_hours)
    done = sorted(task.completed_at for task in tasks if task.completed_at is not None)
    instants = [
        done[len(done) // 2],  # a completion's own time: still open then
        done[len(done) // 2] + US,
        min(task.created_at for task in tasks) - timedelta(days=1),
        ANCHOR + timedelta(days=30, hours=2),
        # 02:00 UTC is the previous day at -07:00 and the same day at +05:45.
        ANCHOR - timedelta(days=6) + timedelta(hours=2, microseconds=1),
    ]
    async with http_client(database, api_headers) as client:
        for instant in instants:
            answers = []
            for spelling in _spellings(instant):
                variables = {"projectId": encode_id("Project", project.id), "asOf": spelling}
                response = await client.post("/graphql", json={"query": FORECAST, "variables": variables})
                body = response.json()
                assert "errors" not in body, body
                answers.append(body["data"]["projectDashboard"])
            assert all(answer == answers[0] for answer in answers), instant
            forecast = answers[0]["forecast"]
            assert datetime.fromisoformat(forecast["asOf"]) == instant
            assert forecast["asOf"].endswith("+00:00")
            remaining, breached, daily = _expected(tasks, limit, instant)
            assert (forecast["remainingTasks"], answers[0]["sla"]["openBreached"]) == (remaining, breached)
            assert forecast["dailyCompletions"] == daily
