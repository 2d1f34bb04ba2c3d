"""Calibration: fitting a scenario's parameters from recorded labeling history given as plain arrays.

No database here: :mod:`server.services.history` reads the records and hands them over as a
:class:`HistoryData`. Each fit returns its estimate with a 95% confidence interval and its sample size:

- time per label: lognormal (``fit_lognormal``), and the learning curve ``T(t) = T_inf + (T0 - T_inf)·exp(-t/tau)``
  fitted on log seconds (multiplicative noise) with per-labeler speed offsets removed (``fit_learning_curve``);
- review share and thumbs-down (rework) rate as binomial proportions (Wilson intervals), rework time factor;
- attrition as a constant weekly hazard from exposure time and departures (``fit_attrition``);
- stage durations (time to hire, training) as mean and cv per stage;
- demand: base per day, weekly seasonality and linear trend (``fit_demand``), matching the ``pattern`` plugin's
  ``base * (1 + trend * day / 7) * weekly[day % 7]``;
- the working calendar and shifts (:mod:`simulator.worktime`): the weekdays people label on, and the shifts
  covering the hours of the day they label in (one of at most 8 hours for office hours, up to three 8-hour
  shifts for work spread round the clock);
- staffing as full-time equivalents (``full_time_equivalents``): people are often part-time on a project, so
  each pool's headcount is the labeling and rework hours it recorded over the recent window divided by what one
  labeler gives in a shift at the assumed utilization, not the number of people on its books. A vendor whose
  hours spread over several shifts becomes one pool per shift (same vendor, its own ``shift_offset_hours``), each
  with the share of the hours recorded in that shift, so capacity follows the observed hour-of-day profile.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import optimize, stats

from simulator.feasibility import wilson_interval
from simulator.scenario import (
    SLA,
    Benchmark,
    Consensus,
    Demand,
    Distribution,
    Headcount,
    ModelSpec,
    Pool,
    Project,
    Review,
    Scenario,
    ServiceTime,
)
from simulator.worktime import (
    ASSUMED_UTILIZATION,
    CalendarFit,
    FullTimeEquivalents,
    ShiftFit,
    apportion,
    fit_calendar,
    fit_shifts,
    full_time_equivalents,
    working_days_in,
)

__all__ = [
    "AttritionFit",
    "CalendarFit",
    "Calibration",
    "DemandFit",
    "FullTimeEquivalents",
    "HistoryData",
    "LearningFit",
    "LognormalFit",
    "PoolHistory",
    "Proportion",
    "calibrate",
    "demand_forecast",
    "fit_attrition",
    "fit_calendar",
    "fit_demand",
    "fit_duration",
    "fit_learning_curve",
    "fit_lognormal",
    "full_time_equivalents",
    "proportion",
]

_T95 = 1.959963984540054


@dataclass(frozen=True)
class LognormalFit:
    """``log X ~ Normal(mu, sigma)``; ``mean``/``cv`` of X with a CI of the mean (delta method on mu)."""

    mu: float
    sigma: float
    mean: float
    cv: float
    mean_ci: tuple[float, float]
    n: int


def fit_lognormal(values: Sequence[float] | np.ndarray) -> LognormalFit:
    """Maximum-likelihood lognormal fit of positive values."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    if x.size < 2:
        raise ValueError(f"values must hold at least 2 positive numbers, got {x.size}")
    logs = np.log(x)
    mu, sigma = float(logs.mean()), float(logs.std(ddof=0))
    mean = math.exp(mu + sigma * sigma / 2.0)
    # Var(mu_hat + sigma^2/2) ~ sigma^2/n + sigma^4/(2n)
    se = math.sqrt(sigma**2 / x.size + sigma**4 / (2 * x.size))
    return LognormalFit(
        mu,
        sigma,
        mean,
        math.sqrt(math.expm1(sigma * sigma)),
        (mean * math.exp(-_T95 * se), mean * math.exp(_T95 * se)),
        int(x.size),
    )


