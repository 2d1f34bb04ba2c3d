"""Calibration recovers the parameters that generated synthetic history (fixed seeds, 95% intervals)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from simulator.calendar import shift_windows as calendar_windows
from simulator.engine import run_replication
from simulator.planning.calibrate import (
    CurveStatus,
    HistoryData,
    PersonHistory,
    PoolHistory,
    calibrate,
    fit_attrition,
    fit_calendar,
    fit_curves,
    fit_demand,
    fit_duration,
    fit_learning_curve,
    fit_lognormal,
    proportion,
    working_time,
)
from simulator.planning.worktime import ShiftFit, fit_shifts
from simulator.scenario import Headcount, PoolShare


def test_lognormal_fit_recovers_mean_and_cv() -> None:
    rng = np.random.default_rng(1)
    sigma = 0.5
    values = rng.lognormal(math.log(40.0), sigma, 4000)
    fit = fit_lognormal(values)
    true_mean = 40.0 * math.exp(sigma**2 / 2)
    assert fit.mean_ci[0] <= true_mean <= fit.mean_ci[1]
    assert fit.cv == pytest.approx(math.sqrt(math.expm1(sigma**2)), abs=0.02)


def test_learning_curve_recovers_plateau_and_tau_despite_individual_speeds() -> None:
    rng = np.random.default_rng(2)
    n, people = 15000, 40
    who = rng.integers(0, people, n)
    speed = np.exp(rng.normal(0.0, 0.25, people))
    tenure = rng.uniform(0.0, 8.0, n)
    t0, share, tau = 60.0, 0.7, 1.75
    seconds = speed[who] * t0 * (share + (1 - share) * np.exp(-tenure / tau)) * rng.lognormal(0.0, 0.3, n)
    fit = fit_learning_curve(tenure, seconds, who)
    assert fit.ci["plateau_share"][0] <= share <= fit.ci["plateau_share"][1]
    assert fit.ci["tau_weeks"][0] <= tau <= fit.ci["tau_weeks"][1]
    assert fit.sigma == pytest.approx(0.3, abs=0.02)
    assert np.all(np.diff(fit.seconds(np.linspace(0, 10, 50))) <= 0)  # never slower with experience


def test_demand_fit_recovers_base_trend_and_weekly_factors() -> None:
    rng = np.random.default_rng(3)
    days = np.arange(84)
    weekly = np.array([1.2, 1.1, 1.0, 1.0, 1.1, 0.8, 0.8])
    weekly /= weekly.mean()
    first_weekday = 2  # the history starts on a Wednesday
    counts = rng.poisson(500.0 * (1 + 0.05 * days / 7) * weekly[(first_weekday + days) % 7])
    fit = fit_demand(counts, first_weekday)
    assert fit.base_per_day == pytest.approx(500.0, rel=0.03)
    assert fit.trend_per_week == pytest.approx(0.05, abs=0.01)
    assert np.allclose(fit.weekly_by_weekday, weekly, atol=0.03)
    assert fit.weekly_from(first_weekday)[0] == fit.weekly_by_weekday[2]


def test_attrition_and_rates_have_intervals_around_the_truth() -> None:
    rng = np.random.default_rng(4)
    hazard = 0.03
    exposure = rng.exponential(1 / hazard, 3000)
    observed = np.minimum(exposure, 12.0)  # censored at 12 weeks
    departed = exposure <= 12.0
    fit = fit_attrition(observed, departed)
    assert fit.ci[0] <= -math.expm1(-hazard) <= fit.ci[1]
    rate = proportion(int((rng.random(5000) < 0.12).sum()), 5000)
    assert rate.ci[0] <= 0.12 <= rate.ci[1]
    mean, cv, n = fit_duration(rng.gamma(1 / 0.09, 14.0 * 0.09, 2000))
    assert mean == pytest.approx(14.0, rel=0.03) and cv == pytest.approx(0.3, abs=0.03) and n == 2000


def test_calibrate_builds_a_valid_scenario_from_history_arrays() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    who = rng.integers(0, 10, n)
    tenure = rng.uniform(0, 6, n)
    seconds = 90 * (0.7 + 0.3 * np.exp(-tenure / 1.5)) * rng.lognormal(0, 0.3, n)
    history = HistoryData(
        name="synthetic",
        first_weekday=0,
        days=28,
        daily_arrivals=rng.poisson(200, 28).astype(float),
        label_seconds=seconds,
        label_tenure_weeks=tenure,
        label_labeler=who,
        label_hour_of_day=rng.uniform(9, 17, n),
        rework_seconds=np.where(rng.random(n) < 0.1, seconds * 0.4, 0.0),
        rework_count=(rng.random(n) < 0.1).astype(float),
        reviewed_labels=n // 2,
        reviews=n // 2,
        thumbs_down=n // 20,
        review_seconds=rng.uniform(20, 40, n // 2),
        reviewers=3,
        labels_per_task=1.0,
        consensus_coverage=0.0,
        benchmark_share=0.02,
        sla_turnaround_hours=48.0,
        sla_target_share=0.95,
        pools=[
            PoolHistory(
                "acme",
                8,
                2,
                1,
                12.0,
                None,
                4.0,
                hire_days=[10, 14, 12],
                tests_passed=9,
                tests_taken=10,
                exposure_weeks=[4.0] * 10,
                departed=[False] * 9 + [True],
            ),
        ],
    )
    calibration = calibrate(history, horizon_days=14)
    scenario = calibration.scenario
    assert scenario.workforce[0].headcount.production == 8
    assert scenario.workforce[0].test_pass_probability == pytest.approx(0.9)
    assert scenario.review.share_reviewed == pytest.approx(0.5)
    assert scenario.learning.params["plateau_share"] == pytest.approx(0.7, abs=0.05)
    assert calibration.fitted.review.rework_rate.value == pytest.approx(0.1, abs=0.001)
    from simulator.engine import run_replication

    assert run_replication(scenario, 1).summary.tasks_arrived > 0


def test_fit_calendar_finds_weekday_office_hours() -> None:
    rng = np.random.default_rng(6)
    days = np.arange(28)
    weekdays = days[(days % 7) < 5]  # the history starts on a Monday
    label_day = rng.choice(weekdays, 4000) + (9.0 + rng.uniform(0.0, 8.0, 4000)) / 24.0
    fit = fit_calendar(label_day, np.full(4000, 60.0), 0, 28)
    assert fit.working_days == (0, 1, 2, 3, 4)
    assert (fit.start_hour, fit.hours_per_day, fit.observed_window_hours) == (9.0, 8.0, 8.0)
    assert [(s.start_hour, s.hours, s.share) for s in fit.shifts] == [(9.0, 8.0, 1.0)]
    # Round the clock: three back-to-back 8-hour shifts span a 24-hour calendar.
    round_the_clock = fit_calendar(rng.uniform(0, 28, 4000), np.full(4000, 60.0), 0, 28)
    assert round_the_clock.working_days == tuple(range(7))
    assert round_the_clock.hours_per_day == 24.0 and round_the_clock.observed_window_hours >= 20.0
    assert [s.hours for s in round_the_clock.shifts] == [8.0, 8.0, 8.0]
    assert [s.share for s in round_the_clock.shifts] == pytest.approx([1 / 3] * 3, abs=0.03)


def test_fit_shifts_follows_the_hour_of_day_profile() -> None:
    even, window = fit_shifts(np.full(24, 5.0))
    assert window >= 22.0 and [s.hours for s in even] == [8.0, 8.0, 8.0]
    assert [s.share for s in even] == pytest.approx([1 / 3] * 3)
    starts = sorted(s.start_hour for s in even)
    assert np.diff(starts).tolist() == [8.0, 8.0]
    office = np.zeros(24)
    office[9:17] = 10.0
    assert fit_shifts(office) == ((ShiftFit(9.0, 8.0, 1.0),), 8.0)
    # Labeling from 06:00 to 18:00, twice as busy from 10:00 and again from 14:00: 90% of the hours fall in
    # 08:00-18:00, covered by two 8-hour shifts centred on it, each with the hours recorded in it.
    two = np.zeros(24)
    two[6:10], two[10:14], two[14:18] = 1.0, 2.0, 4.0
    shifts, window = fit_shifts(two)
    assert window == 10.0
    assert [(s.start_hour, s.hours) for s in shifts] == [(5.0, 8.0), (13.0, 8.0)]
    assert [s.share for s in shifts] == pytest.approx([(4 + 3 * 2) / 28, (2 + 4 * 4) / 28])
    assert fit_shifts(np.zeros(24)) == ((ShiftFit(0.0, 8.0, 1.0),), 24.0)
    with pytest.raises(ValueError, match="24 hourly values"):
        fit_shifts(np.ones(12))


def _staffed_history(pools: list[PoolHistory]) -> HistoryData:
    rng = np.random.default_rng(7)
    n, days = 3000, 28
    weekdays = np.arange(days)[(np.arange(days) % 7) < 5]
    seconds = 90 * rng.lognormal(0, 0.3, n)
    return HistoryData(
        name="staffed",
        first_weekday=0,
        days=days,
        daily_arrivals=rng.poisson(200, days).astype(float),
        label_seconds=seconds,
        label_tenure_weeks=rng.uniform(0, 6, n),
        label_labeler=rng.integers(0, 10, n),
        label_hour_of_day=rng.uniform(9, 17, n),
        rework_seconds=np.zeros(n),
        rework_count=np.zeros(n),
        reviewed_labels=0,
        reviews=0,
        thumbs_down=0,
        review_seconds=np.zeros(0),
        reviewers=0,
        labels_per_task=1.0,
        consensus_coverage=0.0,
        benchmark_share=0.0,
        sla_turnaround_hours=48.0,
        sla_target_share=0.9,
        pools=pools,
        label_day=rng.choice(weekdays, n) + rng.uniform(9.0, 17.0, n) / 24.0,
        recent_days=14,
    )


def test_a_forecast_starting_midweek_counts_working_days_and_weekly_factors_from_its_first_day() -> None:
    # Four weeks of Monday-to-Friday work from a Monday; the forecast starts three days before the end, on a
    # Friday (day 25), so the scenario's day 0 is a Friday, day 1 a Saturday, ..., day 3 a Monday.
    pool = PoolHistory("acme", 12, 0, 0, 12.0, None, 4.0)
    history = _staffed_history([pool])

    calibration = calibrate(history, horizon_days=14, start_day=25)

    scenario = calibration.scenario
    assert calibration.fitted.calendar.first_day_weekday == 4
    assert calibration.fitted.calendar.working_weekdays == (0, 1, 2, 3, 4)
    assert scenario.calendar.working_days == (0, 3, 4, 5, 6)  # Friday, then Monday to Thursday
    weekly_by_weekday = calibration.demand.weekly_by_weekday
    assert scenario.demand.weekly == pytest.approx([weekly_by_weekday[(4 + day) % 7] for day in range(7)])


def _workday_labels(
    rng: np.random.Generator, person: int, days: int, start_hour: float, hours: float, weekdays: int = 5
) -> tuple[list[float], list[float], list[int]]:
    """Back-to-back labels of about a minute filling ``hours`` from ``start_hour`` on the first ``weekdays`` days of
    each week (the history starts on a Monday)."""
    starts: list[float] = []
    seconds: list[float] = []
    for day in range(days):
        if day % 7 >= weekdays:
            continue
        clock = start_hour * 3600.0
        while clock < (start_hour + hours) * 3600.0:
            took = float(rng.uniform(40.0, 80.0))
            starts.append(day + clock / 86400.0)
            seconds.append(took)
            clock += took
    return starts, seconds, [person] * len(starts)


def _people_history(rng: np.random.Generator) -> HistoryData:
    """acme: 6 people in production, 6 h a day Monday to Friday from 09:00, one trainee and one being hired;
    gone: an offboarded vendor whose 2 people labeled too; qa: 2 reviewers at $40/h, 4 h a day from 10:00."""
    days = 28
    day, secs, who = [], [], []
    people = []
    for person in range(6):
        d, s, w = _workday_labels(rng, person, days, 9.0, 6.0)
        day += d
        secs += s
        who += w
        people.append(PersonHistory(person, "acme", "production", 30.0, 4.0 + person, 15.0))
    people += [PersonHistory(6, "acme", "training", 3.0), PersonHistory(7, "acme", "hiring", 5.0)]
    for person in (8, 9):
        d, s, w = _workday_labels(rng, person, days, 9.0, 2.0)
        day += d
        secs += s
        who += w
        people.append(PersonHistory(person, "gone", "production", 30.0, 10.0, None))
    review_day, review_secs, reviewer = [], [], []
    for person in (10, 11):
        d, s, w = _workday_labels(rng, person, days, 10.0, 4.0)
        review_day += d
        review_secs += s
        reviewer += w
        people.append(PersonHistory(person, "qa", "production", 90.0, 40.0, 40.0))
    n = len(day)
    label_seconds = np.asarray(secs)
    return HistoryData(
        name="people",
        first_weekday=0,
        days=days,
        daily_arrivals=np.full(days, 1500.0),
        label_seconds=label_seconds,
        label_tenure_weeks=rng.uniform(0, 6, n),
        label_labeler=np.asarray(who),
        label_hour_of_day=np.mod(day, 1.0) * 24.0,
        rework_seconds=np.zeros(n),
        rework_count=np.zeros(n),
        reviewed_labels=len(review_day),
        reviews=len(review_day),
        thumbs_down=len(review_day) // 10,
        review_seconds=np.asarray(review_secs),
        reviewers=2,
        labels_per_task=1.0,
        consensus_coverage=0.0,
        benchmark_share=0.0,
        sla_turnaround_hours=24.0,
        sla_target_share=0.9,
        pools=[
            PoolHistory("acme", 6, 1, 1, 15.0, None, 6.5, reviews=200, thumbs_down=20),
            PoolHistory("gone", 2, 0, 0, None, 0.1, 10.0, active=False, status="OFFBOARDED"),
            PoolHistory("qa", 2, 0, 0, 40.0, None, 40.0),
        ],
        label_day=np.asarray(day),
        recent_days=14,
        people=tuple(people),
        review_day=np.asarray(review_day),
        review_reviewer=np.asarray(reviewer),
    )


def test_calibrated_pools_are_people_with_their_hours_and_working_days() -> None:
    calibration = calibrate(_people_history(np.random.default_rng(12)), horizon_days=14)
    scenario, fitted = calibration.scenario, calibration.fitted
    # The offboarded vendor is fitted but gives no pool; the reviewers' vendor is the review pool, not labelers.
    assert [p.name for p in scenario.workforce] == ["acme"]
    assert fitted.excluded_vendors == ("gone",) and not fitted.pool("gone").active
    acme = scenario.workforce[0]
    assert acme.headcount == Headcount(production=6, training=1, hiring=1)
    assert sorted(acme.production_tenure_weeks) == [4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    # The trainee has done 3 days of training (working days: 5 of 7), the search has run 5 days.
    assert acme.training_done_days == (pytest.approx(3.0 * 5 / 7),) and acme.hiring_done_days == (5.0,)
    record = fitted.pool("acme")
    assert record.hours_per_working_day.value == pytest.approx(6.0, rel=0.02)
    assert record.hours_per_working_day.low <= record.hours_per_working_day.value <= record.hours_per_working_day.high
    assert record.working_days_per_week.value == pytest.approx(5.0)
    assert record.hours_per_working_day.n == 6 * 10  # person-days in the two-week window
    assert [(p.stage, p.days_in_stage) for p in record.pipeline] == [("training", 3.0), ("hiring", 5.0)]
    assert record.rework_rate.value == 0.1 and record.rework_rate.n == 200
    assert record.rework_rate.low < 0.1 < record.rework_rate.high
    # Monday to Friday from 09:00: the calendar's shift, worked in full by each of them.
    assert scenario.calendar.working_days == (0, 1, 2, 3, 4) and scenario.calendar.start_hour == 9.0
    assert acme.shift_hours == pytest.approx(6.0, rel=0.02) and acme.shift_offset_hours == 0.0
    review = scenario.review
    assert (review.reviewers, review.reviewer_hourly_rate, review.paid_for) == (2, 40.0, "reviewing")
    assert review.shift_hours == pytest.approx(4.0, rel=0.02)
    assert review.shift_offset_hours == pytest.approx(1.0)
    assert fitted.review.hourly_rate.value == 40.0
    assert fitted.to_dict()["pools"][0]["hours_per_working_day"]["n"] == 60
    assert run_replication(scenario, 1).summary.tasks_completed > 0


def with_labels(
    history: HistoryData,
    labels: tuple[list[float], list[float], list[int]],
    tenure_weeks: np.ndarray,
    **changes: Any,
) -> HistoryData:
    """`history` with its labels replaced by `labels` (days, seconds, labelers; none reworked), and `changes`."""
    day, seconds, who = (np.asarray(values) for values in labels)
    return replace(
        history,
        label_day=day,
        label_seconds=seconds,
        label_labeler=who,
        label_tenure_weeks=tenure_weeks,
        label_hour_of_day=np.mod(day, 1.0) * 24.0,
        rework_seconds=np.zeros(day.size),
        rework_count=np.zeros(day.size),
        **changes,
    )


def test_people_who_also_work_sundays_are_a_pool_of_their_own() -> None:
    # acme's six work Monday to Friday; two more also work Sundays, which makes Sunday a day of the calendar.
    # Spread over the calendar's six days, the six would work Sundays too and lose a sixth of their weekday hours.
    rng = np.random.default_rng(5)
    history = _people_history(rng)
    day, seconds, who = list(history.label_day), list(history.label_seconds), list(history.label_labeler)
    for person in (20, 21):
        d, s, w = _workday_labels(rng, person, history.days, 9.0, 6.0, weekdays=7)
        kept = [i for i, value in enumerate(d) if int(value) % 7 != 5]  # not Saturdays
        day += [d[i] for i in kept]
        seconds += [s[i] for i in kept]
        who += [w[i] for i in kept]
    history = with_labels(
        history,
        (day, seconds, who),
        rng.uniform(0, 6, len(day)),
        people=(
            *history.people,
            PersonHistory(20, "acme", "production", 30.0, 5.0),
            PersonHistory(21, "acme", "production", 30.0, 5.0),
        ),
    )
    # The forecast starts on a Thursday (day 3 of the week): its day 3 is a Sunday.
    scenario = calibrate(history, horizon_days=14, start_day=history.days - 4).scenario
    assert scenario.calendar.working_days == (0, 1, 3, 4, 5, 6)
    pools = {p.name: p for p in scenario.workforce}
    assert sorted(pools) == ["acme (Mon,Tue,Wed,Thu,Fri)", "acme (Mon,Tue,Wed,Thu,Fri,Sun)"]
    weekdays, sundays = pools["acme (Mon,Tue,Wed,Thu,Fri)"], pools["acme (Mon,Tue,Wed,Thu,Fri,Sun)"]
    assert weekdays.headcount.production == 6 and sundays.headcount.production == 2
    assert weekdays.working_days == (0, 1, 4, 5, 6) and sundays.working_days == (0, 1, 3, 4, 5, 6)
    assert weekdays.shift_hours == pytest.approx(6.0, rel=0.03) and sundays.shift_hours == pytest.approx(6.0, rel=0.03)
    # Which days a trainee or a hire will work is not known: each joins a group with the chance its people show.
    shares = (PoolShare(weekdays.name, 6.0), PoolShare(sundays.name, 2.0))
    assert weekdays.joins == shares and sundays.joins == shares


def test_reviewers_whose_reviews_come_scattered_are_there_from_their_first_review_to_their_last() -> None:
    # qa reviews a label of seconds whenever one comes in, 08:00 to 20:00 on weekdays: busy minutes a day, and
    # available the whole twelve hours (counted from the busy minutes, the review pool works a quarter of an hour).
    rng = np.random.default_rng(3)
    history = _people_history(rng)
    day, seconds, who = [], [], []
    for person in (10, 11):
        for d in range(history.days):
            if d % 7 >= 5:
                continue
            times = np.sort(rng.uniform(8.0, 20.0, 40))
            times[0], times[-1] = 8.0, 19.9
            day += (d + times / 24.0).tolist()
            seconds += rng.uniform(10.0, 20.0, times.size).tolist()
            who += [person] * times.size
    history = replace(
        history, review_day=np.asarray(day), review_seconds=np.asarray(seconds), review_reviewer=np.asarray(who)
    )
    review = calibrate(history, horizon_days=14).scenario.review
    assert review.shift_hours == pytest.approx(11.9, rel=0.02)


def _two_zone_history(rng: np.random.Generator) -> HistoryData:
    """east: 8 people labeling 00:00-07:00 on the reference clock, Monday to Friday (a team eight hours ahead);
    west: 4 people labeling 16:00-18:00 on the same days. Together they make a calendar that starts late in the
    evening, with east's shift just after midnight."""
    days = 28
    day, secs, who = [], [], []
    people = []
    for person, (vendor, start, hours) in enumerate([("east", 0.0, 7.0)] * 8 + [("west", 16.0, 2.0)] * 4):
        d, s, w = _workday_labels(rng, person, days, start, hours)
        day, secs, who = day + d, secs + s, who + w
        people.append(PersonHistory(person, vendor, "production", 30.0, 10.0, 15.0))
    n = len(day)
    return HistoryData(
        name="two zones",
        first_weekday=0,
        days=days,
        daily_arrivals=np.full(days, 1500.0),
        label_seconds=np.asarray(secs),
        label_tenure_weeks=np.full(n, 10.0),
        label_labeler=np.asarray(who),
        label_hour_of_day=np.mod(day, 1.0) * 24.0,
        rework_seconds=np.zeros(n),
        rework_count=np.zeros(n),
        reviewed_labels=0,
        reviews=0,
        thumbs_down=0,
        review_seconds=np.zeros(0),
        reviewers=0,
        labels_per_task=1.0,
        consensus_coverage=0.0,
        benchmark_share=0.0,
        sla_turnaround_hours=24.0,
        sla_target_share=0.9,
        pools=[PoolHistory("east", 8, 0, 0, 15.0, None, 10.0), PoolHistory("west", 4, 0, 0, 15.0, None, 10.0)],
        label_day=np.asarray(day),
        recent_days=14,
        people=tuple(people),
    )


