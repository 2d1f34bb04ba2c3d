"""Cheapest plan search: the hiring plan that meets the SLA with a required probability at the lowest cost.

A plan says how many people each vendor pool hires and when (a schedule for the ``scheduled`` staffing plugin).
The search enumerates the candidate plans an :class:`HiringOption` per pool allows, *screens* every candidate with
a few replications, keeps those whose SLA probability could still reach the requirement (Wilson upper bound),
and *confirms* the cheapest of them with more replications. Every plan is evaluated on the same replication
seeds (child ``i`` of ``SeedSequence(seed)``), so the comparison between plans is made with common random
numbers: the same arrivals and the same people, differing only in the plan. Screening replications are the
first confirmation replications, so confirming only adds runs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.feasibility import Hire, feasibility_replication, wilson_interval, with_hires
from simulator.scenario import Scenario, ScenarioError

__all__ = [
    "HiringOption",
    "Plan",
    "PlanEvaluation",
    "PlanSearchResult",
    "candidate_plans",
    "cheapest_plan",
    "evaluate_plan",
]

Progress = Callable[[int, int], None]


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
            raise ScenarioError(
                f"options[{self.pool}].counts must list at least one count, got {list(counts)!r}",
                path=f"options[{self.pool}].counts",
            )
        for count in counts:
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ScenarioError(
                    f"options[{self.pool}].counts must hold integers >= 0, got {list(counts)!r}",
                    path=f"options[{self.pool}].counts",
                )
        if not days or any(not math.isfinite(d) or d < 0 for d in days):
            raise ScenarioError(
                f"options[{self.pool}].days must hold days >= 0, got {list(days)!r}", path=f"options[{self.pool}].days"
            )


@dataclass(frozen=True, order=True)
class Plan:
    """A hiring plan: hires per pool and day (pools hiring nobody are left out)."""

    hires: tuple[Hire, ...]

    def describe(self) -> str:
        if not self.hires:
            return "hire nobody"
        return ", ".join(f"{h.count} at {h.pool} on day {h.day:g}" for h in self.hires)


def candidate_plans(options: Sequence[HiringOption]) -> list[Plan]:
    """Every combination of one (count, day) per pool; a count of 0 is one choice whatever the day."""
    per_pool: list[list[Hire | None]] = []
    for option in options:
        choices: list[Hire | None] = []
        for count in sorted(set(option.counts)):
            if count == 0:
                choices.append(None)
            else:
                choices.extend(Hire(option.pool, day, count) for day in sorted(set(option.days)))
        per_pool.append(choices)
    plans = []
    for combination in itertools.product(*per_pool):
        plans.append(Plan(tuple(h for h in combination if h is not None)))
    return plans


@dataclass(frozen=True)
class PlanEvaluation:
    """A plan's estimates over ``replications`` runs: SLA probability (Wilson CI), attainment and cost."""

    plan: Plan
    replications: int
    probability: float
    probability_low: float
    probability_high: float
    sla_attainment: float
    sla_attainment_ci: tuple[float, float]
    expected_cost: float
    cost_ci: tuple[float, float]

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


def _replicate(scenario: Scenario, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
    """(met, attainment, cost) per replication, as a (n, 3) array; runs in a worker process when asked."""
    rows = []
    for seed in seeds:
        summary = feasibility_replication(scenario, seed).summary
        rows.append((summary["sla_met"], summary["sla_attainment"], summary["total_cost"]))
    return np.array(rows, dtype=float).reshape(-1, 3)


def _evaluation(plan: Plan, rows: np.ndarray) -> PlanEvaluation:
    n = rows.shape[0]
    successes = int(rows[:, 0].sum())
    low, high = wilson_interval(successes, n)
    attainment, attainment_ci = _mean_ci(rows[:, 1])
    cost, cost_ci = _mean_ci(rows[:, 2])
    return PlanEvaluation(plan, n, successes / n, low, high, attainment, attainment_ci, cost, cost_ci)


class _Evaluator:
    """Runs plans on replication seeds, remembering rows so confirmation reuses the screening runs."""

    def __init__(self, scenario: Scenario, seed: int, workers: int, progress: Progress | None) -> None:
        self.scenario = scenario
        self.seed = seed
        self.rows: dict[Plan, np.ndarray] = {}
        self.pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
        self.progress = progress

    def evaluate(self, plans: Sequence[Plan], replications: int, done: int, total: int) -> list[PlanEvaluation]:
        seeds = np.random.SeedSequence(self.seed).spawn(replications)
        jobs: list[tuple[Plan, np.ndarray, Any]] = []
        for plan in plans:
            have = self.rows.get(plan, np.empty((0, 3)))
            missing = seeds[have.shape[0] :]
            scenario = with_hires(self.scenario, plan.hires)
            if self.pool is not None and missing:
                jobs.append((plan, have, self.pool.submit(_replicate, scenario, missing)))
            else:
                jobs.append((plan, have, _replicate(scenario, missing) if missing else np.empty((0, 3))))
        out = []
        for plan, have, job in jobs:
            new = job if isinstance(job, np.ndarray) else job.result()
            rows = np.vstack([have, new])
            self.rows[plan] = rows
            out.append(_evaluation(plan, rows))
            done += 1
            if self.progress is not None:
                self.progress(done, total)
        return out

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def evaluate_plan(scenario: Scenario, plan: Plan, *, replications: int, seed: int = 0) -> PlanEvaluation:
    """One plan's estimates on ``replications`` runs seeded like the search seeds them."""
    seeds = np.random.SeedSequence(seed).spawn(replications)
    return _evaluation(plan, _replicate(with_hires(scenario, plan.hires), seeds))


@dataclass(frozen=True)
class PlanSearchResult:
    """The cheapest plan meeting the requirement (or the most reliable one when none does) and the runner-ups."""

    best: PlanEvaluation
    feasible: bool
    runner_ups: tuple[PlanEvaluation, ...]
    candidates: int
    screened_out: int
    required_probability: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "best": self.best.to_dict(),
            "feasible": self.feasible,
            "runner_ups": [r.to_dict() for r in self.runner_ups],
            "candidates": self.candidates,
            "screened_out": self.screened_out,
            "required_probability": self.required_probability,
        }