@dataclass(frozen=True)
class LearningFit:
    """Exponential learning curve in seconds: novice ``t0``, plateau ``t_inf``, time constant ``tau_weeks``.

    Seconds are typical (geometric-mean) times; ``sigma`` is the residual spread of log seconds, so the arithmetic
    mean time at tenure t is ``T(t)·exp(sigma²/2)``.
    """

    t0: float
    t_inf: float
    tau_weeks: float
    sigma: float
    ci: dict[str, tuple[float, float]]
    n: int

    @property
    def plateau_share(self) -> float:
        return self.t_inf / self.t0

    def seconds(self, tenure_weeks: np.ndarray | float) -> np.ndarray:
        t = np.maximum(np.asarray(tenure_weeks, dtype=float), 0.0)
        return self.t_inf + (self.t0 - self.t_inf) * np.exp(-t / self.tau_weeks)


def _log_curve(t: np.ndarray, log_t0: float, log_share: float, log_tau: float) -> np.ndarray:
    share = 1.0 / (1.0 + np.exp(-log_share))  # plateau share kept in (0, 1)
    tau = np.exp(log_tau)
    return log_t0 + np.log(share + (1.0 - share) * np.exp(-t / tau))


def fit_learning_curve(
    tenure_weeks: Sequence[float] | np.ndarray,
    seconds: Sequence[float] | np.ndarray,
    groups: Sequence[int] | np.ndarray | None = None,
    *,
    iterations: int = 3,
) -> LearningFit:
    """Fit the exponential learning curve to (tenure, seconds) pairs.

    ``groups`` (e.g. labeler ids) removes each person's own speed: their mean log residual is subtracted and the
    curve refitted, so fast or slow individuals do not bend the curve.
    """
    t = np.asarray(tenure_weeks, dtype=float)
    y = np.asarray(seconds, dtype=float)
    keep = np.isfinite(t) & np.isfinite(y) & (y > 0) & (t >= 0)
    t, logs = t[keep], np.log(y[keep])
    g = None if groups is None else np.asarray(groups)[keep]
    if t.size < 10:
        raise ValueError(f"need at least 10 labels with a known tenure, got {t.size}")
    offsets = np.zeros_like(logs)
    p0 = [float(np.median(logs[t <= np.quantile(t, 0.2)])), 0.8, math.log(1.5)]
    params = np.array(p0)
    covariance = np.full((3, 3), np.nan)
    for _ in range(max(1, iterations if g is not None else 1)):
        params, covariance = optimize.curve_fit(_log_curve, t, logs - offsets, p0=params, maxfev=20000)
        if g is None:
            break
        residual = logs - _log_curve(t, *params)
        codes, inverse = np.unique(g, return_inverse=True)
        sums = np.bincount(inverse, residual, minlength=codes.size)
        counts = np.bincount(inverse, minlength=codes.size)
        per_group = sums / counts
        per_group -= np.average(per_group, weights=counts)
        offsets = per_group[inverse]
    residual = logs - offsets - _log_curve(t, *params)
    sigma = float(residual.std(ddof=3))
    log_t0, log_share, log_tau = (float(v) for v in params)
    se = np.sqrt(np.clip(np.diag(covariance), 0.0, None))

    def share_of(v: float) -> float:
        return 1.0 / (1.0 + math.exp(-v))

    t0, share, tau = math.exp(log_t0), share_of(log_share), math.exp(log_tau)
    ci = {
        "t0": (math.exp(log_t0 - _T95 * se[0]), math.exp(log_t0 + _T95 * se[0])),
        "plateau_share": (share_of(log_share - _T95 * se[1]), share_of(log_share + _T95 * se[1])),
        "tau_weeks": (math.exp(log_tau - _T95 * se[2]), math.exp(log_tau + _T95 * se[2])),
    }
    return LearningFit(t0, t0 * share, tau, sigma, ci, int(t.size))


@dataclass(frozen=True)
class Proportion:
    value: float
    ci: tuple[float, float]
    n: int


def proportion(successes: int, trials: int) -> Proportion:
    """A binomial proportion with its Wilson 95% interval (nan with no trials)."""
    if trials <= 0:
        return Proportion(math.nan, (0.0, 1.0), 0)
    return Proportion(successes / trials, wilson_interval(successes, trials), trials)


@dataclass(frozen=True)
class AttritionFit:
    """Constant hazard per week of being in production, and the weekly leaving probability it implies."""

    hazard_per_week: float
    weekly_probability: float
    ci: tuple[float, float]
    departures: int
    exposure_weeks: float


