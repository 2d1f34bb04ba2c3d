"""Small estimators of calibration: each returns its estimate with a 95% confidence interval and its sample size.

- :class:`Estimate`: any fitted figure as value, interval, the number of observations behind it and a unit;
- lognormal time per label (``fit_lognormal``), binomial proportions with Wilson intervals (``proportion``);
- attrition as a constant weekly hazard from exposure time and departures (``fit_attrition``);
- durations as mean and cv (``fit_duration``), means with a Student-t interval (``mean_estimate``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simulator.intervals import wilson_interval

__all__ = [
    "T95",
    "AttritionFit",
    "Estimate",
    "LognormalFit",
    "Proportion",
    "fit_attrition",
    "fit_duration",
    "fit_lognormal",
    "mean_estimate",
    "proportion",
]

T95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A fitted figure: ``value`` with its 95% interval [``low``, ``high``] from ``n`` observations of ``unit``.

    ``value`` is nan when there was nothing to fit; the interval is then (nan, nan).
    """

    value: float
    low: float
    high: float
    n: int
    unit: str = ""

    @classmethod
    def exact(cls, value: float, n: int, unit: str = "") -> Estimate:
        """A count or a recorded figure: no sampling error."""
        return cls(value, value, value, n, unit)

    @classmethod
    def missing(cls, unit: str = "") -> Estimate:
        return cls(math.nan, math.nan, math.nan, 0, unit)

    @property
    def known(self) -> bool:
        return math.isfinite(self.value)

    def or_default(self, default: float) -> float:
        return self.value if self.known else default

    def contains(self, truth: float) -> bool:
        return self.low <= truth <= self.high


def mean_estimate(values: Sequence[float] | np.ndarray, unit: str = "", *, n: int | None = None) -> Estimate:
    """The mean of ``values`` with a Student-t interval; ``n`` reports a different count of observations
    (e.g. person-days behind per-person means)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    count = int(x.size) if n is None else n
    if x.size == 0:
        return Estimate(math.nan, math.nan, math.nan, count, unit)
    mean = float(x.mean())
    if x.size == 1:
        return Estimate(mean, math.nan, math.nan, count, unit)
    half = float(stats.t.ppf(0.975, x.size - 1)) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return Estimate(mean, mean - half, mean + half, count, unit)


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
        (mean * math.exp(-T95 * se), mean * math.exp(T95 * se)),
        int(x.size),
    )


@dataclass(frozen=True)
class Proportion:
    value: float
    ci: tuple[float, float]
    n: int

    def estimate(self, unit: str = "share") -> Estimate:
        return Estimate(self.value, self.ci[0], self.ci[1], self.n, unit)


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

    def estimate(self) -> Estimate:
        return Estimate(self.weekly_probability, self.ci[0], self.ci[1], self.departures, "probability per week")


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
