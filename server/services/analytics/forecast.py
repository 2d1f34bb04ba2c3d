"""Forecast of a project's completion date from recent throughput, and observed SLA attainment.

Everything is answered as of `as_of`, from timestamps rather than today's status: the remaining tasks are those
open at `as_of` (created before it, and neither completed nor archived before it), and so are the open tasks past
their turnaround. Throughput is the number of tasks completed per UTC day over the `lookback_days` whole UTC days
before the UTC day of `as_of` (days without completions count as zero): the buckets are the same whatever offset
`as_of` is written with, and the part of its own day already gone is left out rather than counted as a short day.

Treating days as independent draws with mean mu and standard deviation s (sample, n-1), the completions after D
days are approximately Normal(D·mu, D·s²). The central estimate is D = R/mu for R remaining tasks; the interval
takes the days at which the cumulative completions reach R at the upper and lower `confidence` bound:
mu·D ± z·s·sqrt(D) = R, a quadratic in sqrt(D): sqrt(D) = (∓z·s + sqrt(z²s² + 4·mu·R)) / (2·mu). There is no
forecast while mu = 0.

SLA attainment is the share of tasks completed in the window whose turnaround (completed_at - created_at) is
within the project's `sla_turnaround_hours`, against its `sla_target_share`; open tasks already past the
turnaround at `as_of` are reported as breached.

Completions are read per UTC day from `task_day_rollups` (see `server.services.completion_rollups`): the lookback
is whole days, read from there; the SLA window is cut into whole days, read from there, and at most two edges
shorter than a day, read from the tasks, so every window is exact and the tasks scanned are at most two days' worth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from statistics import NormalDist
from typing import Any

from sqlalchemy import Integer, String, case, cast, func, literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import TaskStatus
from server.db.models import Project, Task
from server.db.rollup_tables import TaskDayRollup
from server.db.sql import day_bucket, unindexed, within_seconds
from server.services.analytics._sql import share
from server.services.analytics.scope import Scope, day_of, moment, moment_values, number
from server.services.completion_rollups import within_sla

__all__ = ["CompletionForecast", "SlaAttainment", "TaskFlow", "completion_forecast", "fetch_task_flow"]


@dataclass(frozen=True, slots=True)
class SlaDay:
    day: str
    completed: int
    within_sla: int
    attainment: float | None


@dataclass(frozen=True, slots=True)
class SlaAttainment:
    turnaround_hours: float
    target_share: float
    completed: int
    within_sla: int
    attainment: float | None
    met: bool | None
    open_breached: int
    by_day: tuple[SlaDay, ...]


@dataclass(frozen=True, slots=True)
class CompletionForecast:
    as_of: datetime
    remaining_tasks: int
    lookback_days: int
    daily_completions: tuple[int, ...]  # oldest first
    mean_per_day: float
    stdev_per_day: float
    confidence: float
    expected_days: float | None
    earliest_days: float | None
    latest_days: float | None
    expected_date: datetime | None
    earliest_date: datetime | None
    latest_date: datetime | None
    deadline: datetime | None
    on_track: bool | None  # the latest date is before the deadline


@dataclass(frozen=True, slots=True)
class TaskFlow:
    forecast: CompletionForecast
    sla: SlaAttainment


def _midnight(moment_: datetime) -> datetime:
    utc = moment_.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC)


def _whole_days(name: str, start: datetime | None, end: datetime | None) -> dict[str, Any]:
    """Bind parameters that cut [start, end) into a head, whole UTC days and a tail: [start, head_end),
    [head_end, tail_start) and [tail_start, end), the head and tail each shorter than a day (an open bound has no
    edge there). The whole days are read from the completion rollups, the edges from the tasks."""
    values: dict[str, Any] = {}
    head_end = None
    if start is not None:
        head_end = _midnight(start)
        if head_end < start:
            head_end += timedelta(days=1)
        if end is not None:
            head_end = min(head_end, end)
        values |= moment_values(f"{name}_head_end", head_end)
    if end is not None:
        tail_start = _midnight(end) if head_end is None else max(_midnight(end), head_end)
        values |= moment_values(f"{name}_tail_start", tail_start)
    return values


@cache
def task_flow_statement(*, bounded_start: bool, bounded_end: bool) -> Any:
    """Tasks of the project `project_id` open at `as_of`, its completions per day over the whole days
    [`lookback_start`, `lookback_end`), and its completions and completions within the SLA per day over the window
    [`start`, `end`) (either bound may be open), with the cut parameters of `_whole_days` for "window"."""
    # Each branch reads what it needs on its own, so that the (project, status) and (project, completed_at)
    # indexes narrow it; a shared CTE would be materialised over every task of the project.
    project_id = number("project_id")
    rollup = TaskDayRollup.__table__.c
    completion_day = day_bucket(Task.completed_at)
    no_day, no_count = cast(null(), String), cast(null(), Integer)

    def tasks(kind: str, day: Any, a: Any, b: Any, *conditions: Any) -> Any:
        return (
            select(literal(kind).label("kind"), day.label("day"), a.label("a"), b.label("b"))
            .select_from(Task)
            .join(Project, Project.id == Task.project_id)
            .where(Task.project_id == project_id, *conditions)
        )

    def days(kind: str, within: Any, first: str | None, end: str | None) -> Any:
        conditions = [rollup.project_id == project_id]
        if first is not None:
            conditions.append(rollup.day >= day_of(first))
        if end is not None:
            conditions.append(rollup.day < day_of(end))
        columns = [literal(kind).label("kind"), rollup.day.label("day"), rollup.completed.label("a"), within]
        return select(*columns).where(*conditions)

    def edges(kind: str, within: Any, name: str, start: str, end: str, *, head: bool, tail: bool) -> list[Any]:
        parts = []
        if head:
            parts.append((moment(start), moment(f"{name}_head_end")))
        if tail:
            parts.append((moment(f"{name}_tail_start"), moment(end)))
        return [
            tasks(
                kind, completion_day, func.count(), within, Task.completed_at >= low, Task.completed_at < high
            ).group_by(completion_day)
            for low, high in parts
        ]

    # Open at as_of: created before it, not completed before it (never, or since), not archived before it. Tasks
    # not completed now are exactly those not DONE, so the two branches read the (project, status, created) and
    # (project, completed_at, created) indexes.
    as_of = moment("as_of")
    open_statuses = [status for status in TaskStatus if status is not TaskStatus.DONE]
    still_open = [Task.created_at < as_of, or_(Task.archived_at.is_(None), Task.archived_at >= as_of)]
    limit_seconds = Project.sla_turnaround_hours * 3600.0
    breached = case((within_seconds(as_of, Task.created_at, limit_seconds), 0), else_=1)
    return union_all(
        tasks("remaining", no_day, func.count(), func.sum(breached), Task.status.in_(open_statuses), *still_open),
        # SQLite would answer created_at < as_of from the (project, created) index, every task of the project.
        tasks(
            "remaining",
            no_day,
            func.count(),
            func.sum(breached),
            Task.completed_at >= as_of,
            unindexed(Task.created_at) < as_of,
            *still_open[1:],
        ),
        days("completed", no_count.label("b"), "lookback_start", "lookback_end"),
        # The SLA total is the sum of the days, added up in Python rather than read twice.
        days(
            "sla",
            rollup.within_sla.label("b"),
            "window_head_end" if bounded_start else None,
            "window_tail_start" if bounded_end else None,
        ),
        *edges("sla", func.sum(within_sla()), "window", "start", "end", head=bounded_start, tail=bounded_end),
    )


def completion_forecast(
    *,
    as_of: datetime,
    remaining: int,
    daily: list[int],
    confidence: float = 0.8,
    deadline: datetime | None = None,
) -> CompletionForecast:
    """The forecast from remaining tasks and daily completions (oldest first); see the module docstring."""
    n = len(daily)
    mean = sum(daily) / n if n else 0.0
    stdev = math.sqrt(sum((x - mean) ** 2 for x in daily) / (n - 1)) if n > 1 else 0.0
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    expected = earliest = latest = None
    if remaining == 0:
        expected = earliest = latest = 0.0
    elif mean > 0:
        expected = remaining / mean
        spread = z * stdev
        root = math.sqrt(spread**2 + 4 * mean * remaining)
        earliest = ((-spread + root) / (2 * mean)) ** 2
        latest = ((spread + root) / (2 * mean)) ** 2

    def date_after(days: float | None) -> datetime | None:
        return None if days is None else as_of + timedelta(days=days)

    latest_date = date_after(latest)
    return CompletionForecast(
        as_of=as_of,
        remaining_tasks=remaining,
        lookback_days=n,
        daily_completions=tuple(daily),
        mean_per_day=mean,
        stdev_per_day=stdev,
        confidence=confidence,
        expected_days=expected,
        earliest_days=earliest,
        latest_days=latest,
        expected_date=date_after(expected),
        earliest_date=date_after(earliest),
        latest_date=latest_date,
        deadline=deadline,
        on_track=None if deadline is None or latest_date is None else latest_date <= deadline,
    )


async def fetch_task_flow(
    session: AsyncSession,
    project: Project,
    scope: Scope,
    *,
    as_of: datetime | None = None,
    lookback_days: int = 14,
    confidence: float = 0.8,
) -> TaskFlow:
    """Completion forecast and SLA attainment of one project (one statement)."""
    as_of = as_of or scope.end or datetime.now(UTC)
    lookback_end = _midnight(as_of)
    first_day = (lookback_end - timedelta(days=lookback_days)).date()
    parameters = {
        "project_id": project.id,
        "as_of": as_of,
        "start": scope.start,
        "end": scope.end,
        **moment_values("lookback_start", lookback_end - timedelta(days=lookback_days)),
        **moment_values("lookback_end", lookback_end),
        **_whole_days("window", scope.start, scope.end),
    }
    statement = task_flow_statement(bounded_start=scope.start is not None, bounded_end=scope.end is not None)
    remaining = open_breached = done = within = 0
    completions: dict[str, int] = {}
    sla_by_day: dict[str, tuple[int, int]] = {}
    for row in (await session.execute(statement, parameters)).all():
        if row.kind == "remaining":
            remaining, open_breached = remaining + int(row.a or 0), open_breached + int(row.b or 0)
        elif row.kind == "completed":
            completions[row.day] = completions.get(row.day, 0) + int(row.a)
        elif row.a:
            day_done, day_within = sla_by_day.get(row.day, (0, 0))
            sla_by_day[row.day] = (day_done + int(row.a), day_within + int(row.b))
            done += int(row.a)
            within += int(row.b)
    sla_days = [SlaDay(day, n, ok, share(ok, n)) for day, (n, ok) in sorted(sla_by_day.items())]
    daily = [completions.get((first_day + timedelta(days=i)).isoformat(), 0) for i in range(lookback_days)]
    forecast = completion_forecast(
        as_of=as_of, remaining=remaining, daily=daily, confidence=confidence, deadline=project.deadline
    )
    attainment = share(within, done)
    sla = SlaAttainment(
        turnaround_hours=project.sla_turnaround_hours,
        target_share=project.sla_target_share,
        completed=done,
        within_sla=within,
        attainment=attainment,
        met=None if attainment is None else attainment >= project.sla_target_share,
        open_breached=open_breached,
        by_day=tuple(sla_days),
    )
    return TaskFlow(forecast=forecast, sla=sla)
