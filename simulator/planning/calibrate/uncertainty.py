"""A calibrated scenario with its fitted figures drawn from their intervals.

A calibrated scenario holds every fitted figure at its point estimate, so replications of it differ only in the
simulator's own draws (who takes which task, how long each label takes). Each figure is an estimate with a 95%
interval, and a forecast's spread should carry that uncertainty too: here each vendor's speed and hours per working
day, and the reviewers' minutes per review and share reviewed, are drawn once per replication, lognormal around
the fitted value (its median) with the log-spread its interval implies. One draw per vendor moves all of that
vendor's shift pools together: they are one estimate.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from simulator.planning.calibrate.fits import Estimate
from simulator.planning.calibrate.result import CalibrationFit
from simulator.scenario import Scenario

__all__ = ["draw_scenario", "log_spread"]

#: The standard normal's 97.5th percentile: a 95% interval spans 2 x this many standard deviations.
_Z95 = 1.959963984540054


def log_spread(estimate: Estimate) -> float:
    """The standard deviation of log(value) implied by the estimate's 95% interval; 0 without a usable one."""
    low, high = estimate.low, estimate.high
    if not (math.isfinite(low) and math.isfinite(high)) or low <= 0.0 or high < low:
        return 0.0
    return (math.log(high) - math.log(low)) / (2.0 * _Z95)


def _factor(estimate: Estimate, rng: np.random.Generator) -> float:
    return float(math.exp(log_spread(estimate) * rng.standard_normal()))


def draw_scenario(scenario: Scenario, fitted: CalibrationFit, rng: np.random.Generator) -> Scenario:
    """``scenario`` (calibrated to ``fitted``) with its fitted figures drawn once from their intervals."""
    by_vendor = {pool.vendor: pool for pool in fitted.pools}
    drawn: dict[str, tuple[float, float]] = {}
    workforce = []
    for pool in scenario.workforce:
        fit = by_vendor.get(pool.vendor)
        if fit is None:
            workforce.append(pool)
            continue
        if pool.vendor not in drawn:
            drawn[pool.vendor] = (_factor(fit.speed_factor, rng), _factor(fit.hours_per_working_day, rng))
        speed, hours = drawn[pool.vendor]
        shift = None if pool.shift_hours is None else min(24.0, pool.shift_hours * hours)
        workforce.append(replace(pool, speed_factor=pool.speed_factor * speed, shift_hours=shift))
    review = scenario.review
    if review.share_reviewed > 0.0:
        share = min(1.0, review.share_reviewed * _factor(fitted.review.share_reviewed, rng))
        minutes = review.review_minutes * _factor(fitted.review.review_minutes, rng)
        review = replace(review, share_reviewed=share, review_minutes=minutes)
    return replace(scenario, workforce=tuple(workforce), review=review)
