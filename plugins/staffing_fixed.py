"""Staffing plugin ``fixed``: keep the initial workforce; optionally replace people who leave."""

from __future__ import annotations

from collections.abc import Mapping

from plugins._params import positive
from simulator.interfaces import StaffingState

__all__ = ["FixedStaffing"]


class FixedStaffing:
    def __init__(self, replace_attrition: bool = False, interval_days: float = 7.0) -> None:
        if not isinstance(replace_attrition, bool):
            raise ValueError(f"replace_attrition must be true or false, got {replace_attrition!r}")
        self.replace_attrition = replace_attrition
        self.interval_days = positive("interval_days", interval_days) if replace_attrition else float("inf")

    def decide(self, state: StaffingState) -> Mapping[str, int]:
        if not self.replace_attrition:
            return {}
        return {
            pool.name: max(0, pool.initial_production - pool.production - pool.training - pool.hiring)
            for pool in state.pools
        }
