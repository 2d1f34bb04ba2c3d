"""One health verdict per project, with its reasons in words: SLA, forecast with incoming demand, budget, quality.

The projects list and the dashboard show the same verdict, so it is computed here once, as of a moment (`as_of`,
never later than now: a window ending today must not count every open task as late). Four aspects are judged over
the last `LOOKBACK_DAYS` whole UTC days before `as_of`, and the project's verdict is the worst of them:

- SLA: the share of the tasks completed in the lookback that made the turnaround (all time when none did), against
  the target; the open tasks already past the turnaround count as misses still to come.
- Forecast with incoming demand: the backlog shrinks by completions minus arrivals a day, not by completions alone.
  The days to clear it, with their interval, come from `completion_forecast` fed the daily net flow; a backlog that
  does not shrink never clears. With a deadline the clearing date is compared with it.
- Budget: the spend to date against the budget, and the spend by the deadline (or the clearing date) at the
  lookback's daily rate.
- Quality: benchmark accuracy in the lookback against the quality target; benchmarks are a sample, so the project
  is off track only when the 95% Wilson interval lies wholly below the target.

An aspect without data gives no verdict; a project with no verdict at all (a draft, or no tasks) has "no data yet".
"""

from __future__ import annotations

import enum
import math
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import ProjectStatus
from server.db.models import Project, Task
from server.db.sql import day_bucket
from server.services.analytics._labels import fetch_label_rollup
from server.services.analytics.cost import budget_from
from server.services.analytics.forecast import completion_forecast, fetch_task_flow
from server.services.analytics.scope import Scope
from server.services.errors import NotFound
from simulator.intervals import wilson_interval

__all__ = [
    "LOOKBACK_DAYS",
    "Aspect",
    "HealthFacts",
    "ProjectHealth",
    "Reason",
    "Verdict",
    "health_facts",
    "judge",
    "project_health",
]

LOOKBACK_DAYS = 14
# How far below its target an observed share may fall before "at risk" becomes "off track".
_SLA_MARGIN = 0.05
_Z_ONE_SIDED_95 = 1.645


class Verdict(enum.Enum):
    """Ordered from best to worst; `NO_DATA` is below every judged verdict."""

    NO_DATA = 0
    ON_TRACK = 1
    AT_RISK = 2
    OFF_TRACK = 3


class Aspect(enum.Enum):
    SLA = "sla"
    FORECAST = "forecast"
    BUDGET = "budget"
    QUALITY = "quality"
    DATA = "data"


@dataclass(frozen=True, slots=True)
class Reason:
    aspect: Aspect
    verdict: Verdict
    message: str


@dataclass(frozen=True, slots=True)
class ProjectHealth:
    verdict: Verdict
    reasons: tuple[Reason, ...]  # the worst first
    as_of: datetime
    lookback_days: int

    @property
    def summary(self) -> str:
        return self.reasons[0].message if self.reasons else "No data yet."


@dataclass(frozen=True, slots=True)
class HealthFacts:
    """What the verdict is judged from; `judge` is a pure function of these, so the rules are tested alone."""

    as_of: datetime
    status: ProjectStatus
    currency: str
    tasks: int  # created before as_of
    remaining: int  # open at as_of
    open_breached: int  # open at as_of and already past the turnaround
    completions: tuple[int, ...]  # per day over the lookback, oldest first
    arrivals: tuple[int, ...]  # per day over the lookback, oldest first
    sla_completed: int
    sla_within: int
    sla_all_time: bool  # the SLA counts are the whole history's (nothing was completed in the lookback)
    sla_turnaround_hours: float
    sla_target: float
    deadline: datetime | None
    budget: float | None
    spent: float
    lookback_cost: float
    benchmarks: int
    benchmarks_correct: int
    quality_target: float


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _day(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%d %b %Y}"


def _money(value: float, currency: str) -> str:
    return f"{value:,.0f} {currency}"


