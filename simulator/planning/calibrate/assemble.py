"""Calibration: a scenario fitted to a project's recorded history, and the typed record of what was fitted.

The steps, each its own function returning a typed record:

1. demand (weekly factors, a level with a damped trend from the recent weeks) and the working week;
2. speed: the learning curve with each labeler's speed removed (tenure from the PRODUCTION stage event);
3. review and rework: share reviewed, thumbs-down rate, rework time, review time;
4. workforce: for every active vendor (not offboarded, not a prospect) its people by stage, their hours per
   working day and working days per week, the shifts of the day they work in, their speed, tenures, attrition
   and onboarding; a vendor working several shifts becomes one pool per shift, each with its own people;
5. reviewers: a review pool with their real headcount, hours and hourly pay.

Headcount is people. Their time on the project goes into each pool's ``shift_hours`` (hours per working day of
the calendar, working days per week folded in), so a hire adds one more person giving the same time.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from simulator.planning.calibrate.demand import DemandFit, fit_demand
from simulator.planning.calibrate.fits import (
    Estimate,
    fit_lognormal,
    mean_estimate,
    proportion,
)
from simulator.planning.calibrate.learning import (
    STRAY_TIME_FACTOR,
    CurveStatus,
    LearningFit,
    fit_learning_curve,
    stray_times,
)
from simulator.planning.calibrate.people import WorkingTime, working_time
from simulator.planning.calibrate.records import HistoryData, PersonHistory
from simulator.planning.calibrate.result import (
    CalibrationFit,
    LearningCurveFit,
    PoolFit,
    WorkingWeekFit,
)
from simulator.planning.calibrate.workforce import reviewer_step, workforce_step
from simulator.planning.worktime import SHIFT_HOURS, fit_calendar
from simulator.scenario import (
    MAX_CV,
    SLA,
    Benchmark,
    Calendar,
    Consensus,
    Demand,
    Headcount,
    ModelSpec,
    Pool,
    Project,
    Scenario,
    ServiceTime,
)

__all__ = ["Calibration", "calibrate", "learning_cv"]

# tau is only identifiable when the history is a few time constants long.
_MIN_WEEKS_FOR_TAU = 6.0


@dataclass(frozen=True)
class Calibration:
    """The fitted scenario and every fitted figure it was built from."""

    scenario: Scenario
    fitted: CalibrationFit
    demand: DemandFit
    learning: LearningFit


def learning_cv(sigma: float) -> float:
    """The cv of a lognormal with log-spread ``sigma``."""
    return math.sqrt(math.expm1(sigma * sigma))


def _learning_step(history: HistoryData) -> tuple[LearningFit, LearningCurveFit, list[str]]:
    learning = fit_learning_curve(history.label_tenure_weeks, history.label_seconds, history.label_labeler)
    tenure = np.asarray(history.label_tenure_weeks, dtype=float)
    known = tenure[np.isfinite(tenure) & (tenure >= 0)]
    weeks = float(known.max()) if known.size else 0.0
    warnings = []
    if learning.stray:
        warnings.append(
            f"learning curve: {learning.stray} label time(s) over {STRAY_TIME_FACTOR:g} times the median left out "
            "(a timer left running)"
        )
    if learning.status is CurveStatus.AT_BOUND:
        warnings.append(f"learning curve: tau is at a search bound ({learning.tau_weeks:.2f} weeks), not pinned down")
    elif learning.status is not CurveStatus.OK:
        warnings.append(f"learning curve: none fits ({learning.status.value}); times are taken as flat")
    if weeks < _MIN_WEEKS_FOR_TAU:
        warnings.append(
            f"learning curve: the longest tenure seen is {weeks:.1f} weeks; tau needs about {_MIN_WEEKS_FOR_TAU:g}"
        )

    def est(key: str, value: float, unit: str) -> Estimate:
        low, high = learning.ci.get(key, (math.nan, math.nan))
        return Estimate(value, low, high, learning.n, unit)

    record = LearningCurveFit(
        status=learning.status.value,
        t0_seconds=est("t0", learning.t0, "seconds"),
        t_inf_seconds=est("t_inf", learning.t_inf, "seconds"),
        plateau_share=est("plateau_share", learning.plateau_share, "share of t0"),
        tau_weeks=est("tau_weeks", learning.tau_weeks, "weeks"),
        residual_sigma=learning.sigma,
        weeks_of_data=weeks,
    )
    return learning, record, warnings


def _worked_times(seconds: np.ndarray) -> np.ndarray:
    """Label times without the strays the learning fit leaves out (a timer left running), so the figures read
    from label times agree with the speed the scenario runs at."""
    seconds = np.asarray(seconds, dtype=float)
    timed = np.isfinite(seconds) & (seconds > 0)
    stray = np.zeros(seconds.size, dtype=bool)
    stray[timed] = stray_times(seconds[timed])
    return seconds[~stray]


def _review_step(history: HistoryData) -> tuple[Estimate, Estimate, Estimate, Estimate]:
    """Share reviewed, thumbs-down rate, rework time (share of a label's time) and review minutes."""
    share = proportion(history.reviewed_labels, int(history.label_seconds.size)).estimate()
    down = proportion(history.thumbs_down, history.reviews).estimate()
    reworked = history.rework_count > 0
    mean_seconds = float(np.mean(_worked_times(history.label_seconds)))
    if reworked.any():
        per_rework = history.rework_seconds[reworked] / history.rework_count[reworked] / mean_seconds
        rework_factor = mean_estimate(per_rework, "share of a label's time")
    else:
        rework_factor = Estimate.missing("share of a label's time")
    review_minutes = mean_estimate(np.asarray(history.review_seconds, dtype=float) / 60.0, "minutes")
    return share, down, rework_factor, review_minutes


def _with_known_hours(
    pools: list[Pool], people: Sequence[PersonHistory], calendar: Calendar, warnings: list[str]
) -> list[Pool]:
    """Pools of people whose hours were not seen (nobody labeled in the window: all in the pipeline) work the
    median hours of the pools whose hours were, or at most one 8-hour shift of the calendar, never its whole day."""
    if not people:
        return pools  # records without people: the recorded headcount on the calendar's hours, as warned
    seen = [p.shift_hours for p in pools if p.shift_hours is not None]
    fallback = float(np.median(seen)) if seen else min(calendar.hours_per_day, SHIFT_HOURS)
    result = []
    for pool in pools:
        if pool.shift_hours is None:
            warnings.append(f"{pool.name}: no hours seen in the window; its people are given {fallback:.2f} h a day")
            pool = replace(pool, shift_hours=fallback)
        result.append(pool)
    return result


def _shifts_as_pooled(fits: list[PoolFit], pools: Sequence[Pool]) -> list[PoolFit]:
    """The fits with each shift record's hours as its scenario pool works them: a pool whose people's hours were
    not seen is given its hours only once every pool is fitted, after its record was written."""
    hours = {pool.name: pool.shift_hours for pool in pools if pool.shift_hours is not None}
    return [
        replace(fit, shifts=tuple(replace(s, shift_hours=hours.get(s.pool, s.shift_hours)) for s in fit.shifts))
        for fit in fits
    ]


def _calendar_step(history: HistoryData, start: int) -> tuple[Calendar, Calendar, WorkingWeekFit]:
    """The working week seen in the records, the same counted from the scenario's day 0, and its record."""
    calendar_fit = fit_calendar(
        history.label_day,
        history.label_seconds + history.rework_seconds,
        history.first_weekday,
        history.days,
        label_person=history.label_labeler if history.label_labeler.size == history.label_day.size else None,
    )
    calendar = calendar_fit.calendar()
    # The scenario's day 0 is the forecast's first day, so its weekly factors and working days both count
    # from that weekday rather than from Monday.
    first_day_weekday = (history.first_weekday + start) % 7
    scenario_calendar = replace(
        calendar, working_days=tuple(sorted((day - first_day_weekday) % 7 for day in calendar.working_days))
    )
    record = WorkingWeekFit(
        first_day_weekday=first_day_weekday,
        working_weekdays=calendar.working_days,
        working_days=scenario_calendar.working_days,
        start_hour=calendar.start_hour,
        hours_per_day=calendar.hours_per_day,
        observed_window_hours=calendar_fit.observed_window_hours,
    )
    return calendar, scenario_calendar, record


def _demand_step(
    history: HistoryData, demand_fit: DemandFit, learning: LearningFit, start: int, horizon_days: int
) -> Demand:
    """The scenario's demand: the damped-trend forecast from the start, as the straight line the pattern plugin
    draws, with the weekly factors counted from the scenario's day 0."""
    base_per_day, trend_per_week = demand_fit.line_over(start, horizon_days)
    return Demand(
        base_per_day=base_per_day,
        trend_per_week=trend_per_week,
        weekly=demand_fit.weekly_from((history.first_weekday + start) % 7),
        projects=(Project(history.name, 1.0, max(learning.t0 / 60.0, 1e-3)),),
    )


def _labeling_pools(
    history: HistoryData, learning: LearningFit, calendar: Calendar, warnings: list[str]
) -> tuple[list[Pool], list[PoolFit], list[str], float]:
    """Every vendor's pools (active ones only in the scenario), their records, the vendors left out, and the
    history day the recent window (availability is fitted over) starts on."""
    since = float(history.days - max(1, min(history.recent_days, history.days)))
    label_day = np.asarray(history.label_day, dtype=float)
    times: dict[int, WorkingTime] = {}
    if label_day.size == history.label_seconds.size and label_day.size:
        times = working_time(
            label_day, history.label_seconds, history.label_labeler, since=since, until=float(history.days)
        )
    by_pool: dict[str, list[PersonHistory]] = defaultdict(list)
    for person in history.people:
        by_pool[person.pool].append(person)
    pools: list[Pool] = []
    pool_fits: list[PoolFit] = []
    excluded: list[str] = []
    # Reviewers are their own pool: a vendor whose people only review gives no labeling pool.
    reviewer_ids = set(np.asarray(history.review_reviewer, dtype=np.int64).tolist())
    labeler_ids = set(np.asarray(history.label_labeler, dtype=np.int64).tolist())
    reviewing_vendors = {p.pool for p in history.people if p.id in reviewer_ids}
    labeling_vendors = {p.pool for p in history.people if p.id in labeler_ids}
    for pool in history.pools:
        if pool.name in reviewing_vendors - labeling_vendors:
            continue
        step = workforce_step(history, pool, by_pool.get(pool.name, []), times, learning, calendar, since)
        pool_fits.append(step.fit)
        if pool.active:
            pools.extend(step.pools)
        else:
            excluded.append(pool.name)
    pools = _with_known_hours(pools, history.people, calendar, warnings)
    pool_fits = _shifts_as_pooled(pool_fits, pools)
    if not pools:
        warnings.append("no active vendor with people: a placeholder pool of one labeler")
        pools.append(Pool(name="default", headcount=Headcount(production=1), hourly_rate=15.0))
    return pools, pool_fits, excluded, since


def calibrate(history: HistoryData, *, horizon_days: int = 28, start_day: int | None = None) -> Calibration:
    """A scenario for ``horizon_days`` starting at history day ``start_day`` (default: the end of the history)."""
    start = history.days if start_day is None else start_day
    warnings: list[str] = []
    demand_fit = fit_demand(history.daily_arrivals, history.first_weekday)
    learning, learning_record, learning_warnings = _learning_step(history)
    warnings.extend(learning_warnings)
    seconds = fit_lognormal(_worked_times(history.label_seconds))
    share, down, rework_factor, review_minutes = _review_step(history)
    calendar, scenario_calendar, calendar_record = _calendar_step(history, start)
    pools, pool_fits, excluded, since = _labeling_pools(history, learning, calendar, warnings)
    # Pools' own working days are weekdays; the scenario counts them from its day 0, as its calendar's.
    pools = [
        p
        if p.working_days is None
        else replace(p, working_days=tuple(sorted((d - calendar_record.first_day_weekday) % 7 for d in p.working_days)))
        for p in pools
    ]
    review, review_fit = reviewer_step(history, calendar, since, share, down, rework_factor, review_minutes)
    scenario = Scenario(
        name=f"{history.name} (calibrated)",
        horizon_days=horizon_days,
        calendar=scenario_calendar,
        demand=_demand_step(history, demand_fit, learning, start, horizon_days),
        # Records spread wider than a run can draw (log-spread past 3) run at the widest spread it can.
        service_time=ServiceTime("lognormal", min(learning_cv(min(learning.sigma, 10.0)), MAX_CV)),
        workforce=tuple(pools),
        # A curve fitted rising (people no faster, or slower, with tenure: veterans, noise) is run flat: the
        # simulator's curve only falls. The fitted record keeps the figure as found.
        learning=ModelSpec(
            "exponential", {"plateau_share": min(learning.plateau_share, 1.0), "tau_weeks": learning.tau_weeks}
        ),
        quality=ModelSpec("constant", {"error_probability": min(max(down.or_default(0.0), 0.0), 1.0)}),
        review=review,
        consensus=Consensus(
            labels_per_task=max(1, round(history.labels_per_task)),
            coverage=min(max(history.consensus_coverage, 0.0), 1.0),
        ),
        # Benchmark tasks are recorded tasks: they are in the fitted arrivals and their labels in the fitted
        # times, so an overhead on top would count their labeling twice (every label 1/(1 - share) longer).
        benchmark=Benchmark(overhead_share=0.0),
        staffing=ModelSpec("fixed"),
        sla=SLA(history.sla_turnaround_hours, history.sla_target_share),
        description=f"Calibrated from {history.days} days of recorded history.",
    )
    for fit in pool_fits:
        warnings.extend(f"{fit.vendor}: {w}" for w in fit.warnings if fit.active)
    warnings.extend(f"reviewers: {w}" for w in review_fit.warnings)
    fitted = CalibrationFit(
        time_per_label_seconds=Estimate(seconds.mean, seconds.mean_ci[0], seconds.mean_ci[1], seconds.n, "seconds"),
        service_cv=learning_cv(learning.sigma),
        learning=learning_record,
        demand=demand_fit,
        calendar=calendar_record,
        pools=tuple(pool_fits),
        review=review_fit,
        benchmark_share=history.benchmark_share,
        labels_per_task=history.labels_per_task,
        consensus_coverage=history.consensus_coverage,
        excluded_vendors=tuple(excluded),
        warnings=tuple(warnings),
    )
    return Calibration(scenario, fitted, demand_fit, learning)
