"""A project's delivery against its plan, as of a moment: each milestone's target, what is done, where a straight
line from the project's first task to the milestone's date says it should be, and when the completion forecast
(`forecast.completion_forecast`, on the same 14 days of completions as the dashboard) expects the target reached;
and the actual time per completed task against the expected one.

Status of a milestone: MET (done reached the target), MISSED (its date passed without), AHEAD (at or above the
straight line and expected by its date) or BEHIND. `tasks_ahead` is done minus the straight line (negative:
behind); `days_early` is the milestone's date minus the forecast's expected date (negative: late), none once met.
Budget checkpoints: the project's cost (labeling and review, `cost.cost_metrics`) spent by each checkpoint. A
passed checkpoint is WITHIN or OVER its planned spend; for one still ahead, the spend by its date is projected from
the last 14 days' burn (`projected_spend`), and it is ON_PLAN or OVER_PACE, beside a straight line from the previous
checkpoint (or nothing spent at the first task) to it (`planned_by_now`). `over_by` is spent (or projected) minus
planned: negative is under.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Float, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.delivery import BudgetCheckpoint, DeliveryPlan, PlanMilestone
from server.db.models import Label, Project, Task
from server.services.analytics._labels import fetch_label_rollup
from server.services.analytics.forecast import CompletionForecast, completion_forecast, fetch_task_flow
from server.services.analytics.scope import Scope
from server.services.errors import NotFound

__all__ = ["CheckpointStatus", "DeliveryStatus", "MilestoneStatus", "fetch_delivery_status", "milestone_targets"]

#: Days of spend before the as-of moment whose mean daily burn projects spend to a checkpoint still ahead.
BURN_DAYS = 14


@dataclass(frozen=True, slots=True)
class MilestoneStatus:
    name: str
    due_at: datetime
    target_tasks: int
    done_tasks: int
    planned_by_now: float
    tasks_ahead: float
    status: str
    forecast: CompletionForecast
    days_early: float | None


@dataclass(frozen=True, slots=True)
class CheckpointStatus:
    at: datetime
    planned_spend: float
    spent: float  # by the checkpoint, or by the as-of moment for one still ahead
    planned_by_now: float | None  # ahead only: the straight line from the previous checkpoint
    projected_spend: float | None  # ahead only: spent plus the recent daily burn up to the checkpoint
    over_by: float
    status: str


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    as_of: datetime
    total_tasks: int
    done_tasks: int
    expected_seconds_per_task: float | None
    actual_seconds_per_task: float | None
    milestones: tuple[MilestoneStatus, ...]
    budget_checkpoints: tuple[CheckpointStatus, ...]


async def fetch_delivery_status(session: AsyncSession, project_id: int, as_of: datetime) -> DeliveryStatus:
    project = await session.get(Project, project_id)
    if project is None:
        raise NotFound("Project", project_id, path=("project_id",))
    plan = await session.get(DeliveryPlan, project_id)
    milestones = (
        await session.scalars(
            select(PlanMilestone).where(PlanMilestone.project_id == project_id).order_by(PlanMilestone.due_at)
        )
    ).all()
    checkpoints = (
        await session.execute(
            select(BudgetCheckpoint.at, BudgetCheckpoint.planned_spend)
            .where(BudgetCheckpoint.project_id == project_id)
            .order_by(BudgetCheckpoint.at)
        )
    ).all()
    total, done, first = await _progress(session, project_id, as_of)
    work = (
        await session.execute(
            select(cast(func.sum(Label.seconds_to_label + Label.rework_seconds), Float))
            .join(Task, Task.id == Label.task_id)
            .where(*_live_tasks(project_id, as_of), Task.completed_at <= as_of)
        )
    ).scalar_one()
    flow = await fetch_task_flow(session, project, Scope(project_id=project_id), as_of=as_of)
    daily = list(flow.forecast.daily_completions)
    start = first or project.created_at
    statuses = tuple(_milestone(m, total, done, start, as_of, daily) for m in milestones)
    return DeliveryStatus(
        as_of=as_of,
        total_tasks=total,
        done_tasks=done,
        expected_seconds_per_task=None if plan is None else plan.expected_seconds_per_task,
        actual_seconds_per_task=None if not done or work is None else float(work) / done,
        milestones=statuses,
        budget_checkpoints=await _checkpoints(
            session, project_id, [(at, float(spend)) for at, spend in checkpoints], start, as_of
        ),
    )


def _live_tasks(project_id: int, as_of: datetime) -> tuple[ColumnElement[bool], ...]:
    """The project's tasks as they stood at ``as_of``: created by then and not archived by then."""
    return (
        Task.project_id == project_id,
        Task.created_at <= as_of,
        or_(Task.archived_at.is_(None), Task.archived_at > as_of),
    )


