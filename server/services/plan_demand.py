"""A delivery plan as the simulator's demand: the tasks each milestone still needs, spread evenly over the days
up to its date, summed per week from the scenario's day 0.

Milestone i needs ``target_i - max(target_{i-1}, done)`` more tasks between the previous milestone's date (or
day 0) and its own; nothing when the target is already reached. Milestones due before day 0 need nothing more.
The planner then asks whether the team keeps the SLA at the pace the plan asks for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["PlannedTarget", "plan_weekly_volumes"]

_DAY = 86400.0


@dataclass(frozen=True)
class PlannedTarget:
    due_at: datetime
    target_tasks: int


def plan_weekly_volumes(targets: Sequence[PlannedTarget], done: int, day0: datetime) -> list[float]:
    """Tasks per week from ``day0`` (week 1 first) that meet every target by its date; empty when none lies ahead."""
    # Targets count tasks done by a date, so of milestones due at one instant the largest is the one to meet; kept
    # apart, the later ones would be spread over no time at all and their tasks lost.
    by_due: dict[datetime, int] = {}
    for t in targets:
        if t.due_at > day0:
            by_due[t.due_at] = max(by_due.get(t.due_at, 0), t.target_tasks)
    ahead = [PlannedTarget(due, target) for due, target in sorted(by_due.items())]
    if not ahead:
        return []
    last_day = (ahead[-1].due_at - day0).total_seconds() / _DAY
    weeks = [0.0] * math.ceil(last_day / 7.0)
    reached, since = float(done), 0.0
    for target in ahead:
        until = (target.due_at - day0).total_seconds() / _DAY
        needed = max(float(target.target_tasks) - reached, 0.0)
        reached = max(reached, float(target.target_tasks))
        _spread(weeks, needed, since, until)
        since = until
    return [round(w, 3) for w in weeks]


def _spread(weeks: list[float], tasks: float, since: float, until: float) -> None:
    """Add ``tasks`` evenly over days [since, until) to the weeks they fall in."""
    if tasks <= 0.0 or until <= since:
        return
    rate = tasks / (until - since)
    week = int(since // 7.0)
    while week * 7.0 < until and week < len(weeks):
        lo, hi = max(since, week * 7.0), min(until, (week + 1) * 7.0)
        weeks[week] += rate * max(hi - lo, 0.0)
        week += 1
