"""The simulation budget: how much one request may simulate, checked before any worker starts.

A scenario's cost grows with the tasks it simulates (demand over the horizon), the labeler-days of its workforce
and the days of its horizon, times the runs a request asks for (replications, variants, candidate plans). Those
are weighed in *task-equivalents* by what they cost on the simulator's kernel (measured on one core: about
6 million tasks, 230,000 labeler-days or 20,000 nearly empty days a second, as ``benchmarks/simulation_pool.py``
measures them), so the budget reads as "tasks simulated".
A request over the operator's budget (``LABELOPS_SIMULATION_BUDGET``) is refused with a validation error that
names the input field driving the heaviest run, instead of holding a worker and gigabytes for minutes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from server.services.errors import Path, ValidationFailed
from simulator.arrivals import pattern_volumes
from simulator.scenario import Scenario

__all__ = ["Dimension", "Fields", "Workload", "check_budget", "expected_tasks", "workload"]

Dimension = Literal["tasks", "labelers", "days"]

# Kernel cost of one labeler-day and of one simulated day (calendar, daily series), in tasks.
LABELER_DAY_COST = 25.0
DAY_COST = 300.0


@dataclass(frozen=True)
class Workload:
    """What one run of a scenario simulates: expected tasks, labeler-days and days."""

    tasks: float
    labeler_days: float
    days: float

    @property
    def work(self) -> float:
        """Task-equivalents of one run."""
        return self.tasks + LABELER_DAY_COST * self.labeler_days + DAY_COST * self.days

    @property
    def dominant(self) -> Dimension:
        """The dimension that costs the most in this run."""
        parts: dict[Dimension, float] = {
            "tasks": self.tasks,
            "labelers": LABELER_DAY_COST * self.labeler_days,
            "days": DAY_COST * self.days,
        }
        return max(parts, key=lambda name: _finite_or_inf(parts[name]))


def _finite_or_inf(value: float) -> float:
    return value if math.isfinite(value) else math.inf


def expected_tasks(scenario: Scenario, days: int | None = None) -> float:
    """Tasks expected to arrive over the first ``days`` days (default: the horizon)."""
    days = scenario.horizon_days if days is None else max(0, min(days, scenario.horizon_days))
    demand = scenario.demand
    if demand.model == "trace" and demand.trace:
        trace = np.asarray(demand.trace, dtype=np.float64)
        # A trace shorter than the horizon is assumed to continue at its mean.
        covered = trace[:days]
        return float(covered.sum() + trace.mean() * max(0, days - covered.size))
    # The pattern's expected volumes; other demand plugins are read by their base rate the same way.
    return float(pattern_volumes(demand, days).sum())


def _people(scenario: Scenario) -> float:
    people = sum(p.headcount.production + p.headcount.training + p.headcount.hiring for p in scenario.workforce)
    hires = scenario.staffing.params.get("hires", ()) if scenario.staffing.model == "scheduled" else ()
    for hire in hires if isinstance(hires, list | tuple) else ():
        if isinstance(hire, Mapping):
            people += max(0, int(hire.get("count", 0)))
    return float(people)


def workload(scenario: Scenario) -> Workload:
    """The size of one run of ``scenario``."""
    days = float(scenario.horizon_days)
    return Workload(tasks=expected_tasks(scenario), labeler_days=_people(scenario) * days, days=days)


_WHAT: dict[Dimension, str] = {"tasks": "tasks", "labelers": "labeler-days", "days": "days"}


Fields = Mapping[Dimension, tuple[Path, Any]]
"""Per dimension, the input field (and its value) a client changes to shrink it."""


def check_budget(runs: Sequence[tuple[Workload, int, Fields]], budget: float) -> None:
    """Refuse ``runs`` (a workload, how many runs of it, its fields) over ``budget`` task-equivalents in all.

    The error names the field behind the dominant dimension of the heaviest workload.
    """
    total = sum(load.work * count for load, count, _ in runs)
    if math.isfinite(total) and total <= budget:
        return
    heaviest, count, fields = max(runs, key=lambda item: _finite_or_inf(item[0].work * item[1]))
    dimension = heaviest.dominant
    field, value = fields[dimension]
    amount = {"tasks": heaviest.tasks, "labelers": heaviest.labeler_days, "days": heaviest.days}[dimension]
    raise ValidationFailed(
        field,
        value,
        f"makes this request simulate about {total:.3g} task-equivalents ({count} runs of {amount:.3g} "
        f"{_WHAT[dimension]} each), over the server's simulation budget of {budget:.3g}: lower the demand, "
        "the head count, the horizon or the replications",
    )
