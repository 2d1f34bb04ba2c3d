"""Demand plugin ``pattern``: base volume with trend, weekly seasonality, a plan of weekly volumes and named
launches (:mod:`simulator.demand_plan`) and spikes; Poisson daily counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.arrivals import pattern_volumes, place_arrivals, within_run_size
from simulator.demand_plan import demand_plan
from simulator.scenario import Calendar, Demand

__all__ = ["PatternDemand"]


class PatternDemand:
    """Each day's count is Poisson with the pattern's expected volume; arrivals are uniform in the window,
    which makes a Poisson process with a piecewise-constant rate.

    Its params are the demand plan: ``weekly_volumes``, ``launches`` and ``start_date``, checked when the plugin
    is built so a bad plan is refused before any replication runs.
    """

    def __init__(
        self,
        weekly_volumes: Sequence[float] = (),
        launches: Sequence[Mapping[str, Any]] = (),
        start_date: str | None = None,
    ) -> None:
        params: dict[str, Any] = {"weekly_volumes": weekly_volumes, "launches": launches}
        if start_date is not None:
            params["start_date"] = start_date
        demand_plan(Demand(params=params))

    def arrivals(
        self, demand: Demand, calendar: Calendar, horizon_days: int, rng: np.random.Generator
    ) -> npt.NDArray[np.float64]:
        counts = rng.poisson(within_run_size(pattern_volumes(demand, horizon_days)))
        return place_arrivals(counts, calendar, demand.arrival_window, rng)
