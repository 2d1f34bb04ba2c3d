"""The demand forecast: a level from the recent weeks and a damped trend (fixed seeds, 95% intervals)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.planning.calibrate import demand_forecast, fit_demand

WEEKLY = np.array([1.2, 1.1, 1.0, 1.0, 1.1, 0.8, 0.8]) / np.mean([1.2, 1.1, 1.0, 1.0, 1.1, 0.8, 0.8])
SEEDS = range(30)


def _mean_ci(values: list[float]) -> tuple[float, float]:
    mean, half = float(np.mean(values)), 1.96 * float(np.std(values, ddof=1)) / np.sqrt(len(values))
    return mean - half, mean + half


def _counts(mean_per_day: np.ndarray, first_weekday: int, seed: int) -> np.ndarray:
    days = np.arange(mean_per_day.size)
    return np.random.default_rng(seed).poisson(mean_per_day * WEEKLY[(first_weekday + days) % 7])


def test_a_steady_trend_is_recovered_as_the_level_and_slope_at_the_last_day() -> None:
    days = np.arange(56)
    level, slope = 300.0, 2.0  # tasks a day, and tasks a day more each day
    fits = [fit_demand(_counts(level + slope * days, 2, seed), 2).forecast for seed in SEEDS]
    low, high = _mean_ci([f.level_per_day for f in fits])
    assert low <= level + slope * 55 <= high
    low, high = _mean_ci([f.trend_per_day for f in fits])
    assert low <= slope <= high


def test_a_flattening_trend_is_forecast_closer_than_a_straight_line_would() -> None:
    # The truth grows with a damped trend: 6 tasks a day more on day 1, 5% less each further day.
    days = np.arange(84)
    truth = 300.0 + 6.0 * np.cumsum(0.95 ** np.arange(1, 85))
    expected = float(np.sum(truth[56:] * WEEKLY[(2 + days[56:]) % 7]))
    damped, straight = [], []
    for seed in SEEDS:
        fit = fit_demand(_counts(truth, 2, seed)[:56], 2)
        damped.append(abs(float(np.sum(demand_forecast(fit, 56, 28))) / expected - 1.0))
        straight.append(abs(float(np.sum(fit.expected(days[56:]))) / expected - 1.0))
    assert _mean_ci(damped)[1] < 0.09
    # Paired on the same histories: closer than the history's straight line carried on.
    assert _mean_ci([d - s for d, s in zip(damped, straight, strict=True)])[1] < 0.0


def test_a_flat_history_gives_a_flat_forecast() -> None:
    fit = fit_demand(_counts(np.full(56, 200.0), 0, seed=1), 0)
    low, high = fit.forecast.trend_ci
    assert low <= 0.0 <= high
    forecast = demand_forecast(fit, 56, 28)
    assert np.sum(forecast) == pytest.approx(200.0 * 28, rel=0.05)


def test_a_surge_at_the_end_of_history_is_not_carried_on_as_a_trend() -> None:
    # Flat at 300 a day, then 30% more over the last ten days: the forecast starts from the last four weeks'
    # level (the surge counts for its ten days of them) and does not keep rising.
    days = np.arange(56)
    surged = np.where(days >= 46, 390.0, 300.0)
    totals, growth = [], []
    for seed in SEEDS:
        fit = fit_demand(_counts(surged, 0, seed), 0)
        forecast = demand_forecast(fit, 56, 56) / WEEKLY[(56 + np.arange(56)) % 7]
        totals.append(float(np.sum(forecast[:28])) / (390.0 * 28) - 1.0)
        growth.append(float(np.mean(forecast[28:]) / np.mean(forecast[:28])) - 1.0)
    low, high = _mean_ci(totals)
    assert low >= -0.10 and high <= 0.06
    # The second four weeks at most 5% above the first (a straight line through it: 11%): the trend fades.
    assert _mean_ci(growth)[1] <= 0.05


def test_the_calibrated_scenario_draws_the_damped_forecast_as_its_pattern() -> None:
    fit = fit_demand(_counts(300.0 + 2.0 * np.arange(56), 0, seed=3), 0)
    base, trend = fit.line_over(56, 28)
    level = fit.forecast_level(np.arange(56, 84))
    line = base * (1.0 + trend * np.arange(28) / 7.0)
    assert np.max(np.abs(line - level) / level) < 0.02
    assert base == pytest.approx(level[0], rel=0.02)
