"""Demand plugin ``trace``: replays recorded per-day task counts (``demand.trace``)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.arrivals import place_arrivals
from simulator.scenario import Calendar, Demand, ScenarioError

__all__ = ["TraceDemand"]


class TraceDemand:
    """Day ``d`` gets exactly ``round(trace[d])`` tasks (none past the end of the trace), spread uniformly
    over the arrival window; spikes multiply the recorded counts."""

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
        return place_arrivals(np.rint(counts).astype(np.int64), calendar, demand.arrival_window, rng)
