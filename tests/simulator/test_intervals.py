"""The shared Wilson interval equals scipy's, and keeps its bounds at the edges."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest

from simulator.intervals import wilson_interval


@pytest.mark.parametrize(
    ("successes", "trials", "confidence"),
    [(0, 20, 0.95), (10, 20, 0.95), (20, 20, 0.95), (3, 7, 0.9), (999, 1000, 0.99), (1, 1, 0.95), (17, 400, 0.8)],
)
def test_equals_scipy_wilson(successes: int, trials: int, confidence: float) -> None:
    expected = binomtest(successes, trials).proportion_ci(confidence, method="wilson")
    low, high = wilson_interval(successes, trials, confidence)
    assert low == pytest.approx(expected.low, abs=1e-12)
    assert high == pytest.approx(expected.high, abs=1e-12)


def test_no_trials_is_the_whole_unit_interval() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wider_confidence_gives_a_wider_interval() -> None:
    low90, high90 = wilson_interval(30, 100, 0.90)
    low99, high99 = wilson_interval(30, 100, 0.99)
    assert low99 < low90 < 0.3 < high90 < high99