def test_each_pool_works_the_days_and_hours_its_people_labeled() -> None:
    # Given two teams in different time zones, both working Monday to Friday on the reference clock
    calibration = calibrate(_two_zone_history(np.random.default_rng(5)), horizon_days=14)
    scenario = calibration.scenario
    # When the scenario lays out each pool's shifts over two weeks from a Monday
    worked = {}
    for pool in scenario.workforce:
        windows = calendar_windows(scenario.calendar, pool.shift_offset_hours, pool.shift_hours, 14)
        worked[pool.vendor] = {(int(start // 24.0) % 7, round(start % 24.0)) for start, _ in windows}
    # Then each shift starts on a weekday, at the hour its people started labeling: none on a Saturday
    assert worked["east"] == {(weekday, 0) for weekday in range(5)}
    assert worked["west"] == {(weekday, 16) for weekday in range(5)}


def test_part_week_workers_give_their_days_spread_over_the_calendar() -> None:
    rng = np.random.default_rng(13)
    history = _people_history(rng)
    # Two more acme people working 3 of the 5 weekdays, 6 hours each.
    extra_day, extra_secs, extra_who = [], [], []
    for person in (20, 21):
        d, s, w = _workday_labels(rng, person, 28, 9.0, 6.0, weekdays=3)
        extra_day += d
        extra_secs += s
        extra_who += w
    people = (
        *history.people,
        PersonHistory(20, "acme", "production", 30.0, 5.0),
        PersonHistory(21, "acme", "production", 30.0, 5.0),
    )
    n = len(extra_day)
    history = replace(
        history,
        people=people,
        label_day=np.concatenate([history.label_day, extra_day]),
        label_seconds=np.concatenate([history.label_seconds, extra_secs]),
        label_labeler=np.concatenate([history.label_labeler, extra_who]),
        label_tenure_weeks=np.concatenate([history.label_tenure_weeks, rng.uniform(0, 6, n)]),
        label_hour_of_day=np.concatenate([history.label_hour_of_day, np.full(n, 9.0)]),
        rework_seconds=np.zeros(history.rework_seconds.size + n),
        rework_count=np.zeros(history.rework_count.size + n),
    )
    fitted = calibrate(history, horizon_days=14).fitted.pool("acme")
    assert fitted.production == 8
    # 6 people on 5 days and 2 on 3 days a week.
    assert fitted.working_days_per_week.value == pytest.approx((6 * 5 + 2 * 3) / 8)
    assert fitted.shifts[0].shift_hours == pytest.approx(6.0 * (6 * 5 + 2 * 3) / 8 / 5, rel=0.02)


def test_working_time_splits_sessions_at_pauses() -> None:
    # Two stretches of back-to-back minute labels, 09:00-10:00 and 14:00-15:00, on one day.
    starts = [9.0 / 24 + i / 1440 for i in range(60)] + [14.0 / 24 + i / 1440 for i in range(60)]
    times = working_time(np.asarray(starts), np.full(120, 60.0), np.zeros(120, dtype=np.int64), since=0, until=1)
    assert times[0].worked_days == 1
    assert times[0].session_hours == pytest.approx(2.0)
    assert times[0].busy_hours == pytest.approx(2.0)
    assert times[0].hours_by_hour[9] == pytest.approx(1.0) and times[0].hours_by_hour[14] == pytest.approx(1.0)
    assert times[0].hours_by_hour.sum() == pytest.approx(2.0)


def _shift_labels(person: int, days: int, parts: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """Back-to-back one-minute labels Monday to Friday in ``parts`` (start hour of the local day on the reference
    clock, which may pass 24, and hours)."""
    starts = [
        day + (start + minute / 60.0) / 24.0
        for day in range(days)
        if day % 7 < 5
        for start, hours in parts
        for minute in range(round(hours * 60))
    ]
    return starts, [60.0] * len(starts)


@pytest.mark.parametrize(
    ("parts", "weekly_on_shift"),
    [
        ([(19.0, 7.0)], 35.0),  # 09:00-16:00 in America/Adak (UTC-10): 19:00-02:00 on the reference clock
        # The same day with lunch at midnight UTC: lunch counts as time on shift (the records cannot tell it from
        # waiting for work), as it does in daytime
        ([(19.0, 4.0), (24.0, 3.0)], 40.0),
        ([(1.0, 7.0)], 35.0),  # 10:00-17:00 in Asia/Tokyo: after midnight UTC, on the date it starts
    ],
)
def test_a_shift_crossing_midnight_on_the_reference_clock_is_one_working_day(
    parts: list[tuple[float, float]], weekly_on_shift: float
) -> None:
    # Given six people working seven hours a day, Monday to Friday of their own days, across midnight UTC
    days = 28
    history = _two_zone_history(np.random.default_rng(5))
    labels = [_shift_labels(person, days, parts) for person in range(6)]
    day = np.concatenate([starts for starts, _ in labels])
    keep = day < days
    who = np.repeat(np.arange(6), [len(starts) for starts, _ in labels])[keep]
    n = int(keep.sum())
    history = replace(
        history,
        label_day=day[keep],
        label_seconds=np.full(n, 60.0),
        label_labeler=who,
        label_tenure_weeks=np.full(n, 10.0),
        label_hour_of_day=np.mod(day[keep], 1.0) * 24.0,
        rework_seconds=np.zeros(n),
        rework_count=np.zeros(n),
        pools=[PoolHistory("adak", 6, 0, 0, 15.0, None, 10.0)],
        people=tuple(PersonHistory(person, "adak", "production", 30.0, 10.0, 15.0) for person in range(6)),
    )
    # When they are calibrated
    calibration = calibrate(history, horizon_days=14)
    # Then each works 7 hours on 5 days, as the records show; a day cut at midnight UTC joined one shift's tail to
    # the next one's start (24 hours from first label to last: three times the team's hours in the forecast), and
    # a lunch at midnight made each shift two working days of half its hours.
    fitted = calibration.fitted.pool("adak")
    assert fitted.hours_per_working_day.value == pytest.approx(7.0, rel=0.01)
    assert fitted.working_days_per_week.value == pytest.approx(5.0)
    scenario = calibration.scenario
    [pool] = scenario.workforce
    windows = calendar_windows(scenario.calendar, pool.shift_offset_hours, pool.shift_hours, 14)
    weekly_hours = sum(end - start for start, end in windows) / 2.0
    assert weekly_hours == pytest.approx(weekly_on_shift, rel=0.02)
    # On the weekdays their shifts start on, Monday to Friday: a Friday shift's hours after midnight UTC made
    # Saturday a working day, and a sixth of the team's hours were placed on Saturday evenings, when nobody works
    assert calibration.fitted.calendar.working_weekdays == (0, 1, 2, 3, 4)
    assert pool.working_days in (None, scenario.calendar.working_days)
    shift_starts = {int(start // 24.0) % 7 for start, _ in windows}
    assert shift_starts == {0, 1, 2, 3, 4}


def test_learning_fits_report_their_status_instead_of_bound_values() -> None:
    # Three points: nothing to fit.
    few = fit_curves([([0, 1, 2], [60.0, 55.0, 50.0], [10, 10, 10])], min_tau=0.5)[0]
    assert few.status is CurveStatus.TOO_FEW_POINTS and math.isnan(few.tau)
    # All the learning before the second day: tau runs into the bottom of its search range.
    steep = fit_curves([(list(range(10)), [90.0] + [40.0] * 9, [20] * 10)], min_tau=0.5)[0]
    assert steep.status is CurveStatus.AT_BOUND
    # A clean curve: fitted, with standard errors that cover the truth.
    t = np.arange(0.0, 60.0)
    y = 40.0 + 20.0 * np.exp(-t / 10.0) + np.random.default_rng(14).normal(0.0, 0.5, t.size)
    good = fit_curves([(t, y, np.ones(t.size))], min_tau=0.5)[0]
    assert good.status is CurveStatus.OK
    assert abs(good.tau - 10.0) < 3 * good.tau_se and abs(good.t0 - 60.0) < 3 * good.t0_se
    # Labels without any learning give a flat curve that says so, not a number off a bound.
    rng = np.random.default_rng(15)
    flat = fit_learning_curve(rng.uniform(0, 6, 500), 60.0 * rng.lognormal(0, 0.2, 500))
    assert flat.status is not CurveStatus.OK


def test_too_few_labels_to_fit_says_whether_times_or_tenures_are_missing() -> None:
    # 30 labels: 20 imported without a time, 8 made before their labeler reached production, 2 usable.
    tenure = np.r_[np.full(20, 1.0), np.full(8, -0.5), np.full(2, 1.0)]
    seconds = np.r_[np.zeros(20), np.full(10, 60.0)]
    with pytest.raises(ValueError, match="got 2 of 30: 20 without a time over 0 seconds, 8 made before their"):
        fit_learning_curve(tenure, seconds)


def test_a_vendor_with_only_trainees_gets_the_hours_seen_elsewhere_not_the_whole_day() -> None:
    history = _people_history(np.random.default_rng(16))
    history = replace(
        history,
        pools=[*history.pools, PoolHistory("fresh", 0, 2, 0, 12.0, None, 0.0)],
        people=(
            *history.people,
            PersonHistory(30, "fresh", "training", 2.0),
            PersonHistory(31, "fresh", "training", 4.0),
        ),
    )
    calibration = calibrate(history, horizon_days=14)
    acme, fresh = (calibration.scenario.pool(name) for name in ("acme", "fresh"))
    assert fresh.headcount == Headcount(training=2)
    assert fresh.shift_hours == acme.shift_hours
    assert any(w.startswith("fresh: no hours seen") for w in calibration.fitted.warnings)


def test_a_labeler_waiting_for_work_on_shift_is_available_from_first_item_to_last() -> None:
    # A shift of 09:00-17:00 on 10 days, a five-minute item every half hour: sessions are the items themselves
    # (busy a sixth of the day), but the labeler was there from 09:00 to the last item's end at 16:35.
    from simulator.planning.calibrate.people import availability
    from simulator.planning.calibrate.workforce import _calendar_hours
    from simulator.scenario import Calendar

    starts = np.asarray([day + (9.0 + 0.5 * i) / 24 for day in range(10) for i in range(16)])
    times = working_time(starts, np.full(starts.size, 300.0), np.zeros(starts.size, dtype=np.int64), since=0, until=10)
    fitted = availability(times, {0: 10.0}, [0])
    assert fitted.utilization.value == pytest.approx(16 * 5 / 60 / 7.5833, rel=1e-3)
    calendar = Calendar(hours_per_day=8.0, working_days=tuple(range(7)))
    hours = fitted.hours_per_working_day, fitted.working_days_per_week, fitted.utilization, calendar
    # Labelers: the span of their day; without it (reviewers), the sessions at the assumed 85% busy.
    assert _calendar_hours(*hours, fitted.span_per_working_day) == pytest.approx(7.5833, rel=1e-3)
    assert _calendar_hours(*hours) == pytest.approx(16 * 5 / 60 / 0.85, rel=1e-3)


def test_a_curve_without_standard_errors_leaves_the_others_theirs() -> None:
    # A flat series makes its Jacobian singular (no span, so tau has no effect): its errors are nan, while the
    # series fitted beside it (in the same batch) keep theirs.
    t = np.arange(0.0, 30.0)
    curved = (t, 40.0 + 20.0 * np.exp(-t / 6.0) + np.random.default_rng(21).normal(0.0, 0.3, t.size), np.ones(t.size))
    flat = (t, np.full(t.size, 50.0), np.ones(t.size))
    fits = fit_curves([curved, flat], min_tau=0.5)
    alone = fit_curves([curved], min_tau=0.5)[0]
    assert fits[0].status is CurveStatus.OK and fits[0].t0_se == pytest.approx(alone.t0_se, rel=1e-9)
    assert fits[1].t0 == pytest.approx(50.0) and math.isnan(fits[1].t0_se) and math.isnan(fits[1].tau_se)


def test_series_of_any_lengths_fitted_together_equal_each_fitted_alone() -> None:
    # Short and long series interleaved: the long ones are fitted in batches of their own, and the ones too short
    # to fit in between must not shift which result goes to which series.
    rng = np.random.default_rng(22)
    series = []
    for size in (2, 120, 3, 6, 40, 1, 9, 75, 4, 250, 18):
        t = np.sort(rng.choice(400, size=size, replace=False)).astype(float)
        initial, plateau, tau = rng.uniform(50, 90), rng.uniform(15, 35), rng.uniform(2, 40)
        y = plateau + (initial - plateau) * np.exp(-t / tau) * rng.lognormal(0.0, 0.05, size)
        series.append((t, y, rng.integers(1, 30, size=size).astype(float)))
    together = fit_curves(series, min_tau=0.5)
    alone = [fit_curves([item], min_tau=0.5)[0] for item in series]
    assert [fit.points for fit in together] == [len(item[0]) for item in series]
    assert sum(fit.status is CurveStatus.OK for fit in alone) >= 4
    for fit, reference in zip(together, alone, strict=True):
        assert fit.status is reference.status
        if fit.status is CurveStatus.OK:
            figures = (fit.t0, fit.t_inf, fit.tau, fit.t0_se, fit.tau_se)
            expected = (reference.t0, reference.t_inf, reference.tau, reference.t0_se, reference.tau_se)
            assert figures == pytest.approx(expected, rel=1e-6)
