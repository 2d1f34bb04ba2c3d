"""Hiring plans and their evaluation on common random numbers.

A :class:`Plan` says how many people each pool hires and when; :class:`HiringOption` says what a search may
choose for one pool. :class:`PlanEvaluator` runs plans on the replication seeds ``SeedSequence(seed).spawn(n)``:
every plan sees the same arrivals and the same people (common random numbers), so differences between plans come
from the plans, and asking for more replications of a plan only runs the ones it does not have yet.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.intervals import wilson_interval
from simulator.planning.feasibility import Hire, feasibility_replication, scheduled_hires, with_hires
from simulator.scenario import Key, Scenario, ScenarioError, invalid

__all__ = [
    "MAX_CHOICES",
    "MAX_HIRES_PER_POOL",
    "HiringOption",
    "Plan",
    "PlanEvaluation",
    "PlanEvaluator",
    "evaluate_plan",
]

Progress = Callable[[int, int], None]

#: A plan hires at most this many people into one pool: a bound on what one request may ask to simulate.
MAX_HIRES_PER_POOL = 1000
#: Distinct counts (and start days) one pool may offer the search.
MAX_CHOICES = 50


@dataclass(frozen=True)
class HiringOption:
    """What may be hired from one pool: candidate head counts and the days on which hiring may start."""

    pool: str
    counts: tuple[int, ...]
    days: tuple[float, ...] = (0.0,)

    def __post_init__(self) -> None:
        counts = tuple(self.counts)
        days = tuple(float(d) for d in self.days)
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "days", days)
        if not counts:
            raise invalid(("options", Key(self.pool), "counts"), "must list at least one count", list(counts))
        for count in counts:
            if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_HIRES_PER_POOL:
                raise invalid(
                    ("options", Key(self.pool), "counts"),
                    f"must hold integers between 0 and {MAX_HIRES_PER_POOL}",
                    list(counts),
                )
        if len(set(counts)) > MAX_CHOICES or len(set(days)) > MAX_CHOICES:
            raise ScenarioError(
                f"options[{self.pool}] may offer at most {MAX_CHOICES} counts and {MAX_CHOICES} days, "
                f"got {len(set(counts))} counts and {len(set(days))} days",
                path=("options", Key(self.pool), "counts"),
            )
        if not days or any(not math.isfinite(d) or d < 0 for d in days):
            raise invalid(("options", Key(self.pool), "days"), "must hold days >= 0", list(days))

    @property
    def levels(self) -> tuple[int, ...]:
        """The distinct counts, smallest first."""
        return tuple(sorted(set(self.counts)))

    @property
    def start_days(self) -> tuple[float, ...]:
        """The distinct start days, earliest first."""
        return tuple(sorted(set(self.days)))

    def choices(self) -> int:
        """How many (count, day) choices this pool has; a count of 0 is one choice whatever the day."""
        return sum(1 if count == 0 else len(self.start_days) for count in self.levels)


@dataclass(frozen=True, order=True)
class Plan:
    """A hiring plan: hires per pool and day (pools hiring nobody are left out), plus reviewers when sized."""

    hires: tuple[Hire, ...]

    def describe(self) -> str:
        if not self.hires:
            return "hire nobody"
        return ", ".join(f"{h.count} at {h.pool} on day {h.day:g}" for h in self.hires)


@dataclass(frozen=True)
class PlanEvaluation:
    """A plan's estimates over ``replications`` runs: SLA probability (Wilson CI), attainment and cost.

    ``weekly_probability`` is the share of replications meeting the SLA in each week (week 1 first).
    """

    plan: Plan
    replications: int
    probability: float
    probability_low: float
    probability_high: float
    sla_attainment: float
    sla_attainment_ci: tuple[float, float]
    expected_cost: float
    cost_ci: tuple[float, float]
    weekly_probability: tuple[float, ...] = ()

    def meets(self, required_probability: float) -> bool:
        return self.probability >= required_probability

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": [{"pool": h.pool, "day": h.day, "count": h.count} for h in self.plan.hires],
            "description": self.plan.describe(),
            "replications": self.replications,
            "probability": self.probability,
            "probability_ci": [self.probability_low, self.probability_high],
            "sla_attainment": self.sla_attainment,
            "sla_attainment_ci": list(self.sla_attainment_ci),
            "expected_cost": self.expected_cost,
            "cost_ci": list(self.cost_ci),
            "weekly_probability": list(self.weekly_probability),
        }


def _mean_ci(values: np.ndarray) -> tuple[float, tuple[float, float]]:
    from scipy import stats

    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return math.nan, (math.nan, math.nan)
    mean = float(finite.mean())
    if finite.size < 2:
        return mean, (mean, mean)
    half = float(stats.t.ppf(0.975, finite.size - 1)) * float(finite.std(ddof=1)) / math.sqrt(finite.size)
    return mean, (mean - half, mean + half)


def _replicate(scenario: Scenario, seeds: Sequence[np.random.SeedSequence]) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: (met, attainment, cost) rows and the weekly met flags; runs in a worker when asked."""
    rows = []
    weeks = []
    for seed in seeds:
        replication = feasibility_replication(scenario, seed)
        summary = replication.summary
        rows.append((summary["sla_met"], summary["sla_attainment"], summary["total_cost"]))
        weeks.append(np.asarray(replication.daily["week_met"], dtype=float))
    width = max((w.size for w in weeks), default=0)
    return np.array(rows, dtype=float).reshape(-1, 3), np.array(weeks, dtype=float).reshape(-1, width)


