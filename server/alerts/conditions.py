"""The conditions alert rules watch, read off a project's dashboard (`server.services.analytics`).

Every metric comes from the dashboard the API serves, so an alert and the dashboard a manager opens agree:
- SLA_BELOW_TARGET: SLA attainment of the tasks completed in the rule's window, below `threshold` (default: the
  project's SLA target share). No completions in the window: nothing to judge, not firing.
- FORECAST_AFTER_DEADLINE: the completion forecast's late bound (the one `onTrack` uses) after the project's
  deadline; also firing when tasks remain and nothing was completed in the lookback (no completion in sight).
  Value: days late (infinite without a forecast, reported as null). No deadline, or nothing left: not firing.
- BUDGET_AHEAD_OF_PLAN: budget burn (spent to date over budget) above the plan, the share of the time from the
  project's creation to its deadline that has passed, by more than `threshold` (default 0.1, i.e. 10 points).
  No budget or no deadline: not firing.
- LABELER_FLAGGED: labelers of the window with a quality or speed profile (`profiles`, or any profile).
  Value: how many.
- BACKLOG_ABOVE: tasks open now above `threshold` (required).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.db.alerts import AlertKind, AlertRule
from server.db.models import Project
from server.services.analytics import ProjectDashboard

__all__ = ["DEFAULT_BUDGET_MARGIN", "Reading", "read_condition"]

DEFAULT_BUDGET_MARGIN = 0.1


@dataclass(frozen=True, slots=True)
class Reading:
    """A rule's condition now: whether it holds, the value behind it and what a receiver needs to act on it."""

    firing: bool
    value: float | None
    summary: str
    detail: dict[str, Any] = field(default_factory=dict)


def _sla(rule: AlertRule, project: Project, dashboard: ProjectDashboard, now: datetime) -> Reading:
    target = rule.threshold if rule.threshold is not None else project.sla_target_share
    sla = dashboard.sla
    detail = {"target": target, "completed": sla.completed, "withinSla": sla.within_sla, "windowDays": rule.window_days}
    if sla.attainment is None:
        return Reading(False, None, f"no task completed in the last {rule.window_days} days", detail)
    firing = sla.attainment < target
    relation = "below" if firing else "at or above"
    return Reading(firing, sla.attainment, f"SLA attainment {sla.attainment:.1%} is {relation} {target:.1%}", detail)


def _forecast(rule: AlertRule, project: Project, dashboard: ProjectDashboard, now: datetime) -> Reading:
    forecast = dashboard.forecast
    deadline = project.deadline
    detail: dict[str, Any] = {
        "deadline": None if deadline is None else deadline.isoformat(),
        "remainingTasks": forecast.remaining_tasks,
        "expectedDate": None if forecast.expected_date is None else forecast.expected_date.isoformat(),
        "latestDate": None if forecast.latest_date is None else forecast.latest_date.isoformat(),
        "meanPerDay": forecast.mean_per_day,
    }
    if deadline is None:
        return Reading(False, None, "the project has no deadline", detail)
    if forecast.remaining_tasks == 0:
        # The forecast of nothing is "done now", which a passed deadline would call late: a finished project is not.
        return Reading(False, None, "nothing remains", detail)
    if forecast.latest_date is None:
        summary = (
            f"{forecast.remaining_tasks} tasks remain and none was completed in the last {forecast.lookback_days} days"
        )
        return Reading(True, None, summary, detail)
    late_days = (forecast.latest_date - deadline).total_seconds() / 86400.0
    firing = late_days > 0
    when = f"{late_days:.1f} days after" if firing else f"{-late_days:.1f} days before"
    return Reading(firing, late_days, f"completion forecast (late bound) is {when} the deadline", detail)


def _budget(rule: AlertRule, project: Project, dashboard: ProjectDashboard, now: datetime) -> Reading:
    margin = rule.threshold if rule.threshold is not None else DEFAULT_BUDGET_MARGIN
    budget = dashboard.cost.budget
    deadline = project.deadline
    if budget is None or budget.burn is None or deadline is None:
        return Reading(False, None, "the project needs a budget and a deadline to plan its burn", {"margin": margin})
    span = (deadline - project.created_at).total_seconds()
    elapsed = (now - project.created_at).total_seconds()
    plan = 1.0 if span <= 0 else min(max(elapsed / span, 0.0), 1.0)
    ahead = budget.burn - plan
    detail = {"burn": budget.burn, "plan": plan, "margin": margin, "spent": budget.spent, "budget": budget.budget}
    firing = ahead > margin
    summary = f"budget burn {budget.burn:.1%} against {plan:.1%} of the time to the deadline"
    return Reading(firing, budget.burn, summary, detail)


def _labelers(rule: AlertRule, project: Project, dashboard: ProjectDashboard, now: datetime) -> Reading:
    wanted = set(rule.profiles)
    flagged = [
        {
            "labelerId": row.labeler_id,
            "profile": row.profile,
            "qualityZ": _finite(row.quality_z),
            "speedZ": _finite(row.speed_z),
        }
        for row in dashboard.labeler_outliers
        if row.profile is not None and (not wanted or row.profile in wanted)
    ]
    names = ", ".join(f"{item['labelerId']} ({item['profile']})" for item in flagged)
    summary = f"labelers flagged ({len(flagged)}): {names}" if flagged else "no labeler flagged"
    return Reading(bool(flagged), float(len(flagged)), summary, {"labelers": flagged, "windowDays": rule.window_days})


def _backlog(rule: AlertRule, project: Project, dashboard: ProjectDashboard, now: datetime) -> Reading:
    limit = rule.threshold if rule.threshold is not None else math.inf  # rules are created with one
    remaining = dashboard.forecast.remaining_tasks
    firing = remaining > limit
    relation = "above" if firing else "within"
    summary = f"{remaining} open tasks, {relation} {limit:g}"
    return Reading(firing, float(remaining), summary, {"limit": _finite(limit)})


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


_READERS = {
    AlertKind.SLA_BELOW_TARGET: _sla,
    AlertKind.FORECAST_AFTER_DEADLINE: _forecast,
    AlertKind.BUDGET_AHEAD_OF_PLAN: _budget,
    AlertKind.LABELER_FLAGGED: _labelers,
    AlertKind.BACKLOG_ABOVE: _backlog,
}


def read_condition(rule: AlertRule, project: Project, dashboard: ProjectDashboard, now: datetime) -> Reading:
    """The rule's condition on `dashboard` (computed over the rule's window ending `now`)."""
    return _READERS[rule.kind](rule, project, dashboard, now)