def cheapest_plan(
    scenario: Scenario,
    options: Sequence[HiringOption],
    *,
    required_probability: float = 0.9,
    screen_replications: int = 8,
    confirm_replications: int = 32,
    finalists: int = 4,
    seed: int = 0,
    workers: int = 1,
    max_candidates: int = 400,
    progress: Progress | None = None,
) -> PlanSearchResult:
    """Search the cheapest hiring plan meeting the SLA with ``required_probability``.

    Screening keeps plans whose Wilson upper bound reaches the requirement, ranks them by expected cost and
    confirms the ``finalists`` cheapest with ``confirm_replications`` runs. The best is the cheapest confirmed
    plan whose estimated probability reaches the requirement; when none does, the plan with the highest
    probability (cheapest among ties) is returned with ``feasible=False``.
    """
    if not 0.0 < required_probability <= 1.0:
        raise ScenarioError(f"required_probability must be in (0, 1], got {required_probability!r}")
    if not 1 <= screen_replications <= confirm_replications:
        raise ScenarioError(
            f"screen_replications must be between 1 and confirm_replications ({confirm_replications}), "
            f"got {screen_replications!r}"
        )
    if finalists < 1:
        raise ScenarioError(f"finalists must be >= 1, got {finalists!r}")
    pool_names = {pool.name for pool in scenario.workforce}
    for option in options:
        if option.pool not in pool_names:
            raise ScenarioError(f"options[].pool must name a workforce pool, got {option.pool!r}")
    plans = candidate_plans(options)
    if len(plans) > max_candidates:
        raise ScenarioError(f"options allow {len(plans)} plans; narrow them to at most {max_candidates}")
    evaluator = _Evaluator(scenario, seed, workers, progress)
    try:
        total = len(plans) + finalists
        screened = evaluator.evaluate(plans, screen_replications, 0, total)
        plausible = [e for e in screened if e.probability_high >= required_probability]
        pool = plausible or screened
        # Cheapest first; with no plausible plan, most reliable first.
        if plausible:
            pool.sort(key=lambda e: (e.expected_cost, e.plan))
        else:
            pool.sort(key=lambda e: (-e.probability, -e.sla_attainment, e.expected_cost, e.plan))
        chosen = [e.plan for e in pool[:finalists]]
        confirmed = evaluator.evaluate(chosen, confirm_replications, len(plans), len(plans) + len(chosen))
    finally:
        evaluator.close()
    meeting = sorted((e for e in confirmed if e.meets(required_probability)), key=lambda e: (e.expected_cost, e.plan))
    if meeting:
        best = meeting[0]
        others = [e for e in confirmed if e is not best]
        others.sort(key=lambda e: (not e.meets(required_probability), e.expected_cost, e.plan))
        return PlanSearchResult(
            best, True, tuple(others), len(plans), len(plans) - len(plausible), required_probability
        )
    ranked = sorted(confirmed, key=lambda e: (-e.probability, -e.sla_attainment, e.expected_cost, e.plan))
    return PlanSearchResult(
        ranked[0], False, tuple(ranked[1:]), len(plans), len(plans) - len(plausible), required_probability
    )