def fit_attrition(exposure_weeks: Sequence[float] | np.ndarray, departed: Sequence[bool] | np.ndarray) -> AttritionFit:
    """Hazard = departures / exposure, with the exact Poisson (chi-square) interval on the count."""
    exposure = float(np.sum(np.asarray(exposure_weeks, dtype=float)))
    events = int(np.sum(np.asarray(departed, dtype=bool)))
    if exposure <= 0:
        return AttritionFit(0.0, 0.0, (0.0, 1.0), events, 0.0)
    hazard = events / exposure
    low = 0.0 if events == 0 else stats.chi2.ppf(0.025, 2 * events) / 2.0 / exposure
    high = stats.chi2.ppf(0.975, 2 * events + 2) / 2.0 / exposure
    return AttritionFit(
        hazard, -math.expm1(-hazard), (-math.expm1(-float(low)), -math.expm1(-float(high))), events, exposure
    )


def fit_duration(days: Sequence[float] | np.ndarray) -> tuple[float, float, int]:
    """Mean and cv of observed durations in days (nan when there are none)."""
    x = np.asarray(days, dtype=float)
    x = x[np.isfinite(x) & (x >= 0)]
    if x.size == 0:
        return math.nan, math.nan, 0
    mean = float(x.mean())
    cv = float(x.std(ddof=1) / mean) if x.size > 1 and mean > 0 else 0.0
    return mean, cv, int(x.size)


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


@dataclass(frozen=True)
class PoolHistory:
    """One vendor's people as seen at the calibration's end, and their recorded onboarding."""

    name: str
    production: int
    training: int
    hiring: int
    hourly_rate: float | None
    price_per_label: float | None
    mean_tenure_weeks: float
    hire_days: Sequence[float] = ()
    platform_training_days: Sequence[float] = ()
    project_training_days: Sequence[float] = ()
    tests_passed: int = 0
    tests_taken: int = 0
    exposure_weeks: Sequence[float] = ()
    departed: Sequence[bool] = ()
    #: Labeling plus rework hours the pool recorded over the history's recent window (nan: not measured).
    recent_labeling_hours: float = math.nan
    #: People of the pool who labeled in that window.
    recent_labelers: int = 0
    #: Those hours by the hour of day (0..23, reference clock) their labels were started in; empty: not measured.
    recent_hours_by_hour: Sequence[float] = ()


@dataclass(frozen=True)
class HistoryData:
    """A project's recorded history as arrays; days count from the start of the calibration window."""

    name: str
    first_weekday: int
    days: int
    daily_arrivals: np.ndarray
    label_seconds: np.ndarray
    label_tenure_weeks: np.ndarray
    label_labeler: np.ndarray
    label_hour_of_day: np.ndarray
    rework_seconds: np.ndarray
    rework_count: np.ndarray
    reviewed_labels: int
    reviews: int
    thumbs_down: int
    review_seconds: np.ndarray
    reviewers: int
    labels_per_task: float
    consensus_coverage: float
    benchmark_share: float
    sla_turnaround_hours: float
    sla_target_share: float
    pools: Sequence[PoolHistory]
    labeling_hours_per_labeler_day: float = math.nan
    #: Day (since the window's start) each label was started; empty when not recorded.
    label_day: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: Length in days of the recent window over which pools' hours (and review hours) were summed.
    recent_days: int = 14
    recent_review_hours: float = math.nan
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Calibration:
    """The fitted scenario and every fitted figure (JSON-ready) it was built from."""

    scenario: Scenario
    fitted: dict[str, Any]
    demand: DemandFit
    learning: LearningFit


def _finite(value: float, default: float) -> float:
    return value if math.isfinite(value) else default


