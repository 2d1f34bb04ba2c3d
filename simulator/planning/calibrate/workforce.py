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
from dataclasses import dataclass, replace

import numpy as np

from simulator.planning.calibrate.fits import (
    AttritionFit,
    Estimate,
    Proportion,
    fit_attrition,
    fit_duration,
    mean_estimate,
    proportion,
)
from simulator.planning.calibrate.learning import LearningFit
from simulator.planning.calibrate.people import Availability, WorkingTime, availability, working_time
from simulator.planning.calibrate.records import HistoryData, PersonHistory, PoolHistory
from simulator.planning.calibrate.result import PipelinePerson, PoolFit, ReviewPoolFit, ShiftPoolFit
from simulator.planning.worktime import (
    ASSUMED_UTILIZATION,
    ShiftFit,
    apportion,
    densest_start,
    fit_shifts,
    shift_coverage,
    working_dates_by_person,
)
from simulator.scenario import Calendar, Distribution, Headcount, Pool, PoolShare, Review

__all__ = ["WorkforceStep", "reviewer_step", "workforce_step"]

# Fewer people or person-days than this and a pool's availability is reported as too thin to trust.
_MIN_PEOPLE = 3
_MIN_PERSON_DAYS = 20


def _offset(start_hour: float, calendar: Calendar) -> float:
    """A pool's shift offset from the calendar's start, placing its shift on the day its work was counted on.

    Working weekdays are the dates (reference clock) people's working days started on, so a shift starting at
    ``start_hour`` on a working day must start at that hour of that date: calendar start plus
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


@dataclass(frozen=True)
class _Stages:
    """A vendor's people by stage, and the counts the pools get (the recorded ones when nobody is on record)."""

    producing: list[PersonHistory]
    training: list[PersonHistory]
    hiring: list[PersonHistory]
    counts: tuple[int, int, int]


@dataclass(frozen=True)
class _Pipeline:
    """Vendor-wide fits a hire goes through: time to hire, onboarding, the test, attrition."""

    hire_mean: float
    hire_cv: float
    hire_n: int
    platform_training: float
    project_training: float
    attrition: AttritionFit
    passing: Proportion


@dataclass(frozen=True)
class _Staffed:
    """One shift's pool: its people in production (for their tenures) and its counts by stage."""

    shift: ShiftFit
    members: list[PersonHistory]
    production: int
    training: int
    hiring: int


def _stages(pool: PoolHistory, people: Sequence[PersonHistory]) -> _Stages:
    producing = [p for p in people if p.stage == "production"]
    training = [p for p in people if p.stage == "training"]
    hiring = [p for p in people if p.stage == "hiring"]
    recorded = (pool.production, pool.training, pool.hiring)
    counts = (len(producing), len(training), len(hiring)) if people else recorded
    return _Stages(producing, training, hiring, counts)


def _pipeline(pool: PoolHistory) -> _Pipeline:
    hire_mean, hire_cv, hire_n = fit_duration(pool.hire_days)
    platform_mean, _, _ = fit_duration(pool.platform_training_days)
    project_mean, _, _ = fit_duration(pool.project_training_days)
    return _Pipeline(
        hire_mean,
        hire_cv,
        hire_n,
        platform_mean,
        project_mean,
        fit_attrition(pool.exposure_weeks, pool.departed),
        proportion(pool.tests_passed, pool.tests_taken),
    )


def _availability(
    stages: _Stages,
    has_people: bool,
    times: dict[int, WorkingTime],
    calendar: Calendar,
    since: float,
    until: float,
) -> tuple[Availability, float | None, list[str]]:
    """The production people's fitted availability, their hours per working day of the calendar, and warnings."""
    exposure = {p.id: _exposure_in_window(p, since, until) for p in stages.producing}
    fitted = availability(times, exposure, [p.id for p in stages.producing])
    warnings = []
    if has_people and (fitted.people < _MIN_PEOPLE or fitted.person_days < _MIN_PERSON_DAYS):
        warnings.append(
            f"availability from {fitted.people} people and {fitted.person_days} person-days: too thin to fit well"
        )
    if not has_people:
        warnings.append("no per-person records: the recorded headcount works the calendar's hours")
    shift_hours = _calendar_hours(
        fitted.hours_per_working_day,
        fitted.working_days_per_week,
        fitted.utilization,
        calendar,
        fitted.span_per_working_day,
    )
    return fitted, shift_hours, warnings


