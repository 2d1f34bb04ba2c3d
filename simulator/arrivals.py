"""Arrival helpers shared by demand plugins: expected daily volumes and placing arrivals within days."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.demand_plan import demand_plan, planned_volumes
from simulator.scenario import Calendar, Demand, ScenarioError

__all__ = ["MAX_TASKS_PER_RUN", "pattern_volumes", "place_arrivals", "within_run_size"]

#: Most tasks one replication may draw: each is kept in memory (about 100 bytes, several arrays), so a weekly factor,
#: trend or spike that multiplies a plausible base into billions is refused before anything is allocated.
MAX_TASKS_PER_RUN = 50_000_000


def within_run_size(volumes: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``volumes`` (expected tasks per day) when a replication can hold them, else a ScenarioError on ``demand``."""
    total = float(np.sum(volumes))
    if not np.isfinite(total) or total > MAX_TASKS_PER_RUN:
        raise ScenarioError(
            f"demand asks for {total:.3g} tasks over {volumes.size} days; a run holds at most "
            f"{MAX_TASKS_PER_RUN:,} (check base_per_day, weekly, trend_per_week, spikes and the plan)",
            path=("demand",),
        )
    return volumes


def pattern_volumes(demand: Demand, horizon_days: int) -> npt.NDArray[np.float64]:
    """Expected tasks per day: base, linear trend, weekly factors (Monday first), the planned weeks and launches
    in ``demand.params`` (:mod:`simulator.demand_plan`), then spike multipliers."""
    days = np.arange(horizon_days, dtype=np.float64)
    trend = np.maximum(0.0, 1.0 + demand.trend_per_week * days / 7.0)
    weekly = np.asarray(demand.weekly, dtype=np.float64)[np.arange(horizon_days) % 7]
    volume = demand.base_per_day * trend * weekly
    plan = demand_plan(demand)
    if not plan.empty:
        volume = planned_volumes(plan, demand.weekly, volume)
    for spike in demand.spikes:
        # A day is in the spike when it overlaps [start, start + duration).
        inside = (days + 1.0 > spike.start_day) & (days < spike.start_day + spike.duration_days)
        volume = np.where(inside, volume * spike.multiplier, volume)
    return volume


def place_arrivals(
    counts: npt.NDArray[np.int64], calendar: Calendar, window: str, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Sorted arrival hours: ``counts[d]`` arrivals uniform over day ``d``'s window ("day" or "shift")."""
    counts = np.asarray(counts, dtype=np.int64)
    horizon = counts.size * 24.0
    if window == "shift":
        start, length = calendar.start_hour, calendar.hours_per_day
    else:
        start, length = 0.0, 24.0
    # (day * 24 + start) + u * length, computed in place: millions of values, and fresh memory is not free.
    times = np.repeat(np.arange(counts.size, dtype=np.float64) * 24.0 + start, counts)
    offsets = rng.random(times.size)
    offsets *= length
    times += offsets
    del offsets
    _sort_by_day(times, counts)
    # A shift running past midnight of the last day would spill beyond the horizon.
    inside = int(np.searchsorted(times, horizon, side="left"))
    return times if inside == times.size else times[:inside].copy()


def _sort_by_day(times: npt.NDArray[np.float64], counts: npt.NDArray[np.int64]) -> None:
    """Sort ``times`` in place, given ``counts[d]`` consecutive values drawn inside day ``d``'s window.

    Each day's window opens 24 hours after the day before's and lasts at most 24 hours, so sorting each day's
    slice sorts the whole: the same array as one sort, in about half the time (slices of thousands of values
    sort in cache). Should rounding ever put a value past the next day's first one, one sort of everything puts
    it right."""
    ends = np.cumsum(counts)
    lo = 0
    for hi in ends.tolist():
        times[lo:hi].sort()
        lo = hi
    seams = ends[(ends > 0) & (ends < times.size)]
    if np.any(times[seams - 1] > times[seams]):
        times.sort()
