"""Confidence intervals for the before/after comparisons: Wilson score intervals for shares, Newcombe's hybrid
score interval for the difference of two shares, Student t for a mean and Welch t for the difference of two.

All are two-sided at `confidence` (default 95%); each returns None when there is nothing to estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from simulator.intervals import wilson_interval

__all__ = ["Estimate", "mean_difference", "share_difference", "t_mean", "wilson"]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its interval; `n` is what it was estimated from (labels, reviews, tasks)."""

    value: float
    low: float
    high: float
    n: int


def wilson(successes: int, n: int, confidence: float = 0.95) -> Estimate | None:
    """The Wilson score interval of successes/n: stays within [0, 1] and behaves at 0 and n successes."""
    if n <= 0:
        return None
    low, high = wilson_interval(successes, n, confidence)
    return Estimate(successes / n, low, high, n)


def share_difference(before: Estimate | None, after: Estimate | None) -> Estimate | None:
    """after - before for two independent Wilson estimates (Newcombe 1998, method 10)."""
    if before is None or after is None:
        return None
    difference = after.value - before.value
    low = difference - math.hypot(after.value - after.low, before.high - before.value)
    high = difference + math.hypot(after.high - after.value, before.value - before.low)
    return Estimate(difference, max(-1.0, low), min(1.0, high), min(before.n, after.n))


def t_mean(total: float, total_squares: float, n: int, confidence: float = 0.95) -> Estimate | None:
    """The mean of n values from their sum and sum of squares, with a Student t interval."""
    if n <= 0:
        return None
    mean = total / n
    if n == 1:
        return Estimate(mean, -math.inf, math.inf, 1)
    variance = max(total_squares - n * mean * mean, 0.0) / (n - 1)
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1)) * math.sqrt(variance / n)
    return Estimate(mean, mean - half, mean + half, n)


def mean_difference(
    before: tuple[float, float, int], after: tuple[float, float, int], confidence: float = 0.95
) -> Estimate | None:
    """after - before of two means, each given as (sum, sum of squares, n), with a Welch t interval."""
    (s1, q1, n1), (s2, q2, n2) = before, after
    if n1 < 2 or n2 < 2:
        return None
    m1, m2 = s1 / n1, s2 / n2
    v1 = max(q1 - n1 * m1 * m1, 0.0) / (n1 - 1) / n1
    v2 = max(q2 - n2 * m2 * m2, 0.0) / (n2 - 1) / n2
    spread = math.sqrt(v1 + v2)
    if spread == 0.0:
        return Estimate(m2 - m1, m2 - m1, m2 - m1, min(n1, n2))
    freedom = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, freedom)) * spread
    return Estimate(m2 - m1, m2 - m1 - half, m2 - m1 + half, min(n1, n2))
