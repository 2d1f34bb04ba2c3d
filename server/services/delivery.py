"""Setting a project's delivery plan: expected time per task, milestones and budget checkpoints, replaced whole
in one transaction (a plan is edited as a document; partial edits would leave milestones out of step)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.delivery import BudgetCheckpoint, DeliveryPlan, PlanMilestone
from server.db.models import Project
from server.db.types import utcnow
from server.services.crud.checks import check_aware, check_name
from server.services.errors import NotFound, Path, ValidationFailed

__all__ = ["CheckpointSpec", "MilestoneSpec", "PlanSpec", "check_moment", "set_delivery_plan"]

_MAX_ITEMS = 100
_MAX_TARGET = 10_000_000
# Dates outside these centuries are typos or probes; forecasts add days to them.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class MilestoneSpec:
    name: str
    due_at: datetime
    target_tasks: int | None = None
    target_share: float | None = None


@dataclass(frozen=True)
class CheckpointSpec:
    at: datetime
    planned_spend: float


@dataclass(frozen=True)
class PlanSpec:
    expected_seconds_per_task: float | None = None
    milestones: tuple[MilestoneSpec, ...] = ()
    budget_checkpoints: tuple[CheckpointSpec, ...] = ()


def _finite_positive(path: Path, value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise ValidationFailed(path, value, "must be a finite number > 0")
    return float(value)


def check_moment(path: Path, value: datetime) -> datetime:
    """A timezone-aware moment between 1900 and 3000, in UTC."""
    moment = check_aware(path, value)
    if not EARLIEST <= moment < LATEST:
        raise ValidationFailed(path, moment.isoformat(), "must lie between 1900-01-01 and 3000-01-01")
    return moment


def _milestone(path: Path, spec: MilestoneSpec) -> PlanMilestone:
    name = check_name((*path, "name"), spec.name)
    due = check_moment((*path, "due_at"), spec.due_at)
    if (spec.target_tasks is None) == (spec.target_share is None):
        raise ValidationFailed((*path, "target_tasks"), spec.target_tasks, "or targetShare must be given, not both")
    if spec.target_tasks is not None and not 1 <= spec.target_tasks <= _MAX_TARGET:
        raise ValidationFailed((*path, "target_tasks"), spec.target_tasks, f"must be within 1..{_MAX_TARGET}")
    if spec.target_share is not None and not (math.isfinite(spec.target_share) and 0 < spec.target_share <= 1):
        raise ValidationFailed((*path, "target_share"), spec.target_share, "must be within (0, 1]")
    return PlanMilestone(name=name, due_at=due, target_tasks=spec.target_tasks, target_share=spec.target_share)


async def set_delivery_plan(session: AsyncSession, project_id: int, plan: PlanSpec, *, author: str) -> DeliveryPlan:
    """Replace the project's plan with `plan`. Raises NotFound (project) and ValidationFailed naming the field."""
    project = await session.get(Project, project_id, with_for_update=True)
    if project is None:
        raise NotFound("Project", project_id, path=("project_id",))
    expected = plan.expected_seconds_per_task
    if expected is not None:
        expected = _finite_positive(("expected_seconds_per_task",), expected)
    for name, items in (("milestones", plan.milestones), ("budget_checkpoints", plan.budget_checkpoints)):
        if len(items) > _MAX_ITEMS:
            raise ValidationFailed((name,), f"{len(items)} items", f"must hold at most {_MAX_ITEMS}")
    milestones = [_milestone(("milestones", i), spec) for i, spec in enumerate(plan.milestones)]
    names = [m.name for m in milestones]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValidationFailed(("milestones",), repeated, "must name each milestone once")
    checkpoints = [
        BudgetCheckpoint(
            at=check_moment(("budget_checkpoints", i, "at"), spec.at),
            planned_spend=_finite_positive(("budget_checkpoints", i, "planned_spend"), spec.planned_spend),
        )
        for i, spec in enumerate(plan.budget_checkpoints)
    ]
    await session.execute(delete(PlanMilestone).where(PlanMilestone.project_id == project_id))
    await session.execute(delete(BudgetCheckpoint).where(BudgetCheckpoint.project_id == project_id))
    await session.execute(delete(DeliveryPlan).where(DeliveryPlan.project_id == project_id))
    row = DeliveryPlan(project_id=project_id, expected_seconds_per_task=expected, author=author, updated_at=utcnow())
    session.add(row)
    for milestone in milestones:
        milestone.project_id = project_id
    for checkpoint in checkpoints:
        checkpoint.project_id = project_id
    session.add_all([*milestones, *checkpoints])
    await session.flush()
    return row
