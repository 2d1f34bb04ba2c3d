"""Speed metrics: time per label, review and rework time, throughput, daily volume and learning curves.

Time per label is `seconds_to_label` (the first pass); rework time is `rework_seconds`. Throughput per day is
labels over active days (days with at least one label in scope); throughput per labeler-hour is labels over the
hours spent labeling and reworking. Learning curves are fitted per labeler to the SQL's per-day means over tenure
(days since the labeler's first label anywhere): T(t) = T_inf + (T0 - T_inf)·exp(-t/tau), weighted by each day's
label count; improvement since the first week is 1 - (mean time over the labeler's latest seven days in scope) /
(mean time over tenure days 0-6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from server.services.analytics._labels import (
    LabelPercentiles,
    LabelRollup,
    fetch_label_percentiles,
    fetch_label_rollup,
)
from server.services.analytics._sql import share
from server.services.analytics.quality import ReviewStats, fetch_reviews
from server.services.analytics.scope import Scope

__all__ = [
    "CurvePoint",
    "LearningCurve",
    "SpeedMetrics",
    "fit_learning_curve",
    "learning_curves",
    "speed_from",
    "speed_metrics",
]

_MIN_POINTS_TO_FIT = 4


@dataclass(frozen=True, slots=True)
class SpeedMetrics:
    labels: int
    mean_seconds: float | None
    median_seconds: float | None
    p90_seconds: float | None
    reviews: int
    mean_review_seconds: float | None
    median_review_seconds: float | None
    p90_review_seconds: float | None
    reworked_labels: int
    rework_seconds: float
    mean_rework_seconds: float | None  # per reworked label
    active_days: int
    labels_per_day: float | None
    labeling_hours: float  # labeling plus rework
    labels_per_labeler_hour: float | None


@dataclass(frozen=True, slots=True)
class CurvePoint:
    tenure_day: int
    day: str
    labels: int
    mean_seconds: float


@dataclass(frozen=True, slots=True)
class LearningCurve:
    labeler_id: int
    points: tuple[CurvePoint, ...]
    initial_seconds: float | None  # T0
    plateau_seconds: float | None  # T_inf
    tau_days: float | None
    first_week_mean_seconds: float | None
    latest_week_mean_seconds: float | None
    improvement: float | None  # 1 - latest / first week; positive means faster


def speed_from(
    rollup: LabelRollup, percentiles: LabelPercentiles, reviews: ReviewStats, *, active_days: int | None = None
) -> SpeedMetrics:
    total = rollup.total
    days = len([day for day, sums in rollup.by_day.items() if sums.labels]) if active_days is None else active_days
    hours = (total.seconds + total.rework_seconds) / 3600.0
    return SpeedMetrics(
        labels=total.labels,
        mean_seconds=share(total.seconds, total.labels),
        median_seconds=percentiles.total.median,
        p90_seconds=percentiles.total.p90,
        reviews=reviews.reviews,
        mean_review_seconds=reviews.mean_seconds,
        median_review_seconds=reviews.median_seconds,
        p90_review_seconds=reviews.p90_seconds,
        reworked_labels=total.reworked,
        rework_seconds=total.rework_seconds,
        mean_rework_seconds=share(total.rework_seconds, total.reworked),
        active_days=days,
        labels_per_day=share(total.labels, days),
        labeling_hours=hours,
        labels_per_labeler_hour=share(total.labels, hours),
    )


def _weighted_linear_fits(
    t: np.ndarray, y: np.ndarray, w: np.ndarray, taus: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each fixed tau the curve is linear in (T_inf, T0 - T_inf): solve them all exactly at once.

    Shapes: t, y, w are (series, points), padded with zero weights; taus is (series, candidates). Returns
    (T_inf, span, sse), each (series, candidates).
    """
    x = np.exp(-t[:, :, None] / taus[:, None, :])
    weights = w[:, :, None]
    total = w.sum(axis=1)[:, None]
    x_mean = (weights * x).sum(axis=1) / total
    y_mean = (w * y).sum(axis=1)[:, None] / total
    dx = x - x_mean[:, None, :]
    sxx = (weights * dx**2).sum(axis=1)
    sxy = (weights * dx * (y[:, :, None] - y_mean[:, :, None])).sum(axis=1)
    flat = sxx <= 0.0
    slope = np.where(flat, 0.0, sxy / np.where(flat, 1.0, sxx))
    plateau = y_mean - slope * x_mean
    residual = y[:, :, None] - (plateau[:, None, :] + slope[:, None, :] * x)
    return plateau, slope, (weights * residual**2).sum(axis=1)


# The search for log(tau): a coarse grid over the whole range, then zooms into the best cell's neighbours, each a
# grid of `_ZOOM_POINTS`; five zooms narrow the ~0.2-wide first bracket below 1e-8.
_GRID_POINTS = 48
_ZOOM_POINTS = 33
_ZOOMS = 5