def _evaluation(plan: Plan, rows: np.ndarray, weekly: np.ndarray) -> PlanEvaluation:
    n = rows.shape[0]
    successes = int(rows[:, 0].sum())
    low, high = wilson_interval(successes, n)
    attainment, attainment_ci = _mean_ci(rows[:, 1])
    cost, cost_ci = _mean_ci(rows[:, 2])
    per_week = tuple(float(v) for v in weekly.mean(axis=0)) if weekly.size else ()
    return PlanEvaluation(plan, n, successes / n, low, high, attainment, attainment_ci, cost, cost_ci, per_week)


class PlanEvaluator:
    """Runs plans on the shared replication seeds, remembering every run so a plan is never simulated twice."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        *,
        workers: int = 1,
        progress: Progress | None = None,
        most_plans: int = 0,
    ) -> None:
        """``progress(plans simulated, most_plans)`` is called after each new plan; ``most_plans`` bounds them."""
        self.scenario = scenario
        # Hires the scenario already schedules (an offer's ramp) stay; a plan adds to them.
        self._planned = scheduled_hires(scenario)
        self.seed = seed
        self._rows: dict[Plan, tuple[np.ndarray, np.ndarray]] = {}
        self._seeds: list[np.random.SeedSequence] = []
        self._pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
        self._progress = progress
        self._most_plans = most_plans
        self.runs = 0

    def _seeds_for(self, replications: int) -> list[np.random.SeedSequence]:
        if len(self._seeds) < replications:
            # spawn(n) children are the first n children whatever n is, so growing the list keeps earlier seeds.
            self._seeds = np.random.SeedSequence(self.seed).spawn(replications)
        return self._seeds[:replications]

    @property
    def plans(self) -> int:
        """How many distinct plans have been simulated."""
        return len(self._rows)

    def evaluate(self, plans: Sequence[Plan], replications: int) -> list[PlanEvaluation]:
        """Each plan's estimates on the first ``replications`` seeds (plans in the order given)."""
        seeds = self._seeds_for(replications)
        jobs: list[tuple[Plan, Any]] = []
        for plan in plans:
            have = self._rows.get(plan)
            done = 0 if have is None else have[0].shape[0]
            missing = seeds[done:replications]
            if not missing:
                jobs.append((plan, None))
                continue
            scenario = with_hires(self.scenario, [*self._planned, *plan.hires])
            if self._pool is not None:
                jobs.append((plan, self._pool.submit(_replicate, scenario, missing)))
            else:
                jobs.append((plan, _replicate(scenario, missing)))
        out = []
        for plan, job in jobs:
            if job is not None:
                rows, weekly = job if isinstance(job, tuple) else job.result()
                self.runs += rows.shape[0]
                have = self._rows.get(plan)
                if have is not None:
                    rows = np.vstack([have[0], rows])
                    weekly = np.vstack([have[1], weekly])
                self._rows[plan] = (rows, weekly)
                if self._progress is not None:
                    self._progress(self.plans, max(self._most_plans, self.plans))
            rows, weekly = self._rows[plan]
            out.append(_evaluation(plan, rows[:replications], weekly[:replications]))
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def evaluate_plan(scenario: Scenario, plan: Plan, *, replications: int, seed: int = 0) -> PlanEvaluation:
    """One plan's estimates on ``replications`` runs seeded like the search seeds them."""
    evaluator = PlanEvaluator(scenario, seed)
    return evaluator.evaluate([plan], replications)[0]
