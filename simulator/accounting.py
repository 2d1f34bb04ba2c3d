"""Accounting: turns per-job outcomes and the engine's daily records into a :class:`SimulationResult`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from simulator.flow import FlowOutputs
from simulator.interfaces import CostBreakdown, PoolUsage
from simulator.latency import sample_new, sample_review_paths, waits_latency
from simulator.registry import Models, call_plugin
from simulator.results import DailySeries, RunSummary, SimulationResult, TaskRecords
from simulator.scenario import Scenario, ScenarioError, Waits
from simulator.stages import StageFigures

__all__ = ["DayRecord", "PoolDay", "assemble_result"]


@dataclass(frozen=True)
class PoolDay:
    """One pool on one day: headcount at the day's end, hours, labels, and hires/trainees/departures."""

    production: int
    training: int
    hiring: int
    paid_hours: float
    duty_hours: float
    busy_hours: float
    labels: float
    hires: int
    trainees: int
    departures: int


@dataclass(frozen=True)
class DayRecord:
    """What the engine records at the end of each day."""

    pools: tuple[PoolDay, ...]
    reviewer_hours: float
    review_busy_hours: float
    reviews: int
    thumbs_down: int
    waiting: int
    jobs_arrived: int
    sla_signal: float


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


# Day d covers hours [24 d, 24 d + 24); anything past the last day's start counts on the last day. Hours are
# small non-negative floats, so 24 d is exact and `hours // 24` is the exact floor: both helpers below give
# what np.minimum(hours // 24, n_days - 1) would, without the slow float floor division over millions of tasks.


_BLOCK = 1 << 16


def _day_bounds(n_days: int) -> np.ndarray:
    return np.arange(1, n_days, dtype=np.float64) * 24.0


def _counts_per_day_sorted(hours: np.ndarray, n_days: int) -> np.ndarray:
    """Tasks per day for hours sorted ascending: binary search of each day's end."""
    ends = np.searchsorted(hours, _day_bounds(n_days), side="left")
    return np.diff(ends, prepend=0, append=hours.size)


def _counts_per_day(hours: np.ndarray, n_days: int) -> np.ndarray:
    """Finite hours per day, in blocks: a few temporaries of millions of values cost more than the arithmetic."""
    counts = np.zeros(n_days, dtype=np.int64)
    for lo in range(0, hours.size, _BLOCK):
        block = hours[lo : lo + _BLOCK]
        counts += np.bincount(_day_index(block[np.isfinite(block)], n_days), minlength=n_days)
    return counts


def _day_index(hours: np.ndarray, n_days: int) -> np.ndarray:
    """Day of each hour value (>= 0): the rounded product by 1/24, corrected where it lands on the wrong side
    of a day boundary."""
    day = (hours * (1.0 / 24.0)).astype(np.int64)
    edge = day * 24.0
    day -= edge > hours
    day += edge + 24.0 <= hours
    return np.minimum(day, n_days - 1, out=day)


