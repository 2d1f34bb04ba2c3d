"""Staffing plugin ``scheduled``: hires planned in advance, e.g. ``hires = [{day = 14, pool = "a", count = 5}]``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from plugins._params import at_least
from simulator.interfaces import StaffingState

__all__ = ["ScheduledStaffing"]


class ScheduledStaffing:
    interval_days = 1.0

    def __init__(self, hires: Sequence[Mapping[str, Any]] = ()) -> None:
        plan: list[tuple[float, str, int]] = []
        for i, item in enumerate(hires):
            if not isinstance(item, Mapping) or set(item) - {"day", "pool", "count"} or "pool" not in item:
                raise ValueError(f"hires[{i}] must be a table with day, pool and count, got {item!r}")
            count = item.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"hires[{i}].count must be an integer >= 0, got {count!r}")
            pool = item["pool"]
            if not isinstance(pool, str) or not pool.strip():
                raise ValueError(f"hires[{i}].pool must be a pool's name, got {pool!r}")
            plan.append((at_least(f"hires[{i}].day", item.get("day", 0.0), 0.0), pool, count))
        self.plan = sorted(plan)
        self._next = 0

    def decide(self, state: StaffingState) -> Mapping[str, int]:
        names = {pool.name for pool in state.pools}
        hires: dict[str, int] = {}
        while self._next < len(self.plan) and self.plan[self._next][0] <= state.day:
            _, pool, count = self.plan[self._next]
            if pool not in names:
                raise ValueError(f"hires: pool {pool!r} is not in the scenario's workforce")
            hires[pool] = hires.get(pool, 0) + count
            self._next += 1
        return hires