async def _progress(session: AsyncSession, project_id: int, as_of: datetime) -> tuple[int, int, datetime | None]:
    """Tasks of the project at ``as_of``, those done by then, and when its first task arrived."""
    done_now = Task.completed_at <= as_of
    total, done, first = (
        await session.execute(
            select(
                func.count(),
                cast(func.coalesce(func.sum(case((done_now, 1), else_=0)), 0), Float),
                func.min(Task.created_at),
            ).where(*_live_tasks(project_id, as_of))
        )
    ).one()
    return int(total), int(done), first


async def milestone_targets(
    session: AsyncSession, project_id: int, as_of: datetime
) -> tuple[list[tuple[datetime, int]], int]:
    """Each milestone's due date and target in tasks, by due date, and the tasks done at ``as_of``: what a plan
    asks for, without the forecasts and spend `fetch_delivery_status` adds."""
    milestones = (
        await session.scalars(
            select(PlanMilestone).where(PlanMilestone.project_id == project_id).order_by(PlanMilestone.due_at)
        )
    ).all()
    total, done, _ = await _progress(session, project_id, as_of)
    return [(m.due_at, _target(m, total)) for m in milestones], done


async def _spent_before(session: AsyncSession, project_id: int, end: datetime, start: datetime | None = None) -> float:
    # The window's own total: the cost-to-date column `cost_metrics` adds for a project would read it all again.
    rollup = await fetch_label_rollup(session, Scope(project_id=project_id, start=start, end=end))
    return rollup.total.all_cost


async def _checkpoints(
    session: AsyncSession,
    project_id: int,
    planned: list[tuple[datetime, float]],
    start: datetime,
    as_of: datetime,
) -> tuple[CheckpointStatus, ...]:
    if not planned:
        return ()
    spent_now = await _spent_before(session, project_id, as_of)
    burn_start = as_of - timedelta(days=BURN_DAYS)
    burn_per_day = (await _spent_before(session, project_id, as_of, burn_start)) / BURN_DAYS
    out = []
    previous_at, previous_spend = start, 0.0
    for at, spend in planned:
        if at <= as_of:
            spent = await _spent_before(session, project_id, at)
            status = CheckpointStatus(
                at, spend, spent, None, None, spent - spend, "WITHIN" if spent <= spend else "OVER"
            )
        else:
            span = (at - previous_at).total_seconds()
            fraction = 1.0 if span <= 0 else min(max((as_of - previous_at).total_seconds() / span, 0.0), 1.0)
            line = previous_spend + (spend - previous_spend) * fraction
            projected = spent_now + burn_per_day * (at - as_of).total_seconds() / 86400.0
            verdict = "ON_PLAN" if projected <= spend else "OVER_PACE"
            status = CheckpointStatus(at, spend, spent_now, line, projected, projected - spend, verdict)
        out.append(status)
        previous_at, previous_spend = at, spend
    return tuple(out)


def _target(milestone: PlanMilestone, total: int) -> int:
    """The milestone's target in tasks: its count, or its share of the project's tasks (at least one)."""
    if milestone.target_tasks is not None:
        return milestone.target_tasks
    return max(1, math.ceil((milestone.target_share or 0.0) * total))


def _milestone(
    milestone: PlanMilestone, total: int, done: int, start: datetime, as_of: datetime, daily: list[int]
) -> MilestoneStatus:
    target = _target(milestone, total)
    span = (milestone.due_at - start).total_seconds()
    elapsed = (as_of - start).total_seconds()
    fraction = 1.0 if span <= 0 else min(max(elapsed / span, 0.0), 1.0)
    planned = target * fraction
    forecast = completion_forecast(as_of=as_of, remaining=max(target - done, 0), daily=daily, deadline=milestone.due_at)
    expected = forecast.expected_date
    # A met milestone is not forecast: "days early" against today would read as late for one met long ago.
    met = done >= target
    days_early = None if expected is None or met else (milestone.due_at - expected).total_seconds() / 86400.0
    if met:
        status = "MET"
    elif as_of > milestone.due_at:
        status = "MISSED"
    elif done >= planned and expected is not None and expected <= milestone.due_at:
        status = "AHEAD"
    else:
        status = "BEHIND"
    return MilestoneStatus(
        name=milestone.name,
        due_at=milestone.due_at,
        target_tasks=target,
        done_tasks=done,
        planned_by_now=planned,
        tasks_ahead=done - planned,
        status=status,
        forecast=forecast,
        days_early=days_early,
    )
