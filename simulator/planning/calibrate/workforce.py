"""The workforce steps of calibration: each vendor's people as scenario pools, and the reviewers as the review pool.

A vendor's pools hold its people by stage (production with their own tenures, training, hiring); their time on
the project per working day of the calendar is the pool's ``shift_hours`` (working days per week folded in, and
scattered work counted at the assumed utilization, see :mod:`~simulator.planning.calibrate.people`). A vendor
whose people work different hours of the day gives one pool per shift, each with its own people and the vendor's
speed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.planning.calibrate.fits import Estimate, fit_attrition, fit_duration, mean_estimate, proportion
from simulator.planning.calibrate.learning import LearningFit
from simulator.planning.calibrate.people import WorkingTime, availability, working_time
from simulator.planning.calibrate.records import HistoryData, PersonHistory, PoolHistory
from simulator.planning.calibrate.result import PipelinePerson, PoolFit, ReviewPoolFit, ShiftPoolFit
from simulator.planning.worktime import ASSUMED_UTILIZATION, ShiftFit, apportion, fit_shifts, shift_coverage
from simulator.scenario import Calendar, Distribution, Headcount, Pool, Review

__all__ = ["WorkforceStep", "reviewer_step", "workforce_step"]

# Fewer people or person-days than this and a pool's availability is reported as too thin to trust.
_MIN_PEOPLE = 3
_MIN_PERSON_DAYS = 20


def _offset(start_hour: float, calendar: Calendar) -> float:
    """A pool's shift offset from the calendar's start, placing its shift on the day its work was counted on.

    Working weekdays are counted from the date each label was started on (the reference clock), so a shift
    starting at ``start_hour`` on a working day must start at that hour of that date: calendar start plus
    offset is ``start_hour`` itself. (Wrapping the offset to the nearest half day moved a shift starting just
    after midnight, beside a calendar starting late in the evening, onto the next day: a Monday-to-Friday team
    then worked Tuesday to Saturday.)"""
    return start_hour - calendar.start_hour


def _finite(value: float, default: float) -> float:
    return value if math.isfinite(value) else default


def _clock(hour: float) -> str:
    minutes = round((hour % 24.0) * 60.0)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _span(shift: ShiftFit) -> str:
    return f"{_clock(shift.start_hour)}-{_clock(shift.start_hour + shift.hours)}"


def _calendar_hours(
    hours: Estimate,
    days_per_week: Estimate,
    utilization: Estimate,
    calendar: Calendar,
    span: Estimate | None = None,
) -> float | None:
    """A person's hours per working day of the calendar, for the scenario: a person working 3 of its 5 working
    days gives 3/5 of their day's hours on each. People whose work filled their days were at capacity. People
    whose work came scattered waited for it: with ``span`` (labelers, who work shifts), they were there from their
    first item to their last, and at least their session hours at ``ASSUMED_UTILIZATION``; without it, they are
    taken to have been busy ``ASSUMED_UTILIZATION`` of the time they could give. None when the hours are unknown
    (the calendar's own hours then apply)."""
    if not hours.known:
        return None
    calendar_days = len(calendar.working_days)
    per_week = days_per_week.or_default(float(calendar_days))
    busy = min(1.0, max(utilization.or_default(1.0), ASSUMED_UTILIZATION))
    per_day = hours.value / busy
    if span is not None and span.known and utilization.or_default(1.0) < ASSUMED_UTILIZATION:
        per_day = max(per_day, span.value)
    return min(24.0, max(1e-3, per_day * per_week / calendar_days))


def _exposure_in_window(person: PersonHistory, since: float, until: float) -> float:
    if person.stage != "production" or not math.isfinite(person.tenure_weeks):
        return 0.0
    began = until - 7.0 * person.tenure_weeks
    return max(0.0, until - max(began, since))


def _assign_shifts(shifts: Sequence[ShiftFit], times: Sequence[WorkingTime]) -> list[int]:
    """Each person's shift: the one covering most of their session hours."""
    coverage = np.array([shift_coverage(s.start_hour, s.hours) for s in shifts])
    return [int(np.argmax(coverage @ t.hours_by_hour)) for t in times]


@dataclass(frozen=True)
class WorkforceStep:
    pools: list[Pool]
    fit: PoolFit


def workforce_step(
    history: HistoryData,
    pool: PoolHistory,
    people: Sequence[PersonHistory],
    times: dict[int, WorkingTime],
    learning: LearningFit,
    calendar: Calendar,
    since: float,
) -> WorkforceStep:
    """One vendor's people as scenario pools (one per shift they work in) and its fitted record."""
    until = float(history.days)
    hire_mean, hire_cv, hire_n = fit_duration(pool.hire_days)
    platform_mean, _, _ = fit_duration(pool.platform_training_days)
    project_mean, _, _ = fit_duration(pool.project_training_days)
    attrition = fit_attrition(pool.exposure_weeks, pool.departed)
    passing = proportion(pool.tests_passed, pool.tests_taken)
    warnings: list[str] = []

    producing = [p for p in people if p.stage == "production"]
    training = [p for p in people if p.stage == "training"]
    hiring = [p for p in people if p.stage == "hiring"]
    recorded = (pool.production, pool.training, pool.hiring)
    counts = (len(producing), len(training), len(hiring)) if people else recorded
    exposure = {p.id: _exposure_in_window(p, since, until) for p in producing}
    fitted = availability(times, exposure, [p.id for p in producing])
    if people and (fitted.people < _MIN_PEOPLE or fitted.person_days < _MIN_PERSON_DAYS):
        warnings.append(
            f"availability from {fitted.people} people and {fitted.person_days} person-days: too thin to fit well"
        )
    if not people:
        warnings.append("no per-person records: the recorded headcount works the calendar's hours")
    shift_hours = _calendar_hours(
        fitted.hours_per_working_day,
        fitted.working_days_per_week,
        fitted.utilization,
        calendar,
        fitted.span_per_working_day,
    )

    worked = [times[p.id] for p in producing if p.id in times]
    profile = np.sum([t.hours_by_hour for t in worked], axis=0) if worked else np.zeros(24)
    if profile.sum() > 0:
        shifts, _ = fit_shifts(profile)
    else:
        shifts = (ShiftFit(calendar.start_hour, calendar.hours_per_day, 1.0),)
    shift_of: dict[int, int] = {}
    if len(shifts) > 1:
        assigned = _assign_shifts(shifts, worked)
        shift_of = {t.person: s for t, s in zip(worked, assigned, strict=True)}
    members: list[list[PersonHistory]] = [[] for _ in shifts]
    unplaced: list[PersonHistory] = []
    for person in producing:
        if person.id in shift_of:
            members[shift_of[person.id]].append(person)
        elif len(shifts) == 1:
            members[0].append(person)
        else:
            unplaced.append(person)
    sizes = [float(len(m)) or 1e-9 for m in members]
    for index, extra in enumerate(apportion(len(unplaced), sizes)):
        members[index].extend(unplaced[:extra])
        unplaced = unplaced[extra:]
    production_split = [len(m) for m in members] if people else apportion(counts[0], [s.share for s in shifts])
    training_split = apportion(counts[1], [max(n, 1e-9) for n in production_split])
    hiring_split = apportion(counts[2], [max(n, 1e-9) for n in production_split])

    factors = learning.speed_factors
    labels_by_person: dict[int, int] = defaultdict(int)
    for lid in np.asarray(history.label_labeler, dtype=np.int64):
        labels_by_person[int(lid)] += 1

    def speed_of(group: Sequence[PersonHistory]) -> float:
        weights = [labels_by_person.get(p.id, 0) for p in group if p.id in factors]
        logs = [math.log(factors[p.id]) for p in group if p.id in factors]
        return math.exp(float(np.average(logs, weights=weights))) if logs and sum(weights) > 0 else 1.0

    vendor_speed = speed_of(producing)
    tenures = [p.tenure_weeks for p in producing if math.isfinite(p.tenure_weeks)]
    mean_tenure = float(np.mean(tenures)) if tenures else _finite(pool.mean_tenure_weeks, 0.0)
    staffed = [
        (shift, group, prod, train, hire)
        for shift, group, prod, train, hire in zip(
            shifts, members, production_split, training_split, hiring_split, strict=True
        )
        if prod or train or hire
    ] or [(shifts[0], members[0], 0, 0, 0)]
    # Those in the pipeline keep how far along they are: working days of training done, days of search run.
    working_share = len(calendar.working_days) / 7.0
    trainees = [p.days_in_stage * working_share for p in training]
    searches = [p.days_in_stage for p in hiring]
    pools: list[Pool] = []
    shift_fits: list[ShiftPoolFit] = []
    for shift, group, prod, train, hire in staffed:
        trained, trainees = tuple(trainees[:train]), trainees[train:]
        searched, searches = tuple(searches[:hire]), searches[hire:]
        name = pool.name if len(staffed) == 1 else f"{pool.name} ({_span(shift)})"
        offset = _offset(shift.start_hour, calendar)
        # The vendor's speed, not the few people of one shift's: hires come from the vendor, not the shift.
        speed = vendor_speed
        group_tenures = tuple(
            sorted((max(p.tenure_weeks, 0.0) for p in group if math.isfinite(p.tenure_weeks)), reverse=True)
        )
        pools.append(
            Pool(
                name=name,
                vendor=pool.name,
                headcount=Headcount(production=prod, training=train, hiring=hire),
                shift_offset_hours=offset,
                shift_hours=shift_hours,
                hourly_rate=pool.hourly_rate if pool.price_per_label is None else None,
                price_per_label=pool.price_per_label,
                time_to_hire_days=Distribution("gamma", _finite(hire_mean, 14.0), _finite(hire_cv, 0.3)),
                platform_training_days=_finite(platform_mean, 3.0),
                project_training_days=_finite(project_mean, 2.0),
                test_pass_probability=_finite(passing.value, 0.9),
                attrition_per_week=min(1.0, attrition.weekly_probability),
                initial_tenure_weeks=float(np.mean(group_tenures)) if group_tenures else mean_tenure,
                production_tenure_weeks=group_tenures,
                training_done_days=trained,
                hiring_done_days=searched,
                speed_factor=speed,
            )
        )
        shift_fits.append(
            ShiftPoolFit(
                pool=name,
                start_hour=shift.start_hour,
                offset_hours=offset,
                production=prod,
                training=train,
                hiring=hire,
                shift_hours=calendar.hours_per_day if shift_hours is None else shift_hours,
                speed_factor=speed,
            )
        )
    speed_logs = [math.log(factors[p.id]) for p in producing if p.id in factors]
    spread = mean_estimate(speed_logs)
    speed_estimate = (
        Estimate(vendor_speed, math.exp(spread.low), math.exp(spread.high), len(speed_logs), "time factor")
        if speed_logs
        else Estimate.missing("time factor")
    )
    onboarding = [a + b for a, b in zip(pool.platform_training_days, pool.project_training_days, strict=False)]
    fit = PoolFit(
        vendor=pool.name,
        active=pool.active,
        status=pool.status,
        production=counts[0],
        training=counts[1],
        hiring=counts[2],
        pipeline=tuple(PipelinePerson(p.stage, p.days_in_stage) for p in training + hiring),
        hours_per_working_day=fitted.hours_per_working_day,
        working_days_per_week=fitted.working_days_per_week,
        utilization=fitted.utilization,
        speed_factor=speed_estimate,
        rework_rate=proportion(pool.thumbs_down, pool.reviews).estimate(),
        tenure_weeks=mean_estimate(tenures, "weeks") if tenures else Estimate.exact(mean_tenure, 0, "weeks"),
        attrition_per_week=attrition.estimate(),
        test_pass_probability=passing.estimate(),
        time_to_hire_days=mean_estimate(pool.hire_days, "days") if hire_n else Estimate.missing("days"),
        training_days=mean_estimate(onboarding, "days") if onboarding else Estimate.missing("days"),
        hourly_rate=pool.hourly_rate if pool.price_per_label is None else None,
        price_per_label=pool.price_per_label,
        shifts=tuple(shift_fits),
        warnings=tuple(warnings),
    )
    return WorkforceStep(pools, fit)


def reviewer_step(
    history: HistoryData,
    calendar: Calendar,
    since: float,
    share: Estimate,
    down: Estimate,
    rework_factor: Estimate,
    review_minutes: Estimate,
) -> tuple[Review, ReviewPoolFit]:
    until = float(history.days)
    day = np.asarray(history.review_day, dtype=float)
    seconds = np.asarray(history.review_seconds, dtype=float)
    who = np.asarray(history.review_reviewer, dtype=np.int64)
    rates = {p.id: p.hourly_rate for p in history.people}
    warnings: list[str] = []
    shift_hours: float | None = None
    start_hour = calendar.start_hour
    if day.size == seconds.size == who.size and day.size:
        times = working_time(day, seconds, who, since=since, until=until)
        ids = sorted(times)
        exposure = {i: until - since for i in ids}
        fitted = availability(times, exposure, ids)
        reviewers = len(ids)
        shift_hours = _calendar_hours(
            fitted.hours_per_working_day, fitted.working_days_per_week, fitted.utilization, calendar
        )
        if shift_hours is not None:
            profile = np.sum([t.hours_by_hour for t in times.values()], axis=0)
            shifts, _ = fit_shifts(profile)
            start_hour = shifts[0].start_hour
        hours, days, busy = fitted.hours_per_working_day, fitted.working_days_per_week, fitted.utilization
        if fitted.people < _MIN_PEOPLE or fitted.person_days < _MIN_PERSON_DAYS:
            warnings.append(f"reviewer availability from {fitted.people} reviewers: too thin to fit well")
        paid = [rates.get(i) for i in ids]
        known_rates = [r for r in paid if r is not None]
        rate = mean_estimate(known_rates, "per hour") if known_rates else Estimate.exact(0.0, 0, "per hour")
        if len(known_rates) < len(paid):
            warnings.append(f"{len(paid) - len(known_rates)} reviewers have no hourly rate: their time is not costed")
    else:
        reviewers = history.reviewers
        hours = days = busy = Estimate.missing()
        rate = Estimate.exact(0.0, 0, "per hour")
        if share.or_default(0.0) > 0:
            warnings.append("no per-review records: reviewers work the calendar's hours and cost nothing")
    reviewing = share.or_default(0.0) > 0
    review = Review(
        share_reviewed=min(max(share.or_default(0.0), 0.0), 1.0),
        reviewers=max(1, reviewers) if reviewing else 0,
        review_minutes=max(review_minutes.or_default(1.0), 1e-3),
        detection_probability=1.0,
        rework_time_factor=max(rework_factor.or_default(0.5), 1e-3),
        reviewer_hourly_rate=max(rate.or_default(0.0), 0.0),
        shift_offset_hours=_offset(start_hour, calendar),
        shift_hours=shift_hours,
    )
    fit = ReviewPoolFit(
        reviewers=reviewers,
        hours_per_working_day=hours,
        working_days_per_week=days,
        utilization=busy,
        hourly_rate=rate,
        shift_start_hour=start_hour,
        shift_hours=shift_hours,
        review_minutes=review_minutes,
        share_reviewed=share,
        rework_rate=down,
        rework_time_factor=rework_factor,
        warnings=tuple(warnings),
    )
    return review, fit