def _sla(facts: HealthFacts) -> Reason | None:
    if facts.sla_completed == 0:
        if facts.open_breached:
            return Reason(
                Aspect.SLA,
                Verdict.OFF_TRACK,
                f"SLA: no task completed yet and {facts.open_breached} open tasks are past the "
                f"{facts.sla_turnaround_hours:g} h turnaround.",
            )
        return None
    attainment = facts.sla_within / facts.sla_completed
    # Open tasks already late will miss when they complete: count them as misses to come.
    projected = facts.sla_within / (facts.sla_completed + facts.open_breached)
    when = "all time" if facts.sla_all_time else f"the last {len(facts.completions)} days"
    message = (
        f"SLA: {_percent(attainment)} of {facts.sla_completed} tasks completed in {when} made the "
        f"{facts.sla_turnaround_hours:g} h turnaround (target {_percent(facts.sla_target)})"
    )
    if facts.open_breached:
        message += f"; {facts.open_breached} open tasks are already late"
    worst = min(attainment, projected)
    if worst >= facts.sla_target:
        verdict = Verdict.ON_TRACK
    elif attainment >= facts.sla_target - _SLA_MARGIN:
        verdict = Verdict.AT_RISK
    else:
        verdict = Verdict.OFF_TRACK
    return Reason(Aspect.SLA, verdict, message + ".")


def _forecast(facts: HealthFacts) -> Reason | None:
    days = len(facts.completions)
    completed, arrived = sum(facts.completions) / days, sum(facts.arrivals) / days
    pace = f"{completed:.1f} tasks completed and {arrived:.1f} arriving a day over the last {days} days"
    deadline = facts.deadline
    if facts.remaining == 0 and arrived == 0:
        return Reason(Aspect.FORECAST, Verdict.ON_TRACK, "Forecast: every task is done.") if facts.tasks else None
    if deadline is not None and deadline <= facts.as_of and facts.remaining:
        return Reason(
            Aspect.FORECAST,
            Verdict.OFF_TRACK,
            f"Forecast: the deadline {_day(deadline)} has passed with {facts.remaining} tasks open.",
        )
    if completed == 0:
        verdict = Verdict.OFF_TRACK if deadline is not None or facts.status is ProjectStatus.ACTIVE else Verdict.AT_RISK
        return Reason(
            Aspect.FORECAST,
            verdict,
            f"Forecast: no task completed in the last {days} days; "
            f"{facts.remaining} open, {arrived:.1f} arriving a day.",
        )
    net = [done - new for done, new in zip(facts.completions, facts.arrivals, strict=True)]
    mean_net = completed - arrived
    # Days are noisy: the backlog grows or shrinks only when the mean daily net flow is clearly away from zero.
    margin = _Z_ONE_SIDED_95 * statistics.stdev(net) / math.sqrt(days) if days > 1 else 0.0
    backlog_days = facts.remaining / completed
    backlog = f"the backlog of {facts.remaining} takes {backlog_days:.1f} days to complete"
    within_turnaround = backlog_days * 24 <= facts.sla_turnaround_hours
    if mean_net + margin < 0:
        by_deadline = ""
        if deadline is not None:
            open_then = facts.remaining - mean_net * (deadline - facts.as_of).total_seconds() / 86_400
            by_deadline = f"; about {open_then:.0f} open by the deadline {_day(deadline)}"
        return Reason(
            Aspect.FORECAST,
            Verdict.AT_RISK if within_turnaround else Verdict.OFF_TRACK,
            f"Forecast: falling behind, {pace}; {backlog} and grows by {-mean_net:.1f} a day{by_deadline}.",
        )
    if mean_net - margin <= 0:
        # Keeping pace: healthy while the backlog is within a turnaround's worth of work.
        return Reason(
            Aspect.FORECAST,
            Verdict.ON_TRACK if within_turnaround else Verdict.AT_RISK,
            f"Forecast: keeping pace, {pace}; {backlog} "
            f"({'within' if within_turnaround else 'more than'} the {facts.sla_turnaround_hours:g} h turnaround).",
        )
    forecast = completion_forecast(as_of=facts.as_of, remaining=facts.remaining, daily=net, deadline=deadline)
    expected, latest = forecast.expected_date, forecast.latest_date
    assert expected is not None and latest is not None  # the mean net flow is positive
    clears = (
        f"the backlog of {facts.remaining} clears by {_day(expected)} "
        f"({forecast.confidence:.0%} interval to {_day(latest)}), {pace}"
    )
    if deadline is None:
        return Reason(Aspect.FORECAST, Verdict.ON_TRACK, f"Forecast: {clears}.")
    if latest <= deadline:
        return Reason(Aspect.FORECAST, Verdict.ON_TRACK, f"Forecast: {clears}; deadline {_day(deadline)}.")
    verdict = Verdict.AT_RISK if expected <= deadline else Verdict.OFF_TRACK
    return Reason(Aspect.FORECAST, verdict, f"Forecast: {clears}; deadline {_day(deadline)}.")


