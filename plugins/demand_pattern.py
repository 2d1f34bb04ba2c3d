"""Demand plugin ``pattern``: base volume with trend, weekly seasonality and spikes; Poisson daily counts."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.arrivals import pattern_volumes, place_arrivals
from simulator.scenario import Calendar, Demand

__all__ = ["PatternDemand"]


class PatternDemand:
    """Each day's count is Poisson with the pattern's expected volume; arrivals are uniform in the window,
    which makes a Poisson process with a piecewise-constant rate."""

    def arrivals(
        self, demand: Demand, calendar: Calendar, horizon_days: int, rng: np.random.Generator
    ) -> npt.NDArray[np.float64]:
        counts = rng.poisson(pattern_volumes(demand, horizon_days))
        return place_arrivals(counts, calendar, demand.arrival_window, rng)
