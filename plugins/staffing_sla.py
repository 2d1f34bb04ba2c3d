"""Staffing plugin ``sla``: hire a step of people when observed SLA attainment falls below the target."""

from __future__ import annotations

import math
from collections.abc import Mapping

from plugins._params import at_least, positive, whole
from plugins._staffing import choose_pool, observed, recent_mean
from simulator.interfaces import StaffingState

__all__ = ["SlaStaffing"]


class SlaStaffing:
    """Every ``interval_days``, if mean attainment over the last ``window_days`` (seen ``lag_days`` late) is
    below the SLA's required attainment and fewer than ``step`` people are in the pipeline, hire ``step``."""

    def __init__(
        self,
        step: int = 5,
        lag_days: float = 1.0,
        interval_days: float = 7.0,
        window_days: int = 7,
        pool: str | None = None,
    ) -> None:
        self.step = whole("step", step, 0)
        self.lag_days = at_least("lag_days", lag_days, 0.0)
        self.interval_days = positive("interval_days", interval_days)
        self.window_days = whole("window_days", window_days, 1)
        self.pool = pool

    def decide(self, state: StaffingState) -> Mapping[str, int]:
        attainment = recent_mean(observed(state.sla_attainment, self.lag_days), self.window_days)
        if math.isnan(attainment) or attainment >= state.sla.required_attainment:
            return {}
        pipeline = sum(p.training + p.hiring for p in state.pools)
        if pipeline >= self.step:
            return {}
        return {choose_pool(state, self.pool).name: self.step}
