"""Demand fitted from daily arrivals: weekly seasonality, and a recent level with a damped trend for forecasts.

Two fits share the weekly factors. A straight line over the whole history (``base_per_day``,
``trend_per_week``) describes it. Forecasts start instead from the level of the last four weeks (deseasonalised,
moved to the last day along the slope) and add a damped trend: ``trend_per_day * (phi + phi**2 + ... + phi**h)``
on day ``h`` ahead, so it fades out rather than running on for ever. The slope is Theil-Sen's over the whole
history (the median of pairwise slopes), which a surge in the last days moves little; a least-squares line, or
a trend smoothed from one-step errors, takes such a surge for growth and carries it on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import theilslopes

__all__ = ["DampedTrend", "DemandFit", "demand_forecast", "fit_damped_trend", "fit_demand"]

#: Days whose mean is the forecast's level: four weeks, so a surge of a few days counts for its share of them.
_LEVEL_DAYS = 28
#: Daily damping of the trend: it halves in five weeks and adds at most 49 days' worth of slope in all.
#: Chosen on the demo's weekly arrivals (cuts after weeks 3, 4 and 5): 0.95 and 0.98 differ by 0.4 points of MAPE.
_DAMPING = 0.98
#: Confidence of the slope's interval.
_SLOPE_CONFIDENCE = 0.95


@dataclass(frozen=True)
class DampedTrend:
    """A level at the history's last day (deseasonalised) and a slope per day that fades by ``damping`` a day;
    ``trend_ci`` is the slope's 95% interval."""

    level_per_day: float
    trend_per_day: float
    trend_ci: tuple[float, float]
    damping: float

    def level_ahead(self, steps: np.ndarray) -> np.ndarray:
        """The deseasonalised level ``steps`` days after the last day of history (0 is that day)."""
        h = np.maximum(np.asarray(steps, dtype=float), 0.0)
        phi = self.damping
        damped_sum = h if phi >= 1.0 else phi * (1.0 - phi**h) / (1.0 - phi)
        return np.maximum(self.level_per_day + self.trend_per_day * damped_sum, 0.0)


@dataclass(frozen=True)
class DemandFit:
    """``count(day) = base_per_day * (1 + trend_per_week * day / 7) * weekly[(first_weekday + day) % 7]`` over
    the history; forecasts past it follow ``forecast`` (see :func:`demand_forecast`).

    ``weekly_by_weekday`` is indexed by weekday (Monday = 0) and averages 1.
    """

    base_per_day: float
    trend_per_week: float
    weekly_by_weekday: tuple[float, ...]
    first_weekday: int
    days: int
    residual_cv: float
    forecast: DampedTrend

    def expected(self, days: np.ndarray) -> np.ndarray:
        """The straight-line description of history days ``days``."""
        d = np.asarray(days, dtype=float)
        return np.maximum(self.base_per_day * (1.0 + self.trend_per_week * d / 7.0) * self.weekly_factors(d), 0.0)

    def forecast_level(self, days: np.ndarray) -> np.ndarray:
        """The deseasonalised forecast level on history days ``days`` (past the last day: damped trend)."""
        return self.forecast.level_ahead(np.asarray(days, dtype=float) - (self.days - 1))

    def weekly_from(self, weekday: int) -> tuple[float, ...]:
        """Weekly factors in the scenario's order (its day 0) for a start on ``weekday``."""
        return tuple(self.weekly_by_weekday[(weekday + i) % 7] for i in range(7))

    def line_over(self, start_day: int, horizon_days: int) -> tuple[float, float]:
        """``(base_per_day, trend_per_week)`` of the straight line closest (least squares) to the forecast level
        over ``horizon_days`` from history day ``start_day``: the damped forecast as a scenario's pattern."""
        steps = np.arange(max(horizon_days, 1), dtype=float)
        level = self.forecast_level(start_day + steps)
        if steps.size < 2:
            return float(level[0]), 0.0
        slope, intercept = (float(v) for v in np.polyfit(steps, level, 1))
        base = max(intercept, 1e-9)
        return base, max(-1.0, 7.0 * slope / base)

    def weekly_factors(self, days: np.ndarray) -> np.ndarray:
        """The weekly factor of each of history days ``days``."""
        return np.asarray(self.weekly_by_weekday)[(self.first_weekday + days.astype(int)) % 7]


def _seasonal_line(y: np.ndarray, weekday: np.ndarray, iterations: int) -> tuple[float, float, npt.NDArray[np.float64]]:
    """Intercept and slope per day of a straight line, and weekly factors by weekday (alternating least squares)."""
    d = np.arange(y.size, dtype=float)
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
    return intercept, slope, weekly


def fit_damped_trend(deseasonalised: np.ndarray) -> DampedTrend:
    """The level of the last four weeks moved to the last day, and the Theil-Sen slope of the whole series."""
    z = np.asarray(deseasonalised, dtype=float)
    days = np.arange(z.size, dtype=float)
    slope, _, low, high = (float(v) for v in theilslopes(z, days, alpha=_SLOPE_CONFIDENCE))
    recent = z[-_LEVEL_DAYS:]
    # The recent mean sits at the middle of its days: move it along the slope to the last day.
    level = float(recent.mean()) + slope * (recent.size - 1) / 2.0
    return DampedTrend(max(level, 0.0), slope, (low, high), _DAMPING)


def fit_demand(
    daily_counts: Sequence[float] | np.ndarray, first_weekday: int = 0, *, iterations: int = 20
) -> DemandFit:
    """Fit weekly factors, the straight line through the history and the damped trend forecasts follow."""
    y = np.asarray(daily_counts, dtype=float)
    if y.size < 7:
        raise ValueError(f"need at least 7 days of arrivals, got {y.size}")
    weekday = (first_weekday + np.arange(y.size)) % 7
    intercept, slope, weekly = _seasonal_line(y, weekday, iterations)
    base = max(intercept, 1e-9)
    factors = np.maximum(weekly[weekday], 1e-9)
    fitted = np.maximum(base * (1.0 + (slope / base) * np.arange(y.size)) * factors, 1e-9)
    residual_cv = float(np.std(y - fitted) / max(np.mean(y), 1e-9))
    damped = fit_damped_trend(y / factors)
    return DemandFit(
        base, 7.0 * slope / base, tuple(float(v) for v in weekly), first_weekday, int(y.size), residual_cv, damped
    )


def demand_forecast(fit: DemandFit, start_day: int, days: int) -> np.ndarray:
    """Expected arrivals for ``days`` days from history day ``start_day``: the damped-trend level times the
    weekly factors."""
    d = np.arange(start_day, start_day + days)
    return fit.forecast_level(d) * fit.weekly_factors(d)
