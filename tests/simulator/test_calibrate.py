"""Calibration recovers the parameters that generated synthetic history (fixed seeds, 95% intervals)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.calibrate import (
    HistoryData,
    PoolHistory,
    calibrate,
    fit_attrition,
    fit_demand,
    fit_duration,
    fit_learning_curve,
    fit_lognormal,
    proportion,
)


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
