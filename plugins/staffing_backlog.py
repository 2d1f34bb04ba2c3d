"""Staffing plugin ``backlog``: hire when the observed backlog or demand outgrows the workforce.

Every ``interval_days`` the policy looks at data ``lag_days`` old: the labelers needed to serve recent demand
plus those needed to clear the backlog above ``target_backlog_days`` of demand within ``clear_days``, minus
everyone already producing, training or being hired.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from plugins._params import at_least, positive, whole
from plugins._staffing import choose_pool, observed, recent_mean
from simulator.interfaces import StaffingState

__all__ = ["BacklogStaffing"]


class BacklogStaffing:
    def __init__(
        self,
        target_backlog_days: float = 1.0,
        clear_days: float = 14.0,
        lag_days: float = 1.0,
        interval_days: float = 7.0,
        window_days: int = 7,
        max_hires_per_decision: int = 20,
        pool: str | None = None,
    ) -> None:
        self.target_backlog_days = at_least("target_backlog_days", target_backlog_days, 0.0)
        self.clear_days = positive("clear_days", clear_days)
        self.lag_days = at_least("lag_days", lag_days, 0.0)
        self.interval_days = positive("interval_days", interval_days)
        self.window_days = whole("window_days", window_days, 1)
        self.max_hires = whole("max_hires_per_decision", max_hires_per_decision, 0)
        self.pool = pool

    def decide(self, state: StaffingState) -> Mapping[str, int]:
        backlog = observed(state.backlog, self.lag_days)
        arrivals = observed(state.arrivals, self.lag_days)
        if backlog.size == 0 or not math.isfinite(state.minutes_per_label) or state.labeler_hours_per_day <= 0:
            return {}
        demand = recent_mean(arrivals, self.window_days)
        hours_per_job = state.minutes_per_label / 60.0
        excess = max(0.0, float(backlog[-1]) - self.target_backlog_days * demand)
        needed = (demand + excess / self.clear_days) * hours_per_job / state.labeler_hours_per_day
        have = sum(p.production + p.training + p.hiring for p in state.pools)
        hires = min(self.max_hires, max(0, math.ceil(needed - have)))
        return {choose_pool(state, self.pool).name: hires} if hires else {}
