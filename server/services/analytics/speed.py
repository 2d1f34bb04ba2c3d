"""Speed metrics: time per label, review and rework time, throughput, daily volume and learning curves.

Time per label is `seconds_to_label` (the first pass); rework time is `rework_seconds`. Throughput per day is
labels over active days (days with at least one label in scope); throughput per labeler-hour is labels over the
hours spent labeling and reworking. Learning curves are fitted per labeler to the SQL's per-day means over tenure
(days since the labeler's PRODUCTION stage event) with the fitter calibration uses
(:func:`simulator.planning.calibrate.fit_curves`): T(t) = T_inf + (T0 - T_inf)·exp(-t/tau), weighted by each day's label
count, with a status and standard errors; the figures are given only when the status is OK. Improvement since the
first week is 1 - (mean time over the labeler's latest seven days in scope) / (mean time over tenure days 0-6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
from simulator.planning.calibrate import CurveFit, CurveStatus, fit_curves

__all__ = [
    "CurvePoint",
    "LearningCurve",
    "SpeedMetrics",
    "curve_series",
    "learning_curves",
    "speed_from",
    "speed_metrics",
]


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
    fit_status: CurveStatus
    initial_seconds: float | None  # T0
    plateau_seconds: float | None  # T_inf
    tau_days: float | None
    initial_seconds_se: float | None
    plateau_seconds_se: float | None
    tau_days_se: float | None
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


# Half a day: the curve's time constant cannot be read below the data's one-day resolution.
_MIN_TAU_DAYS = 0.5


def _figure(fit: CurveFit, value: float) -> float | None:
    """A fitted figure, only for a fit that pinned it down."""
    return value if fit.usable and math.isfinite(value) else None


def curve_series(rollup: LabelRollup) -> tuple[list[int], list[list[CurvePoint]]]:
    """The labelers with tenure days in the rollup, by id, and each one's points (days with labels)."""
    labelers = sorted(rollup.points)
    points = [
        [
            CurvePoint(tenure_day=tenure, day=day, labels=labels, mean_seconds=seconds / labels)
            for tenure, day, labels, seconds in rollup.points[labeler_id]
            if labels
        ]
        for labeler_id in labelers
    ]
    return labelers, points


def learning_curves(rollup: LabelRollup) -> list[LearningCurve]:
    labelers, points = curve_series(rollup)
    fits = fit_curves(
        [([p.tenure_day for p in s], [p.mean_seconds for p in s], [p.labels for p in s]) for s in points],
        min_tau=_MIN_TAU_DAYS,
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
                fit_status=fit.status,
                initial_seconds=_figure(fit, fit.t0),
                plateau_seconds=_figure(fit, fit.t_inf),
                tau_days=_figure(fit, fit.tau),
                initial_seconds_se=_figure(fit, fit.t0_se),
                plateau_seconds_se=_figure(fit, fit.t_inf_se),
                tau_days_se=_figure(fit, fit.tau_se),
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