def _shift_members(
    producing: Sequence[PersonHistory], times: dict[int, WorkingTime], calendar: Calendar
) -> tuple[tuple[ShiftFit, ...], list[list[PersonHistory]]]:
    """The shifts the production people's hours show, and who works each: people without hours seen go to the
    shifts in proportion to their sizes."""
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
    return tuple(shifts), members


def _staffed(
    shifts: Sequence[ShiftFit], members: list[list[PersonHistory]], counts: tuple[int, int, int], has_people: bool
) -> list[_Staffed]:
    """The shifts with anyone in them, each with its counts by stage (the pipeline split like production)."""
    production = [len(m) for m in members] if has_people else apportion(counts[0], [s.share for s in shifts])
    training = apportion(counts[1], [max(n, 1e-9) for n in production])
    hiring = apportion(counts[2], [max(n, 1e-9) for n in production])
    staffed = [
        _Staffed(shift, group, prod, train, hire)
        for shift, group, prod, train, hire in zip(shifts, members, production, training, hiring, strict=True)
        if prod or train or hire
    ]
    return staffed or [_Staffed(shifts[0], members[0], 0, 0, 0)]


def _weekdays_worked(history: HistoryData, since: float, until: float) -> dict[int, frozenset[int]]:
    """The weekdays (Monday 0, on the reference clock) each labeler worked on in ``[since, until)``: the dates
    their working days started on (``working_dates_by_person``), so a Monday-to-Friday shift across midnight on the
    reference clock is not also a Saturday."""
    day = np.asarray(history.label_day, dtype=float)
    who = np.asarray(history.label_labeler, dtype=np.int64)
    if day.size != who.size:
        return {}
    keep = np.isfinite(day) & (day >= since) & (day < until)
    day, who = day[keep], who[keep]
    weekday = (history.first_weekday + working_dates_by_person(day, who).astype(np.int64)) % 7
    worked: dict[int, set[int]] = defaultdict(set)
    for person, d in zip(who.tolist(), weekday.tolist(), strict=True):
        worked[person].add(d)
    return {person: frozenset(days) for person, days in worked.items()}


@dataclass(frozen=True)
class _Group:
    """People of one shift who work the same days: the shift's pool, or one of its pools by working days.
    ``working_days`` are None when they are the calendar's."""

    staffed: _Staffed
    working_days: tuple[int, ...] | None
    shift_hours: float | None


def _by_working_days(
    staffed: _Staffed,
    worked: dict[int, frozenset[int]],
    times: dict[int, WorkingTime],
    calendar: Calendar,
    since: float,
    until: float,
    shift_hours: float | None,
) -> list[_Group]:
    """The shift's people by the days they work: the days most of them work, plus any others a person works
    (a crowd labeler who also works Sundays). One group working the calendar's days keeps the vendor's hours;
    otherwise each group's hours are per working day of its own days, read from its own people."""
    members = staffed.members
    seen = [p for p in members if p.id in worked]
    if len(seen) < 2:
        return [_Group(staffed, None, shift_hours)]
    tally = np.bincount([d for p in seen for d in worked[p.id]], minlength=7)
    common = frozenset(int(d) for d in np.flatnonzero(tally >= len(seen) / 2.0))
    by_days: dict[tuple[int, ...], list[PersonHistory]] = defaultdict(list)
    for person in members:
        extra = worked.get(person.id, common) - common
        by_days[tuple(sorted(common | extra))].append(person)
    if len(by_days) == 1 and next(iter(by_days)) == tuple(sorted(calendar.working_days)):
        return [_Group(staffed, None, shift_hours)]
    groups = sorted(by_days.items(), key=lambda item: (-len(item[1]), item[0]))
    sizes = [float(len(people)) for _, people in groups]
    training = apportion(staffed.training, sizes)
    hiring = apportion(staffed.hiring, sizes)
    result = []
    for (days, people), train, hire in zip(groups, training, hiring, strict=True):
        own = replace(calendar, working_days=days)
        exposure = {p.id: _exposure_in_window(p, since, until) for p in people}
        fitted = availability(times, exposure, [p.id for p in people])
        hours = _calendar_hours(
            fitted.hours_per_working_day,
            fitted.working_days_per_week,
            fitted.utilization,
            own,
            fitted.span_per_working_day,
        )
        group = _Staffed(staffed.shift, people, len(people), train, hire)
        result.append(_Group(group, days, shift_hours if hours is None else hours))
    return result


_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _days_label(days: tuple[int, ...]) -> str:
    return ",".join(_DAY_NAMES[d] for d in days)


