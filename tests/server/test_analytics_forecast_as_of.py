"""The forecast as of any moment of the demo's history, against the state of the tasks rebuilt from the records.

A task's state at T is rebuilt from its labels and their reviews, not from its `completed_at` or status: a label
is accepted when its thumbs-up review is made, or when it is submitted if it was accepted without review; the task
is done at T once `labels_required` of its labels were accepted before T. The cuts fall every 12 hours, so half
of them are noon: a forecast as of noon must neither count the morning as a day nor fold it into another.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from server.db import Database
from server.db.enums import LabelStatus, ReviewVerdict
from server.db.models import Label, Project, Review, Task
from server.services.analytics import Scope
from server.services.analytics.forecast import fetch_task_flow
from server.services.demo.seed import seed_demo

ANCHOR = datetime(2024, 6, 3, tzinfo=UTC)
SCALE = 0.1
LOOKBACK_DAYS = 14


async def _done_at(database: Database, project_id: int) -> tuple[list[Task], dict[int, datetime | None]]:
    """The project's tasks, and when each became done according to its labels and reviews (None: not done)."""
    async with database.session() as session:
        tasks = list((await session.execute(select(Task).where(Task.project_id == project_id))).scalars())
        labels = (
            await session.execute(
                select(Label).join(Task, Task.id == Label.task_id).where(Task.project_id == project_id)
            )
        ).scalars()
        approvals = (
            await session.execute(
                select(Review.label_id, Review.created_at)
                .join(Label, Label.id == Review.label_id)
                .join(Task, Task.id == Label.task_id)
                .where(Task.project_id == project_id, Review.verdict == ReviewVerdict.THUMBS_UP)
            )
        ).all()
        approved = dict(approvals)
        accepted: dict[int, list[datetime]] = {}
        for label in labels:
            if label.status == LabelStatus.ACCEPTED:
                accepted.setdefault(label.task_id, []).append(approved.get(label.id, label.submitted_at))
    done: dict[int, datetime | None] = {}
    for task in tasks:
        times = sorted(accepted.get(task.id, []))
        done[task.id] = times[task.labels_required - 1] if len(times) >= task.labels_required else None
    return tasks, done


async def test_forecast_as_of_every_12_hours_matches_the_records(database: Database) -> None:
    await seed_demo(database, seed=7, anchor=ANCHOR, scale=SCALE)
    async with database.session() as session:
        projects = list((await session.execute(select(Project).order_by(Project.id))).scalars())
    cuts_checked = 0
    for project in projects:
        tasks, done = await _done_at(database, project.id)
        if not tasks:
            continue
        limit = timedelta(hours=project.sla_turnaround_hours)
        first = min(task.created_at for task in tasks).replace(hour=0, minute=0, second=0, microsecond=0)
        cut = first + timedelta(hours=12)
        while cut <= ANCHOR + timedelta(days=1):
            open_then = [
                task
                for task in tasks
                if task.created_at < cut
                and ((finished := done[task.id]) is None or finished >= cut)
                and (task.archived_at is None or task.archived_at >= cut)
            ]
            midnight = cut.replace(hour=0)
            per_day = Counter(
                finished.date()
                for finished in done.values()
                if finished is not None and midnight - timedelta(days=LOOKBACK_DAYS) <= finished < midnight
            )
            async with database.session() as session:
                flow = await fetch_task_flow(session, project, Scope(project_id=project.id), as_of=cut)
            forecast = flow.forecast
            assert forecast.remaining_tasks == len(open_then), (project.name, cut)
            assert flow.sla.open_breached == sum(cut - task.created_at > limit for task in open_then), cut
            days = [(midnight - timedelta(days=LOOKBACK_DAYS - i)).date() for i in range(LOOKBACK_DAYS)]
            assert list(forecast.daily_completions) == [per_day[day] for day in days], (project.name, cut)
            cuts_checked += 1
            cut += timedelta(hours=12)
    assert cuts_checked > 100


async def test_forecast_does_not_depend_on_the_offset_of_as_of(database: Database) -> None:
    await seed_demo(database, seed=7, anchor=ANCHOR, scale=SCALE)
    async with database.session() as session:
        project = (await session.execute(select(Project).order_by(Project.id).limit(1))).scalar_one()
        answers = []
        # 02:00 UTC is still the previous day at -07:00: a local-date bucketing would shift every day by one.
        instant = ANCHOR - timedelta(days=5) + timedelta(hours=2)
        for offset in (UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=9))):
            flow = await fetch_task_flow(
                session, project, Scope(project_id=project.id), as_of=instant.astimezone(offset)
            )
            answers.append(flow.forecast)
    assert {(f.remaining_tasks, f.daily_completions, f.mean_per_day, f.stdev_per_day) for f in answers} == {
        (answers[0].remaining_tasks, answers[0].daily_completions, answers[0].mean_per_day, answers[0].stdev_per_day)
    }
    assert {f.expected_date for f in answers} == {answers[0].expected_date}
    assert sum(answers[0].daily_completions) > 0
