"""Helpers shared by the built-in staffing policies."""

from __future__ import annotations

import math

import numpy as np

from simulator.interfaces import PoolStatus, StaffingState

__all__ = ["choose_pool", "observed", "recent_mean"]


def choose_pool(state: StaffingState, name: str | None) -> PoolStatus:
    """The named pool, or else the one with the fewest people in its hiring pipeline."""
    for pool in state.pools:
        if pool.name == name:
            return pool
    if name is not None:
        raise ValueError(f"pool {name!r} is not in the scenario's workforce")
    return min(state.pools, key=lambda p: (p.hiring / p.max_concurrent_hires, p.name))


def observed(history: np.ndarray, lag_days: float) -> np.ndarray:
    """History as known ``lag_days`` late (reports take time to reach the planner)."""
    cut = history.size - math.ceil(lag_days)
    return history[: max(0, cut)]


def recent_mean(history: np.ndarray, window: int) -> float:
    values = history[-window:]
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else math.nan