def _vendor_speed(
    history: HistoryData, learning: LearningFit, producing: Sequence[PersonHistory]
) -> tuple[float, Estimate]:
    """The vendor's time factor (1 when unknown) and its estimate: its people's speed factors averaged in logs,
    weighted by their labels."""
    factors = learning.speed_factors
    labels_by_person: dict[int, int] = defaultdict(int)
    for lid in np.asarray(history.label_labeler, dtype=np.int64):
        labels_by_person[int(lid)] += 1
    weights = [labels_by_person.get(p.id, 0) for p in producing if p.id in factors]
    logs = [math.log(factors[p.id]) for p in producing if p.id in factors]
    speed = math.exp(float(np.average(logs, weights=weights))) if logs and sum(weights) > 0 else 1.0
    if not logs:
        return speed, Estimate.missing("time factor")
    spread = mean_estimate(logs)
    return speed, Estimate(speed, math.exp(spread.low), math.exp(spread.high), len(logs), "time factor")


def _shift_pool(
    pool: PoolHistory,
    staffed: _Staffed,
    name: str,
    pipeline: _Pipeline,
    shift_hours: float | None,
    speed: float,
    mean_tenure: float,
    done: tuple[tuple[float, ...], tuple[float, ...]],
    calendar: Calendar,
    start_hour: float,
    working_days: tuple[int, ...] | None = None,
    joins: tuple[PoolShare, ...] = (),
) -> tuple[Pool, ShiftPoolFit]:
    """One shift's scenario pool and its record. ``done``: the working days of training and the days of search
    its trainees and searches have behind them."""
    offset = _offset(start_hour, calendar)
    tenures = tuple(
        sorted((max(p.tenure_weeks, 0.0) for p in staffed.members if math.isfinite(p.tenure_weeks)), reverse=True)
    )
    scenario_pool = Pool(
        name=name,
        vendor=pool.name,
        headcount=Headcount(production=staffed.production, training=staffed.training, hiring=staffed.hiring),
        shift_offset_hours=offset,
        shift_hours=shift_hours,
        hourly_rate=pool.hourly_rate if pool.price_per_label is None else None,
        price_per_label=pool.price_per_label,
        time_to_hire_days=Distribution("gamma", _finite(pipeline.hire_mean, 14.0), _finite(pipeline.hire_cv, 0.3)),
        platform_training_days=_finite(pipeline.platform_training, 3.0),
        project_training_days=_finite(pipeline.project_training, 2.0),
        test_pass_probability=_finite(pipeline.passing.value, 0.9),
        attrition_per_week=min(1.0, pipeline.attrition.weekly_probability),
        initial_tenure_weeks=float(np.mean(tenures)) if tenures else mean_tenure,
        production_tenure_weeks=tenures,
        training_done_days=done[0],
        hiring_done_days=done[1],
        speed_factor=speed,
        working_days=working_days,
        joins=joins,
    )
    record = ShiftPoolFit(
        pool=name,
        start_hour=start_hour,
        offset_hours=offset,
        production=staffed.production,
        training=staffed.training,
        hiring=staffed.hiring,
        shift_hours=calendar.hours_per_day if shift_hours is None else shift_hours,
        speed_factor=speed,
    )
    return scenario_pool, record


def _start_hour(group: _Group, times: dict[int, WorkingTime], calendar: Calendar) -> float:
    """When the group's pool starts its day: where its hours are densest in its people's hours of the day. Each
    person starts at their own hour, so the shift's window spans them all and is longer than the pool's day;
    starting the pool at the window's start would have it stop working before most of its people do."""
    profile = sum((times[p.id].hours_by_hour for p in group.staffed.members if p.id in times), np.zeros(24))
    hours = calendar.hours_per_day if group.shift_hours is None else group.shift_hours
    if profile.sum() <= 0 or hours >= group.staffed.shift.hours:
        return group.staffed.shift.start_hour
    return densest_start(profile, hours)


def _joins(groups: Sequence[_Group], names: Sequence[str]) -> dict[ShiftFit, tuple[PoolShare, ...]]:
    """Where the newcomers of a shift split by working days go: each group of the shift, in proportion to the
    people seen working its days. Which days a trainee or a hire will work is unknown at the cut; the days its
    vendor's people work are the best guess (a crowd whose people each work a weekend day with some chance)."""
    by_shift: dict[ShiftFit, list[PoolShare]] = defaultdict(list)
    for group, name in zip(groups, names, strict=True):
        by_shift[group.staffed.shift].append(PoolShare(name, float(len(group.staffed.members))))
    return {
        shift: tuple(shares)
        for shift, shares in by_shift.items()
        if len(shares) > 1 and sum(share.share for share in shares) > 0.0
    }