def _clearing_date(facts: HealthFacts) -> datetime | None:
    days = len(facts.completions)
    net = (sum(facts.completions) - sum(facts.arrivals)) / days
    if facts.remaining == 0:
        return facts.as_of
    return facts.as_of + timedelta(days=facts.remaining / net) if net > 0 else None


def _budget(facts: HealthFacts) -> Reason | None:
    if facts.budget is None or facts.budget <= 0:
        return None
    spent = f"{_money(facts.spent, facts.currency)} of {_money(facts.budget, facts.currency)} spent"
    if facts.spent > facts.budget:
        return Reason(
            Aspect.BUDGET, Verdict.OFF_TRACK, f"Budget: over, {spent} ({_percent(facts.spent / facts.budget)})."
        )
    until = facts.deadline or _clearing_date(facts)
    if until is None or until <= facts.as_of:
        return Reason(Aspect.BUDGET, Verdict.ON_TRACK, f"Budget: {spent} ({_percent(facts.spent / facts.budget)}).")
    per_day = facts.lookback_cost / len(facts.completions)
    projected = facts.spent + per_day * (until - facts.as_of).total_seconds() / 86_400
    end = "the deadline" if facts.deadline else "the expected clearing date"
    message = (
        f"Budget: {spent}; at {_money(per_day, facts.currency)} a day, {_money(projected, facts.currency)} "
        f"({_percent(projected / facts.budget)}) by {end} {_day(until)}."
    )
    return Reason(Aspect.BUDGET, Verdict.AT_RISK if projected > facts.budget else Verdict.ON_TRACK, message)


def _quality(facts: HealthFacts) -> Reason | None:
    if facts.benchmarks == 0:
        return None
    accuracy = facts.benchmarks_correct / facts.benchmarks
    low, high = wilson_interval(facts.benchmarks_correct, facts.benchmarks)
    message = (
        f"Quality: benchmark accuracy {_percent(accuracy)} (95% interval {_percent(low)} to {_percent(high)}) on "
        f"{facts.benchmarks} benchmark labels in the last {len(facts.completions)} days "
        f"(target {_percent(facts.quality_target)})."
    )
    if accuracy >= facts.quality_target:
        verdict = Verdict.ON_TRACK
    elif high >= facts.quality_target:
        verdict = Verdict.AT_RISK
    else:
        verdict = Verdict.OFF_TRACK
    return Reason(Aspect.QUALITY, verdict, message)


def judge(facts: HealthFacts) -> ProjectHealth:
    """The verdict from the facts: the worst aspect's, with every aspect's reason, worst first."""
    lookback = len(facts.completions)
    if facts.tasks == 0:
        reason = Reason(Aspect.DATA, Verdict.NO_DATA, "No data yet: the project has no tasks.")
        return ProjectHealth(Verdict.NO_DATA, (reason,), facts.as_of, lookback)
    if facts.status is ProjectStatus.DRAFT and facts.sla_completed == 0 and facts.spent == 0:
        reason = Reason(Aspect.DATA, Verdict.NO_DATA, "No data yet: the project is a draft and no work is recorded.")
        return ProjectHealth(Verdict.NO_DATA, (reason,), facts.as_of, lookback)
    reasons = [r for r in (_sla(facts), _forecast(facts), _budget(facts), _quality(facts)) if r is not None]
    if not reasons:
        reason = Reason(Aspect.DATA, Verdict.NO_DATA, "No data yet: no task completed and no label recorded.")
        return ProjectHealth(Verdict.NO_DATA, (reason,), facts.as_of, lookback)
    reasons.sort(key=lambda r: -r.verdict.value)  # stable: aspects keep their order within a verdict
    return ProjectHealth(reasons[0].verdict, tuple(reasons), facts.as_of, lookback)


