"""Demand plugin ``trace``: replays recorded per-day task counts (``demand.trace``).

Its one parameter, ``at_start`` (default 0), is how many of the first day's tasks are there at hour 0 rather than
spread over the day: a queue open when the run starts (a forecast from a cut), which labelers take from their
first shift on.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.arrivals import place_arrivals, within_run_size
from simulator.scenario import Calendar, Demand, ScenarioError

__all__ = ["TraceDemand"]


class TraceDemand:
    """Day ``d`` gets exactly ``round(trace[d])`` tasks (none past the end of the trace), spread uniformly
    over the arrival window, but for the first ``at_start`` of day 0's, queued at hour 0; spikes multiply the
    recorded counts."""

    def __init__(self, at_start: int = 0) -> None:
        if isinstance(at_start, bool) or not isinstance(at_start, int | np.integer) or at_start < 0:
            raise ValueError(f"at_start must be a whole number of tasks >= 0, got {at_start!r}")
        self.at_start = int(at_start)

    def arrivals(
        self, demand: Demand, calendar: Calendar, horizon_days: int, rng: np.random.Generator
    ) -> npt.NDArray[np.float64]:
        if not demand.trace:
            raise ScenarioError(
                "demand.trace must list per-day counts for the trace model, got []", path=("demand", "trace")
            )
        counts = np.zeros(horizon_days, dtype=np.float64)
        recorded = np.asarray(demand.trace[:horizon_days], dtype=np.float64)
        counts[: recorded.size] = recorded
        days = np.arange(horizon_days, dtype=np.float64)
        for spike in demand.spikes:
            inside = (days + 1.0 > spike.start_day) & (days < spike.start_day + spike.duration_days)
            counts = np.where(inside, counts * spike.multiplier, counts)
        whole = np.rint(within_run_size(counts)).astype(np.int64)
        # The waiting tasks are some of the first day's (never more than it holds), placed at its hour 0.
        waiting = min(self.at_start, int(whole[0])) if horizon_days else 0
        whole[:1] -= waiting
        placed = place_arrivals(whole, calendar, demand.arrival_window, rng)
        return np.concatenate((np.zeros(waiting), placed)) if waiting else placed