def calibrate(history: HistoryData, *, horizon_days: int = 28, start_day: int | None = None) -> Calibration:
    """A scenario for ``horizon_days`` starting at history day ``start_day`` (default: the end of the history)."""
    start = history.days if start_day is None else start_day
    demand_fit = fit_demand(history.daily_arrivals, history.first_weekday)
    learning = fit_learning_curve(history.label_tenure_weeks, history.label_seconds, history.label_labeler)
    seconds = fit_lognormal(history.label_seconds)
    novice_minutes = learning.t0 * math.exp(learning.sigma**2 / 2.0) / 60.0
    down_rate = proportion(history.thumbs_down, history.reviews)
    review_share = proportion(history.reviewed_labels, int(history.label_seconds.size))
    reworked = history.rework_count > 0
    rework_factor = (
        float(np.sum(history.rework_seconds[reworked]) / np.sum(history.rework_count[reworked]))
        / float(np.mean(history.label_seconds))
        if reworked.any()
        else 0.5
    )
    review_minutes = float(np.mean(history.review_seconds)) / 60.0 if history.review_seconds.size else 1.0

    # The observed working week, and headcount as the full-time equivalents of each pool's recent hours.
    calendar_fit = fit_calendar(
        history.label_day,
        history.label_seconds + history.rework_seconds,
        history.first_weekday,
        history.days,
    )
    calendar = calendar_fit.calendar()
    hours_per_day = calendar.hours_per_day
    recent_from = history.days - max(1, min(history.recent_days, history.days))
    recent_working_days = max(
        1, working_days_in(history.first_weekday, recent_from, history.days, calendar.working_days)
    )

    # The scenario's day 0 is the forecast's first day, so its weekly factors and working days both count
    # from that weekday rather than from Monday.
    first_day_weekday = (history.first_weekday + start) % 7
    scenario_calendar = replace(
        calendar, working_days=tuple(sorted((day - first_day_weekday) % 7 for day in calendar.working_days))
    )

    level = 1.0 + demand_fit.trend_per_week * start / 7.0
    base = demand_fit.base_per_day * max(level, 1e-6)
    demand = Demand(
        base_per_day=base,
        trend_per_week=max(-1.0, demand_fit.trend_per_week / max(level, 1e-6)),
        weekly=demand_fit.weekly_from(first_day_weekday),
        projects=(Project(history.name, 1.0, max(novice_minutes, 1e-3)),),
    )
    pools: list[Pool] = []
    fitted_pools: dict[str, Any] = {}
    for pool in history.pools:
        hire_mean, hire_cv, hire_n = fit_duration(pool.hire_days)
        platform_mean, _, _ = fit_duration(pool.platform_training_days)
        project_mean, _, _ = fit_duration(pool.project_training_days)
        attrition = fit_attrition(pool.exposure_weeks, pool.departed)
        passing = proportion(pool.tests_passed, pool.tests_taken)
        attrition_per_week = min(1.0, attrition.weekly_probability)
        # The pool's own hours by hour of day place its shifts (vendors sit in different time zones); without
        # them, the project's.
        profile = np.asarray(pool.recent_hours_by_hour, dtype=float)
        if profile.shape == (24,) and np.isfinite(profile).all() and profile.sum() > 0:
            shifts, window = fit_shifts(profile)
        else:
            shifts, window = calendar_fit.shifts, calendar_fit.observed_window_hours
        shares = [shift.share for shift in shifts]
        staffed: list[tuple[ShiftFit, Headcount, FullTimeEquivalents | None]] = []
        fte_fitted: dict[str, Any] | None = None
        if math.isfinite(pool.recent_labeling_hours):
            hours = max(pool.recent_labeling_hours, 0.0)
            if hours <= 0:  # no labeling capacity: one empty pool on the calendar's shift
                shifts = (ShiftFit(calendar.start_hour, hours_per_day, 1.0),)
                shares = [1.0]
            per_shift = [
                full_time_equivalents(hours * share, recent_working_days, s.hours)
                for s, share in zip(shifts, shares, strict=True)
            ]
            fte_total = sum(f.fte for f in per_shift)
            labelers = sum(f.labelers for f in per_shift)
            # People still in the pipeline will be as part-time on the project as those labeling now.
            per_person = fte_total / pool.recent_labelers if pool.recent_labelers else 0.0
            training = apportion(round(pool.training * per_person), shares)
            hiring = apportion(round(pool.hiring * per_person), shares)
            staffed = [
                (s, Headcount(production=f.labelers, training=t, hiring=h), f)
                for s, f, t, h in zip(shifts, per_shift, training, hiring, strict=True)
            ]
            if 0 < labelers < pool.recent_labelers:
                # One simulated labeler stands for several part-time people, whose colleagues take over a
                # leaver's share of the project: the labeler leaves only when all the people behind it have.
                attrition_per_week *= labelers / pool.recent_labelers
            fte_fitted = {
                "recent_days": history.recent_days,
                "working_days": recent_working_days,
                "labeling_hours": hours,
                "hours_per_working_day": hours / recent_working_days,
                "labelers_in_window": pool.recent_labelers,
                "fte": fte_total,
                "labelers": labelers,
                "labeler_shift_hours": (
                    sum(f.labelers * f.labeler_shift_hours for f in per_shift) / labelers
                    if labelers
                    else shifts[0].hours
                ),
                "labeler_attrition_per_week": attrition_per_week,
            }
        else:
            staffed = [
                (s, Headcount(production=p, training=t, hiring=h), None)
                for s, p, t, h in zip(
                    shifts,
                    apportion(pool.production, shares),
                    apportion(pool.training, shares),
                    apportion(pool.hiring, shares),
                    strict=True,
                )
            ]
        # A shift nobody is on is no pool; a vendor with nobody at all keeps one (empty) pool.
        staffed = [entry for entry in staffed if entry[1] != Headcount()] or staffed[:1]
        fitted_shifts = []
        for shift, headcount, fte in staffed:
            name = (
                pool.name
                if len(staffed) == 1
                else f"{pool.name} ({_clock(shift.start_hour)}-{_clock(shift.start_hour + shift.hours)})"
            )
            shift_hours: float | None = fte.labeler_shift_hours if fte is not None and fte.labelers else shift.hours
            if shift_hours is not None and math.isclose(shift_hours, hours_per_day, rel_tol=1e-3):
                shift_hours = None
            offset = shift.start_hour - calendar.start_hour
            pools.append(
                Pool(
                    name=name,
                    vendor=pool.name,
                    headcount=headcount,
                    shift_offset_hours=offset,
                    shift_hours=shift_hours,
                    hourly_rate=pool.hourly_rate,
                    price_per_label=pool.price_per_label,
                    time_to_hire_days=Distribution("gamma", _finite(hire_mean, 14.0), _finite(hire_cv, 0.3)),
                    platform_training_days=_finite(platform_mean, 3.0),
                    project_training_days=_finite(project_mean, 2.0),
                    test_pass_probability=_finite(passing.value, 0.9),
                    attrition_per_week=attrition_per_week,
                    initial_tenure_weeks=_finite(pool.mean_tenure_weeks, 0.0),
                )
            )
            fitted_shifts.append(
                {
                    "pool": name,
                    "start_hour": shift.start_hour,
                    "offset_hours": offset,
                    "hours": shift.hours,
                    "share_of_hours": shift.share,
                    "labeling_hours": None if fte is None else fte.hours,
                    "fte": None if fte is None else fte.fte,
                    "labelers": headcount.production,
                    "labeler_shift_hours": hours_per_day if shift_hours is None else shift_hours,
                    "training": headcount.training,
                    "hiring": headcount.hiring,
                }
            )
        fitted_pools[pool.name] = {
            "headcount": {
                "production": sum(h.production for _, h, _ in staffed),
                "training": sum(h.training for _, h, _ in staffed),
                "hiring": sum(h.hiring for _, h, _ in staffed),
            },
            "recorded_headcount": {"production": pool.production, "training": pool.training, "hiring": pool.hiring},
            "full_time_equivalents": fte_fitted,
            "observed_window_hours": window,
            "shifts": fitted_shifts,
            "time_to_hire_days": {"mean": hire_mean, "cv": hire_cv, "n": hire_n},
            "platform_training_days": platform_mean,
            "project_training_days": project_mean,
            "test_pass_probability": {"value": passing.value, "ci": list(passing.ci), "n": passing.n},
            "attrition": {
                "weekly_probability": attrition.weekly_probability,
                "ci": list(attrition.ci),
                "departures": attrition.departures,
                "exposure_weeks": attrition.exposure_weeks,
            },
            "mean_tenure_weeks": pool.mean_tenure_weeks,
        }
    if not pools:
        pools.append(Pool(name="default", headcount=Headcount(production=1), hourly_rate=15.0))
    error_probability = _finite(down_rate.value, 0.0)
    # Reviewers too are counted by the hours they reviewed, not by who is on the books.
    reviewers = max(1, history.reviewers)
    reviewer_fte: FullTimeEquivalents | None = None
    if math.isfinite(history.recent_review_hours) and history.recent_review_hours > 0:
        reviewer_fte = full_time_equivalents(history.recent_review_hours, recent_working_days, hours_per_day)
        reviewers = reviewer_fte.labelers
    scenario = Scenario(
        name=f"{history.name} (calibrated)",
        horizon_days=horizon_days,
        calendar=scenario_calendar,
        demand=demand,
        service_time=ServiceTime("lognormal", learning_cv(learning.sigma)),
        workforce=tuple(pools),
        learning=ModelSpec("exponential", {"plateau_share": learning.plateau_share, "tau_weeks": learning.tau_weeks}),
        quality=ModelSpec("constant", {"error_probability": min(max(error_probability, 0.0), 1.0)}),
        review=Review(
            share_reviewed=min(max(_finite(review_share.value, 0.0), 0.0), 1.0),
            reviewers=reviewers if review_share.value > 0 else 0,
            review_minutes=max(review_minutes, 1e-3),
            detection_probability=1.0,
            rework_time_factor=max(rework_factor, 1e-3),
        ),
        consensus=Consensus(
            labels_per_task=max(1, round(history.labels_per_task)),
            coverage=min(max(history.consensus_coverage, 0.0), 1.0),
        ),
        benchmark=Benchmark(overhead_share=min(max(history.benchmark_share, 0.0), 0.9)),
        staffing=ModelSpec("fixed"),
        sla=SLA(history.sla_turnaround_hours, history.sla_target_share),
        description=f"Calibrated from {history.days} days of recorded history.",
    )
    fitted = {
        "time_per_label_seconds": {
            "distribution": "lognormal",
            "mu": seconds.mu,
            "sigma": seconds.sigma,
            "mean": seconds.mean,
            "mean_ci": list(seconds.mean_ci),
            "cv": seconds.cv,
            "n": seconds.n,
        },
        "learning_curve": {
            "t0_seconds": learning.t0,
            "t_inf_seconds": learning.t_inf,
            "tau_weeks": learning.tau_weeks,
            "plateau_share": learning.plateau_share,
            "ci": {k: list(v) for k, v in learning.ci.items()},
            "residual_sigma": learning.sigma,
            "n": learning.n,
        },
        "review_share": {"value": review_share.value, "ci": list(review_share.ci), "n": review_share.n},
        "rework_rate": {"value": down_rate.value, "ci": list(down_rate.ci), "n": down_rate.n},
        "rework_time_factor": rework_factor,
        "review_minutes": review_minutes,
        "demand": {
            "base_per_day": demand_fit.base_per_day,
            "trend_per_week": demand_fit.trend_per_week,
            "weekly_by_weekday": list(demand_fit.weekly_by_weekday),
            "residual_cv": demand_fit.residual_cv,
            "days": demand_fit.days,
        },
        "hours_per_day": hours_per_day,
        "calendar": {
            "first_day_weekday": first_day_weekday,
            "working_weekdays": list(calendar.working_days),
            "working_days": list(scenario_calendar.working_days),
            "start_hour": calendar.start_hour,
            "hours_per_day": hours_per_day,
            "observed_window_hours": calendar_fit.observed_window_hours,
            "shifts": [
                {"start_hour": shift.start_hour, "hours": shift.hours, "share_of_hours": shift.share}
                for shift in calendar_fit.shifts
            ],
            "assumed_utilization": ASSUMED_UTILIZATION,
        },
        "reviewers": {
            "recorded": history.reviewers,
            "fte": None if reviewer_fte is None else reviewer_fte.fte,
            "reviewers": reviewers,
        },
        "pools": fitted_pools,
    }
    return Calibration(scenario, fitted, demand_fit, learning)


def _clock(hour: float) -> str:
    minutes = round((hour % 24.0) * 60.0)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def learning_cv(sigma: float) -> float:
    """The cv of a lognormal with log-spread ``sigma``."""
    return math.sqrt(math.expm1(sigma * sigma))
