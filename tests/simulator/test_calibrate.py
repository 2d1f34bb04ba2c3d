"""Calibration recovers the parameters that generated synthetic history (fixed seeds, 95% intervals)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from simulator.calibrate import (
    HistoryData,
    PoolHistory,
    calibrate,
    fit_attrition,
    fit_calendar,
    fit_demand,
    fit_duration,
    fit_learning_curve,
    fit_lognormal,
    full_time_equivalents,
    proportion,
)
from simulator.engine import run_replication
from simulator.scenario import Headcount
from simulator.worktime import ShiftFit, fit_shifts


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
        labeling_hours_per_labeler_day=5.0,
    )
    calibration = calibrate(history, horizon_days=14)
    scenario = calibration.scenario
    assert scenario.workforce[0].headcount.production == 8
    assert scenario.workforce[0].test_pass_probability == pytest.approx(0.9)
    assert scenario.review.share_reviewed == pytest.approx(0.5)
    assert scenario.learning.params["plateau_share"] == pytest.approx(0.7, abs=0.05)
    assert calibration.fitted["rework_rate"]["value"] == pytest.approx(0.1, abs=0.001)
    from simulator.engine import run_replication

    assert run_replication(scenario, 1).summary.tasks_arrived > 0


def test_full_time_equivalents_from_recorded_hours() -> None:
    # 8-hour shifts at 85% utilization: one full-time labeler records 6.8 labeling hours a working day.
    one = full_time_equivalents(68.0, 10, 8.0, 0.85)
    assert (one.hours_per_working_day, one.fte, one.labelers) == (pytest.approx(6.8), pytest.approx(1.0), 1)
    assert one.labeler_shift_hours == pytest.approx(8.0)
    three = full_time_equivalents(204.0, 10, 8.0, 0.85)
    assert (three.fte, three.labelers, three.labeler_shift_hours) == (pytest.approx(3.0), 3, pytest.approx(8.0))
    # 1.5 labelers' worth: two people on 6-hour shifts give the same hours.
    partial = full_time_equivalents(102.0, 10, 8.0, 0.85)
    assert (partial.labelers, partial.labeler_shift_hours) == (2, pytest.approx(6.0))
    # Less than one labeler's worth: one part-time labeler.
    part_time = full_time_equivalents(17.0, 10, 8.0, 0.85)
    assert (part_time.fte, part_time.labelers, part_time.labeler_shift_hours) == (pytest.approx(0.25), 1, 2.0)
    idle = full_time_equivalents(0.0, 10, 8.0, 0.85)
    assert (idle.fte, idle.labelers) == (0.0, 0)
    with pytest.raises(ValueError, match="working_days"):
        full_time_equivalents(10.0, 0, 8.0)


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


def test_calibrated_headcount_is_the_full_time_equivalent_of_recent_hours() -> None:
    # Two weeks of weekdays (10 working days); 8-hour shifts at 85%: 68 hours make one full-time labeler.
    labeling = PoolHistory("acme", 12, 2, 0, 12.0, None, 4.0, recent_labeling_hours=204.0, recent_labelers=12)
    part_time = PoolHistory("beta", 5, 0, 0, 10.0, None, 4.0, recent_labeling_hours=17.0, recent_labelers=5)
    reviewers_only = PoolHistory("qa", 6, 0, 0, 20.0, None, 30.0, recent_labeling_hours=0.0, recent_labelers=0)
    calibration = calibrate(_staffed_history([labeling, part_time, reviewers_only]), horizon_days=14)
    scenario = calibration.scenario
    assert scenario.calendar.working_days == (0, 1, 2, 3, 4)
    assert (scenario.calendar.start_hour, scenario.calendar.hours_per_day) == (9.0, 8.0)
    acme, beta, qa = scenario.workforce
    # 12 people on the books give 3 labelers' worth of hours; the 2 in training will be as part-time.
    assert acme.headcount == Headcount(production=3, training=0, hiring=0) and acme.shift_hours is None
    # Office hours: one Monday-to-Friday shift per vendor, on the calendar's.
    assert [p.name for p in scenario.workforce] == ["acme", "beta", "qa"]
    assert all(p.shift_offset_hours == 0.0 for p in scenario.workforce)
    assert (beta.headcount.production, beta.shift_hours) == (1, pytest.approx(2.0))
    assert qa.headcount.production == 0  # reviewers who never label are no labeling capacity
    fitted = calibration.fitted["pools"]
    assert fitted["acme"]["recorded_headcount"] == {"production": 12, "training": 2, "hiring": 0}
    assert fitted["acme"]["headcount"]["production"] == 3
    assert fitted["acme"]["full_time_equivalents"]["fte"] == pytest.approx(3.0)
    assert fitted["acme"]["full_time_equivalents"]["working_days"] == 10
    assert fitted["qa"]["full_time_equivalents"]["fte"] == 0.0
    assert [(s["start_hour"], s["hours"], s["labelers"]) for s in fitted["acme"]["shifts"]] == [(9.0, 8.0, 3)]


def test_labeling_spread_round_the_clock_gives_three_equal_shifts() -> None:
    rng = np.random.default_rng(11)
    # 14 working days (every day); 2 labelers' worth per 8-hour shift: 3 shifts * 2 * 6.8 h * 14 days.
    hours = 3 * 2 * 6.8 * 14
    acme = PoolHistory(
        "acme",
        20,
        3,
        0,
        12.0,
        None,
        4.0,
        recent_labeling_hours=hours,
        recent_labelers=20,
        recent_hours_by_hour=tuple(np.full(24, hours / 24)),
    )
    history = replace(_staffed_history([acme]), label_day=rng.uniform(0, 28, 3000))
    calibration = calibrate(history, horizon_days=14)
    scenario = calibration.scenario
    assert scenario.calendar.working_days == tuple(range(7)) and scenario.calendar.hours_per_day == 24.0
    shifts = scenario.workforce
    assert len(shifts) == 3 and {p.vendor for p in shifts} == {"acme"}
    assert [p.headcount.production for p in shifts] == [2, 2, 2]
    assert sum(p.headcount.training for p in shifts) == 1  # 3 trainees of 20 people giving 6 labelers' worth
    assert all(p.shift_hours == pytest.approx(8.0) for p in shifts)
    starts = sorted((scenario.calendar.start_hour + p.shift_offset_hours) % 24.0 for p in shifts)
    assert np.diff(starts).tolist() == [8.0, 8.0]
    fitted = calibration.fitted["pools"]["acme"]
    assert fitted["headcount"]["production"] == 6 and fitted["full_time_equivalents"]["fte"] == pytest.approx(6.0)
    assert [s["share_of_hours"] for s in fitted["shifts"]] == pytest.approx([1 / 3] * 3)
    assert [s["pool"] for s in fitted["shifts"]] == [p.name for p in shifts]
    assert run_replication(scenario, 1).summary.tasks_completed > 0


def test_history_without_recent_hours_keeps_the_recorded_headcount() -> None:
    pool = PoolHistory("acme", 8, 2, 1, 12.0, None, 4.0)
    calibration = calibrate(_staffed_history([pool]), horizon_days=14)
    assert calibration.scenario.workforce[0].headcount == Headcount(production=8, training=2, hiring=1)
    assert calibration.fitted["pools"]["acme"]["full_time_equivalents"] is None


def test_a_forecast_starting_midweek_counts_working_days_and_weekly_factors_from_its_first_day() -> None:
    # Four weeks of Monday-to-Friday work from a Monday; the forecast starts three days before the end, on a
    # Friday (day 25), so the scenario's day 0 is a Friday, day 1 a Saturday, ..., day 3 a Monday.
    pool = PoolHistory("acme", 12, 0, 0, 12.0, None, 4.0, recent_labeling_hours=204.0, recent_labelers=12)
    history = _staffed_history([pool])

    calibration = calibrate(history, horizon_days=14, start_day=25)

    scenario = calibration.scenario
    assert calibration.fitted["calendar"]["first_day_weekday"] == 4
    assert calibration.fitted["calendar"]["working_weekdays"] == [0, 1, 2, 3, 4]
    assert scenario.calendar.working_days == (0, 3, 4, 5, 6)  # Friday, then Monday to Thursday
    weekly_by_weekday = calibration.demand.weekly_by_weekday
    assert scenario.demand.weekly == pytest.approx([weekly_by_weekday[(4 + day) % 7] for day in range(7)])