Series = tuple[list[int], list[float], list[int]]  # tenure days, mean seconds, labels per point


def fit_learning_curves(series: list[Series]) -> list[tuple[float, float, float] | None]:
    """Weighted least squares fits of (T0, T_inf, tau in days), one per series; None where the points cannot pin
    the curve down.

    A day's mean of n labels has variance sigma²/n, so points are weighted by n. The curve is linear in T_inf and
    T0 - T_inf once tau is fixed, so tau is found by a one-dimensional search (variable projection) over
    [0.5 day, 10 times the span of the data] in log(tau), each candidate an exact weighted linear fit; every round
    of candidates of every series is one vectorised evaluation, so fitting every labeler costs a few milliseconds.
    None with fewer than four points (three distinct days), or when the fit extrapolates to t = 0 beyond
    five times the slowest observed day (the window then holds only the tail of the curve).
    """
    fits: list[tuple[float, float, float] | None] = [None] * len(series)
    fitted = [i for i, (days, _, _) in enumerate(series) if len(days) >= _MIN_POINTS_TO_FIT and len(set(days)) >= 3]
    if not fitted:
        return fits
    width = max(len(series[i][0]) for i in fitted)
    t, y, w = (np.zeros((len(fitted), width)) for _ in range(3))
    first_day, last_day = np.empty(len(fitted)), np.empty(len(fitted))
    for row, i in enumerate(fitted):
        days, seconds, labels = series[i]
        t[row, : len(days)], y[row, : len(days)], w[row, : len(days)] = days, seconds, labels
        first_day[row], last_day[row] = min(days), max(days)
    spans = np.maximum(last_day - first_day, 1.0)
    grid = np.linspace(np.full(len(fitted), math.log(0.5)), np.log(10.0 * spans), _GRID_POINTS, axis=1)
    rows = np.arange(len(fitted))
    for _ in range(_ZOOMS + 1):
        best = np.argmin(_weighted_linear_fits(t, y, w, np.exp(grid))[2], axis=1)
        best_log_tau = grid[rows, best]
        low = grid[rows, np.maximum(best - 1, 0)]
        high = grid[rows, np.minimum(best + 1, grid.shape[1] - 1)]
        grid = np.linspace(low, high, _ZOOM_POINTS, axis=1)
    taus = np.exp(best_log_tau)
    plateaus, slopes, _ = _weighted_linear_fits(t, y, w, taus[:, None])
    for row, i in enumerate(fitted):
        tau, plateau = float(taus[row]), float(plateaus[row, 0])
        initial = plateau + float(slopes[row, 0])
        if not all(math.isfinite(value) for value in (initial, plateau, tau)):
            continue
        if initial < 0.0 or plateau < 0.0 or initial > 5.0 * max(series[i][1]):
            continue
        fits[i] = (initial, plateau, tau)
    return fits


def fit_learning_curve(
    tenure_days: list[int], mean_seconds: list[float], weights: list[int]
) -> tuple[float, float, float] | None:
    """One series' fit, see `fit_learning_curves`."""
    return fit_learning_curves([(tenure_days, mean_seconds, weights)])[0]


def learning_curves(rollup: LabelRollup) -> list[LearningCurve]:
    labelers = sorted(rollup.points)
    points = [
        [
            CurvePoint(tenure_day=tenure, day=day, labels=sums.labels, mean_seconds=sums.seconds / sums.labels)
            for tenure, day, sums in rollup.points[labeler_id]
            if sums.labels
        ]
        for labeler_id in labelers
    ]
    fits = fit_learning_curves(
        [([p.tenure_day for p in s], [p.mean_seconds for p in s], [p.labels for p in s]) for s in points]
    )
    curves: list[LearningCurve] = []
    for labeler_id, series, fit in zip(labelers, points, fits, strict=True):
        first = rollup.first_week.get(labeler_id)
        latest = rollup.last_week.get(labeler_id)
        first_mean = share(first.seconds, first.labels) if first else None
        latest_mean = share(latest.seconds, latest.labels) if latest else None
        improvement = None
        if first_mean and latest_mean is not None:
            improvement = 1.0 - latest_mean / first_mean
        curves.append(
            LearningCurve(
                labeler_id=labeler_id,
                points=tuple(series),
                initial_seconds=fit[0] if fit else None,
                plateau_seconds=fit[1] if fit else None,
                tau_days=fit[2] if fit else None,
                first_week_mean_seconds=first_mean,
                latest_week_mean_seconds=latest_mean,
                improvement=improvement,
            )
        )
    return curves


async def speed_metrics(session: AsyncSession, scope: Scope) -> SpeedMetrics:
    """The scope's speed in three statements (label rollup, label percentiles, reviews)."""
    rollup = await fetch_label_rollup(session, scope)
    percentiles = await fetch_label_percentiles(session, scope)
    reviews = await fetch_reviews(session, scope)
    return speed_from(rollup, percentiles, reviews.total)
