"""Forecast of a project's completion date from recent throughput, and observed SLA attainment.

Throughput is the number of tasks completed per UTC day over the `lookback_days` days before `as_of`
(days without completions count as zero). Treating days as independent draws with mean mu and standard
deviation s (sample, n-1), the completions after D days are approximately Normal(D·mu, D·s²). The central
estimate is D = R/mu for R remaining tasks; the interval takes the days at which the cumulative completions reach
R at the upper and lower `confidence` bound: mu·D ± z·s·sqrt(D) = R, a quadratic in sqrt(D):
sqrt(D) = (∓z·s + sqrt(z²s² + 4·mu·R)) / (2·mu). There is no forecast while mu = 0.

SLA attainment is the share of tasks completed in the window whose turnaround (completed_at - created_at) is
within the project's `sla_turnaround_hours`, against its `sla_target_share`; open tasks already past the
turnaround at `as_of` are reported as breached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from statistics import NormalDist
from typing import Any

from sqlalchemy import Integer, String, case, cast, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import TaskStatus
from server.db.models import Project, Task
from server.services.analytics._sql import day_bucket, share, within_seconds
from server.services.analytics.scope import Scope, ScopeShape, moment, number

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


@cache
def task_flow_statement(scope: ScopeShape) -> Any:
    """Remaining tasks, daily completions over the lookback and SLA attainment per day of the project `project_id`;
    the lookback is [`lookback_start`, `as_of`)."""
    # Each branch reads the tasks it needs on its own, so that the (project, status) and (project, completed_at)
    # indexes narrow it; a shared CTE would be materialised over every task of the project.
    limit_seconds = Project.sla_turnaround_hours * 3600.0
    as_of_param = moment("as_of")
    lookback_start = moment("lookback_start")
    within = case((within_seconds(Task.completed_at, Task.created_at, limit_seconds), 1), else_=0)
    completion_day = day_bucket(Task.completed_at)
    no_day = cast(null(), String)

    def tasks(kind: str, day: Any, a: Any, b: Any, *conditions: Any) -> Any:
        return (
            select(literal(kind).label("kind"), day.label("day"), a.label("a"), b.label("b"))
            .select_from(Task)
            .join(Project, Project.id == Task.project_id)
            .where(Task.project_id == number("project_id"), *conditions)
        )

    open_statuses = [status for status in TaskStatus if status is not TaskStatus.DONE]
    breached = case((within_seconds(as_of_param, Task.created_at, limit_seconds), 0), else_=1)
    in_window = [Task.completed_at.is_not(None), *scope.in_window(Task.completed_at)]
    return union_all(
        tasks(
            "remaining",
            no_day,
            func.count(),
            func.sum(breached),
            Task.status.in_(open_statuses),
            Task.archived_at.is_(None),
        ),
        tasks(
            "completed",
            completion_day,
            func.count(),
            cast(null(), Integer),
            Task.completed_at >= lookback_start,
            Task.completed_at < as_of_param,
        ).group_by(completion_day),
        # The SLA total is the sum of the days, added up in Python rather than read twice.
        tasks("sla", completion_day, func.count(), func.sum(within), *in_window).group_by(completion_day),
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
    parameters = {
        **scope.parameters(),
        "project_id": project.id,
        "as_of": as_of,
        "lookback_start": as_of - timedelta(days=lookback_days),
    }
    rows = (await session.execute(task_flow_statement(scope.shape), parameters)).all()
    remaining = open_breached = done = within = 0
    completions: dict[str, int] = {}
    sla_days: list[SlaDay] = []
    for row in rows:
        if row.kind == "remaining":
            remaining, open_breached = int(row.a or 0), int(row.b or 0)
        elif row.kind == "completed":
            completions[row.day] = int(row.a)
        else:
            sla_days.append(SlaDay(row.day, int(row.a), int(row.b), share(row.b, row.a)))
            done += int(row.a)
            within += int(row.b)
    first_day = (as_of - timedelta(days=lookback_days)).date()
    daily = [completions.get((first_day + timedelta(days=i)).isoformat(), 0) for i in range(lookback_days)]
    # The lookback window is [as_of - lookback, as_of): when as_of is not midnight the calendar days straddle it,
    # so a completion can land on day `lookback_days`; fold it into the last bucket rather than drop it.
    extra = completions.get((first_day + timedelta(days=lookback_days)).isoformat(), 0)
    if extra and daily:
        daily[-1] += extra
    forecast = completion_forecast(
        as_of=as_of, remaining=remaining, daily=daily, confidence=confidence, deadline=project.deadline
    )
    sla_days.sort(key=lambda item: item.day)
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