def _safe(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def _checked(cost: CostBreakdown, what: str) -> CostBreakdown:
    for name in ("labor", "vendor_fees", "hiring", "training"):
        value = getattr(cost, name, None)
        if isinstance(value, bool) or not isinstance(value, int | float | np.number) or not value >= 0.0:
            raise ScenarioError(
                f"cost model returned {name} = {value!r} for {what}; costs must be >= 0", path=("costs", "model")
            )
    return cost


def _with_waits(
    waits: Waits,
    done: np.ndarray,
    arrival: np.ndarray,
    first_job: np.ndarray | None,
    label_end: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Acceptance hours with the recorded waits (see :class:`~simulator.scenario.Waits`): each label no earlier
    than its simulated submission plus a drawn review path, and with ``labeling_from_records`` the task no
    earlier than its arrival plus a drawn wait path from arrival."""
    n_jobs = label_end.size
    required = np.ones(arrival.size, dtype=np.int64) if first_job is None else np.diff(np.append(first_job, n_jobs))
    fit = waits_latency(waits)
    if waits.labeling_from_records:
        floor = arrival + sample_new(fit, required, rng) * 24.0
    else:
        job_floor = label_end + sample_review_paths(fit, rng, n_jobs) * 24.0
        floor = job_floor if first_job is None else np.maximum.reduceat(job_floor, first_job)
    # A task accepted in the simulation had every label submitted, so its floor is a number.
    return np.where(np.isfinite(done), np.fmax(done, floor), done)


def assemble_result(
    *,
    scenario: Scenario,
    models: Models,
    flow: str,
    days: Sequence[DayRecord],
    outputs: FlowOutputs,
    task_arrival: np.ndarray,
    task_project: np.ndarray,
    first_job: np.ndarray | None,
    busy_total: float,
    keep_tasks: bool,
    stages: dict[str, StageFigures] | None = None,
    waits_rng: np.random.Generator | None = None,
) -> SimulationResult:
    n_days = scenario.horizon_days
    horizon = scenario.horizon_hours
    n_tasks = task_arrival.size
    # Tasks: consensus copies sit next to each other; a task is done when its last copy is accepted.
    if first_job is None:
        start, done, labeler = outputs.start, outputs.done, outputs.labeler  # one job per task
    elif n_tasks:
        start = outputs.start[first_job]
        done = np.maximum.reduceat(outputs.done, first_job)
        labeler = outputs.labeler[first_job]
    else:
        start = done = np.empty(0)
        labeler = np.empty(0, dtype=np.int64)
    if scenario.waits is not None and waits_rng is not None and n_tasks:
        done = _with_waits(scenario.waits, done, task_arrival, first_job, outputs.label_end, waits_rng)
    done = np.where(done <= horizon, done, np.inf)
    completed = np.isfinite(done)
    # Arrivals are sorted (the engine checks), so their deadlines are too: days are binary searches.
    arrivals = _counts_per_day_sorted(task_arrival, n_days).astype(np.float64)
    completions = _counts_per_day(done, n_days).astype(np.float64)
    backlog = np.cumsum(arrivals) - np.cumsum(completions)

    target = scenario.sla.turnaround_hours
    deadline = task_arrival + target
    n_eligible = int(np.searchsorted(deadline, horizon, side="right"))  # deadline <= horizon
    met = done[:n_eligible] <= deadline[:n_eligible]
    eligible_daily = _counts_per_day_sorted(deadline[:n_eligible], n_days).astype(np.float64)
    day_ends = np.cumsum(eligible_daily.astype(np.int64)).tolist()
    met_daily = np.array(
        [np.count_nonzero(met[lo:hi]) for lo, hi in zip([0, *day_ends[:-1]], day_ends, strict=True)], dtype=np.float64
    )

    turnaround = (done - task_arrival)[completed]
    turnaround_mean = float(turnaround.mean()) if turnaround.size else math.nan
    # One partition for both quantiles, in place (the mean is taken): sorting two million turnarounds twice,
    # or copying them first, is a visible share of a run.
    p50, p90 = (
        (float(q) for q in np.percentile(turnaround, [50, 90], overwrite_input=True))
        if turnaround.size
        else (math.nan, math.nan)
    )
    waits = (start - task_arrival)[~np.isnan(start)]

    # Costs per day, from the cost plugin.
    daily_cost = np.zeros(n_days)
    components = {"labor": 0.0, "vendor_fees": 0.0, "hiring": 0.0, "training": 0.0}
    for day, record in enumerate(days):
        costs = [
            _checked(
                call_plugin(
                    "costs",
                    scenario.costs.model,
                    models.cost.pool_cost,
                    PoolUsage(
                        pool=pool,
                        day=day,
                        paid_hours=record_pool.paid_hours,
                        production_hours=record_pool.duty_hours,
                        labels=record_pool.labels,
                        hires=record_pool.hires,
                        trainees=record_pool.trainees,
                    ),
                ),
                f"pool {pool.name!r} on day {day}",
            )
            for pool, record_pool in zip(scenario.workforce, record.pools, strict=True)
        ]
        reviewer_hours = record.review_busy_hours if scenario.review.paid_for == "reviewing" else record.reviewer_hours
        review_cost = call_plugin(
            "costs", scenario.costs.model, models.cost.review_cost, scenario.review, reviewer_hours
        )
        costs.append(_checked(review_cost, "review"))
        for cost in costs:
            for name in components:
                components[name] += getattr(cost, name)
        daily_cost[day] = sum(cost.total for cost in costs)

    def per_pool(attr: str) -> np.ndarray:
        return np.array([[getattr(p, attr) for p in d.pools] for d in days], dtype=np.float64).reshape(
            len(days), len(scenario.workforce)
        )

    production = per_pool("production")
    busy = per_pool("busy_hours").sum(axis=1)
    labels = per_pool("labels").sum(axis=1)
    duty = per_pool("duty_hours").sum(axis=1)
    reviews = np.array([d.reviews for d in days], dtype=np.float64)
    thumbs_down = np.array([d.thumbs_down for d in days], dtype=np.float64)
    by_vendor: dict[str, np.ndarray] = {}
    for i, pool in enumerate(scenario.workforce):
        by_vendor[pool.vendor] = by_vendor.get(pool.vendor, np.zeros(len(days))) + production[:, i]
    daily = DailySeries(
        day=np.arange(n_days, dtype=np.float64),
        arrivals=arrivals,
        completed=completions,
        backlog=backlog,
        headcount={
            "hiring": per_pool("hiring").sum(axis=1),
            "training": per_pool("training").sum(axis=1),
            "production": production.sum(axis=1),
        },
        headcount_by_vendor=by_vendor,
        headcount_by_pool={pool.name: production[:, i] for i, pool in enumerate(scenario.workforce)},
        labels=labels,
        utilization=_ratio(busy, duty),
        minutes_per_label=_ratio(busy * 60.0, labels),
        sla_due=eligible_daily,
        sla_on_time=met_daily,
        sla_attainment=_ratio(met_daily, eligible_daily),
        accepted_share=_ratio(reviews - thumbs_down, reviews),
        cost=daily_cost,
        cumulative_cost=np.cumsum(daily_cost),
    )
    total_cost = float(daily_cost.sum())
    n_completed = float(completed.sum())
    backlog_end = float(n_tasks - n_completed)
    total_reviews = float(reviews.sum())
    summary = RunSummary(
        tasks_arrived=float(n_tasks),
        tasks_completed=n_completed,
        backlog_end=backlog_end,
        sla_attainment=_safe(float(np.count_nonzero(met)), float(n_eligible)),
        turnaround_mean_hours=turnaround_mean,
        turnaround_p50_hours=p50,
        turnaround_p90_hours=p90,
        mean_wait_hours=float(waits.mean()) if waits.size else math.nan,
        completion_day=(float(done[completed].max()) / 24.0 if backlog_end == 0 and n_completed > 0 else math.nan),
        total_cost=total_cost,
        labor_cost=components["labor"],
        vendor_fees=components["vendor_fees"],
        hiring_cost=components["hiring"],
        training_cost=components["training"],
        cost_per_accepted_label=_safe(total_cost, n_completed),
        labels_produced=float(labels.sum()),
        reviews=total_reviews,
        accepted_share=_safe(total_reviews - float(thumbs_down.sum()), total_reviews),
        mean_minutes_per_label=_safe(float(busy.sum()) * 60.0, float(labels.sum())),
        mean_headcount_production=float(production.sum(axis=1).mean()) if days else math.nan,
        final_headcount_production=float(production[-1].sum()) if days else math.nan,
        hires=float(per_pool("hires").sum()),
        departures=float(per_pool("departures").sum()),
        utilization=_safe(busy_total, float(duty.sum())),
        **{
            f"{stage}_{name}": value
            for stage, figures in (stages or {}).items()
            for name, value in asdict(figures).items()
        },
    )
    tasks = (
        TaskRecords(
            arrival_hour=task_arrival.copy(),
            start_hour=start.copy(),
            finish_hour=done.copy(),
            labeler=labeler.copy(),
            project=task_project.copy(),
        )
        if keep_tasks
        else None
    )
    return SimulationResult(
        scenario_name=scenario.name, flow=flow, horizon_days=n_days, summary=summary, daily=daily, tasks=tasks
    )
