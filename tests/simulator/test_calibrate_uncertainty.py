"""A calibrated scenario with its fitted figures drawn from their 95% intervals: one draw per vendor, lognormal
around the fitted value with the spread its interval implies (fixed seeds, 95% intervals)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from server.services.backtest import simulate_trace
from simulator.planning.calibrate import Calibration, Estimate, calibrate
from simulator.planning.calibrate.uncertainty import draw_scenario, log_spread
from tests.simulator.test_calibrate import _people_history


@pytest.fixture(scope="module")
def calibration() -> Calibration:
    return calibrate(_people_history(np.random.default_rng(5)), horizon_days=14)


def _point(estimate: Estimate) -> Estimate:
    return replace(estimate, low=estimate.value, high=estimate.value)


def _without_uncertainty(calibration: Calibration) -> Calibration:
    fitted = calibration.fitted
    pools = tuple(
        replace(p, speed_factor=_point(p.speed_factor), hours_per_working_day=_point(p.hours_per_working_day))
        for p in fitted.pools
    )
    review = replace(
        fitted.review,
        share_reviewed=_point(fitted.review.share_reviewed),
        review_minutes=_point(fitted.review.review_minutes),
    )
    return replace(calibration, fitted=replace(fitted, pools=pools, review=review))


def test_an_interval_gives_the_log_spread_of_a_lognormal_and_none_gives_none() -> None:
    assert log_spread(Estimate(1.0, math.exp(-1.96 * 0.2), math.exp(1.96 * 0.2), 10)) == pytest.approx(0.2, rel=1e-3)
    assert log_spread(Estimate(1.0, 1.0, 1.0, 10)) == 0.0
    assert log_spread(Estimate(math.nan, math.nan, math.nan, 0)) == 0.0
    assert log_spread(Estimate(0.5, 0.0, 1.0, 3)) == 0.0  # no log-spread through zero


def test_a_scenario_whose_figures_are_certain_is_drawn_unchanged(calibration: Calibration) -> None:
    certain = _without_uncertainty(calibration)
    drawn = draw_scenario(certain.scenario, certain.fitted, np.random.default_rng(1))
    assert drawn == certain.scenario


def test_each_vendors_pools_move_together_by_a_lognormal_factor_of_its_intervals_spread(
    calibration: Calibration,
) -> None:
    # given a calibrated scenario whose vendor's speed has a 95% interval, its people in two pools (a weekday
    # and a weekend group, as a crowd's are split)
    fitted = calibration.fitted
    labeling = [p for p in calibration.scenario.workforce if any(fit.vendor == p.vendor for fit in fitted.pools)]
    assert labeling
    weekend = replace(labeling[0], name=f"{labeling[0].name} weekend", working_days=(5, 6))
    scenario = replace(calibration.scenario, workforce=(*calibration.scenario.workforce, weekend))
    vendor = labeling[0].vendor
    fit = next(p for p in fitted.pools if p.vendor == vendor)
    spread = log_spread(fit.speed_factor)
    assert spread > 0
    # when it is drawn 2000 times
    rng = np.random.default_rng(7)
    logs = []
    for _ in range(2000):
        drawn = draw_scenario(scenario, fitted, rng)
        pools = [p for p, q in zip(drawn.workforce, scenario.workforce, strict=True) if q.vendor == vendor]
        originals = [q for q in scenario.workforce if q.vendor == vendor]
        factors = {round(p.speed_factor / q.speed_factor, 12) for p, q in zip(pools, originals, strict=True)}
        assert len(pools) == 2 and len(factors) == 1  # one draw for both of the vendor's pools
        logs.append(math.log(factors.pop()))
    # then the log of the factor is centred on 0 with the interval's spread (95% intervals of mean and sd)
    sample = np.array(logs)
    assert abs(sample.mean()) <= 1.96 * spread / math.sqrt(sample.size)
    chi_low, chi_high = stats.chi2.ppf([0.025, 0.975], sample.size - 1)
    variance = sample.var(ddof=1)
    assert (sample.size - 1) * variance / chi_high <= spread**2 <= (sample.size - 1) * variance / chi_low


def test_draws_leave_the_simulators_own_streams_alone(calibration: Calibration) -> None:
    # given the same calibration with certain figures: drawing them changes nothing
    certain = _without_uncertainty(calibration)
    trace = np.full(14, 150.0)
    # when a trace is simulated with draws and without
    plain = simulate_trace(replace(certain.scenario, horizon_days=14), trace, 3, seed=11)
    drawn = simulate_trace(replace(certain.scenario, horizon_days=14), trace, 3, seed=11, fitted=certain.fitted)
    # then every run is the same task for task: the draws have a stream of their own
    for (a_arrival, a_finish), (b_arrival, b_finish) in zip(plain, drawn, strict=True):
        np.testing.assert_array_equal(a_arrival, b_arrival)
        np.testing.assert_array_equal(a_finish, b_finish)
    # and with the calibration's real intervals the runs differ
    uncertain = simulate_trace(
        replace(calibration.scenario, horizon_days=14), trace, 3, seed=11, fitted=calibration.fitted
    )
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(plain, uncertain, strict=True))


def test_a_curve_fitted_rising_is_simulated_flat(calibration: Calibration) -> None:
    # given records whose fitted learning curve rises (its plateau above its start: no one got faster)
    assert calibration.learning.plateau_share > 1.0
    # then the scenario runs a flat curve, and it simulates
    assert calibration.scenario.learning.params["plateau_share"] == 1.0
    runs = simulate_trace(replace(calibration.scenario, horizon_days=7), np.full(7, 50.0), 1, seed=3)
    assert runs[0][1].size > 0
