"""Demand fitted from daily arrivals: base per day, weekly seasonality and linear trend.

The fit matches the ``pattern`` plugin's ``base * (1 + trend * day / 7) * weekly[day % 7]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["DemandFit", "demand_forecast", "fit_demand"]


@dataclass(frozen=True)
class DemandFit:
    """``count(day) = base_per_day * (1 + trend_per_week * day / 7) * weekly[(first_weekday + day) % 7]``.

    ``weekly_by_weekday`` is indexed by weekday (Monday = 0) and averages 1.
    """

    base_per_day: float
    trend_per_week: float
    weekly_by_weekday: tuple[float, ...]
    first_weekday: int
    days: int
    residual_cv: float

    def expected(self, days: np.ndarray) -> np.ndarray:
        d = np.asarray(days, dtype=float)
        weekly = np.asarray(self.weekly_by_weekday)[((self.first_weekday + d.astype(int)) % 7)]
        return np.maximum(self.base_per_day * (1.0 + self.trend_per_week * d / 7.0) * weekly, 0.0)

    def weekly_from(self, weekday: int) -> tuple[float, ...]:
        """Weekly factors in the scenario's order (its day 0) for a start on ``weekday``."""
        return tuple(self.weekly_by_weekday[(weekday + i) % 7] for i in range(7))


def fit_demand(
    daily_counts: Sequence[float] | np.ndarray, first_weekday: int = 0, *, iterations: int = 20
) -> DemandFit:
    """Fit base level, linear trend and weekly factors to daily arrival counts (alternating least squares)."""
    y = np.asarray(daily_counts, dtype=float)
    if y.size < 7:
        raise ValueError(f"need at least 7 days of arrivals, got {y.size}")
    d = np.arange(y.size, dtype=float)
    weekday = (first_weekday + np.arange(y.size)) % 7
    weekly = np.ones(7)
    intercept, slope = float(y.mean()), 0.0
    for _ in range(iterations):
        adjusted = y / np.maximum(weekly[weekday], 1e-9)
        slope, intercept = (float(v) for v in np.polyfit(d, adjusted, 1))
        line = np.maximum(intercept + slope * d, 1e-9)
        for k in range(7):
            mask = weekday == k
            weekly[k] = float(np.sum(y[mask]) / np.sum(line[mask])) if mask.any() else 1.0
        weekly /= weekly.mean()
    base = max(intercept, 1e-9)
    fitted = np.maximum(base * (1.0 + (slope / base) * d) * weekly[weekday], 1e-9)
    residual_cv = float(np.std(y - fitted) / max(np.mean(y), 1e-9))
    return DemandFit(base, 7.0 * slope / base, tuple(float(w) for w in weekly), first_weekday, int(y.size), residual_cv)


def demand_forecast(fit: DemandFit, start_day: int, days: int) -> np.ndarray:
    """Expected arrivals for ``days`` days from history day ``start_day`` (extrapolating the trend)."""
    return fit.expected(np.arange(start_day, start_day + days))