def _midnight(moment: datetime) -> datetime:
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC)


async def _arrivals(
    session: AsyncSession, project_id: int, as_of: datetime, first: datetime, days: int
) -> tuple[int, tuple[int, ...]]:
    """Tasks created before `as_of`, and those created on each of the `days` UTC days from `first`."""
    total = await session.scalar(select(func.count()).where(Task.project_id == project_id, Task.created_at < as_of))
    day = day_bucket(Task.created_at)
    end = first + timedelta(days=days)
    rows = await session.execute(
        select(day, func.count())
        .where(Task.project_id == project_id, Task.created_at >= first, Task.created_at < end)
        .group_by(day)
    )
    by_day = {str(row[0]): int(row[1]) for row in rows}
    return int(total or 0), tuple(by_day.get((first + timedelta(days=i)).date().isoformat(), 0) for i in range(days))


async def project_health(
    session: AsyncSession, project_id: int, *, as_of: datetime | None = None, lookback_days: int = LOOKBACK_DAYS
) -> ProjectHealth:
    """The project's health as of `as_of` (default now; a later moment is taken as now), in five statements."""
    return judge(await health_facts(session, project_id, as_of=as_of, lookback_days=lookback_days))


async def health_facts(
    session: AsyncSession, project_id: int, *, as_of: datetime | None = None, lookback_days: int = LOOKBACK_DAYS
) -> HealthFacts:
    """What `judge` needs, read from the records as of `as_of` (clamped to now)."""
    project = (await session.execute(select(Project).where(Project.id == project_id))).scalar_one_or_none()
    if project is None:
        raise NotFound("Project", project_id, path=("project_id",))
    now = datetime.now(UTC)
    as_of = now if as_of is None or as_of > now else as_of
    lookback_end = _midnight(as_of)
    lookback_start = lookback_end - timedelta(days=lookback_days)
    flow = await fetch_task_flow(
        session, project, Scope(project_id=project.id, end=as_of), as_of=as_of, lookback_days=lookback_days
    )
    tasks, arrivals = await _arrivals(session, project.id, as_of, lookback_start, lookback_days)
    rollup = await fetch_label_rollup(
        session, Scope(project_id=project.id, start=lookback_start, end=lookback_end), history=True
    )
    first_day = lookback_start.date().isoformat()
    recent = [day for day in flow.sla.by_day if day.day >= first_day]
    recent_completed = sum(day.completed for day in recent)
    all_time = recent_completed == 0
    return HealthFacts(
        as_of=as_of,
        status=project.status,
        currency=project.currency,
        tasks=tasks,
        remaining=flow.forecast.remaining_tasks,
        open_breached=flow.sla.open_breached,
        completions=flow.forecast.daily_completions,
        arrivals=arrivals,
        sla_completed=flow.sla.completed if all_time else recent_completed,
        sla_within=flow.sla.within_sla if all_time else sum(day.within_sla for day in recent),
        sla_all_time=all_time,
        sla_turnaround_hours=project.sla_turnaround_hours,
        sla_target=project.sla_target_share,
        deadline=project.deadline,
        budget=project.budget,
        spent=budget_from(rollup, project.budget).spent,
        lookback_cost=rollup.total.cost,
        benchmarks=rollup.total.benchmarks,
        benchmarks_correct=rollup.total.benchmarks_correct,
        quality_target=project.quality_target,
    )