def _shift_pools(
    pool: PoolHistory,
    stages: _Stages,
    groups: list[_Group],
    pipeline: _Pipeline,
    speed: float,
    mean_tenure: float,
    calendar: Calendar,
    times: dict[int, WorkingTime],
) -> tuple[list[Pool], list[ShiftPoolFit]]:
    """The vendor's pools, one per staffed shift and days worked (named after them when there are several)."""
    # Those in the pipeline keep how far along they are: working days of training done, days of search run.
    working_share = len(calendar.working_days) / 7.0
    trainees = [p.days_in_stage * working_share for p in stages.training]
    searches = [p.days_in_stage for p in stages.hiring]
    pools: list[Pool] = []
    records: list[ShiftPoolFit] = []
    shifts = {group.staffed.shift for group in groups}
    names = []
    for group in groups:
        parts = [_span(group.staffed.shift)] if len(shifts) > 1 else []
        if len(groups) > len(shifts) and group.working_days is not None:
            parts.append(_days_label(group.working_days))
        names.append(f"{pool.name} ({' '.join(parts)})" if parts else pool.name)
    joins = _joins(groups, names)
    for group, name in zip(groups, names, strict=True):
        shift = group.staffed
        trained, trainees = tuple(trainees[: shift.training]), trainees[shift.training :]
        searched, searches = tuple(searches[: shift.hiring]), searches[shift.hiring :]
        # The vendor's speed, not the few people of one shift's: hires come from the vendor, not the shift.
        made, record = _shift_pool(
            pool,
            shift,
            name,
            pipeline,
            group.shift_hours,
            speed,
            mean_tenure,
            (trained, searched),
            calendar,
            _start_hour(group, times, calendar),
            group.working_days,
            joins.get(shift.shift, ()),
        )
        pools.append(made)
        records.append(record)
    return pools, records


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
    has_people = bool(people)
    stages = _stages(pool, people)
    pipeline = _pipeline(pool)
    fitted, shift_hours, warnings = _availability(stages, has_people, times, calendar, since, float(history.days))
    shifts, members = _shift_members(stages.producing, times, calendar)
    staffed = _staffed(shifts, members, stages.counts, has_people)
    speed, speed_estimate = _vendor_speed(history, learning, stages.producing)
    tenures = [p.tenure_weeks for p in stages.producing if math.isfinite(p.tenure_weeks)]
    mean_tenure = float(np.mean(tenures)) if tenures else _finite(pool.mean_tenure_weeks, 0.0)
    until = float(history.days)
    worked = _weekdays_worked(history, since, until) if has_people else {}
    groups = [
        g for shift in staffed for g in _by_working_days(shift, worked, times, calendar, since, until, shift_hours)
    ]
    pools, shift_fits = _shift_pools(pool, stages, groups, pipeline, speed, mean_tenure, calendar, times)
    onboarding = [a + b for a, b in zip(pool.platform_training_days, pool.project_training_days, strict=False)]
    counts = stages.counts
    fit = PoolFit(
        vendor=pool.name,
        active=pool.active,
        status=pool.status,
        production=counts[0],
        training=counts[1],
        hiring=counts[2],
        pipeline=tuple(PipelinePerson(p.stage, p.days_in_stage) for p in stages.training + stages.hiring),
        hours_per_working_day=fitted.hours_per_working_day,
        working_days_per_week=fitted.working_days_per_week,
        utilization=fitted.utilization,
        speed_factor=speed_estimate,
        rework_rate=proportion(pool.thumbs_down, pool.reviews).estimate(),
        tenure_weeks=mean_estimate(tenures, "weeks") if tenures else Estimate.exact(mean_tenure, 0, "weeks"),
        attrition_per_week=pipeline.attrition.estimate(),
        test_pass_probability=pipeline.passing.estimate(),
        time_to_hire_days=mean_estimate(pool.hire_days, "days") if pipeline.hire_n else Estimate.missing("days"),
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
        # Reviews come scattered (seconds each, whenever labels are submitted): reviewers are there from their
        # first review of the day to their last, as labelers are, not only for the seconds their reviews take.
        shift_hours = _calendar_hours(
            fitted.hours_per_working_day,
            fitted.working_days_per_week,
            fitted.utilization,
            calendar,
            fitted.span_per_working_day,
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
        # Reviewers are there whenever labels come in, but the records (and the platform's cost) count only the
        # time their reviews take: paying their whole span would bill a day's review as hours of idle presence.
        paid_for="reviewing",
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
