"""Per-stage queue figures against hand computation, and the review stage against Erlang C."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from simulator import run_replication
from simulator.queueing import ErlangC
from simulator.scenario import Review, Scenario
from simulator.stages import stage_figures


def test_stage_figures_by_hand() -> None:
    # Horizon 10 h, target 1 h. Visit 0 no wait; 1 waits 2 h; 2 never starts; 3 is ready after the horizon.
    ready = np.array([0.0, 1.0, 8.0, 12.0])
    start = np.array([0.0, 3.0, np.nan, np.nan])
    end = np.array([2.0, 11.0, np.nan, np.nan])
    figures = stage_figures(ready, start, end, horizon=10.0, target=1.0)
    assert figures.wait_probability == pytest.approx(2 / 3)
    assert figures.wait_within_target == pytest.approx(1 / 3)  # all three were ready by 9 h; only visit 0 made it
    assert figures.mean_wait_hours == pytest.approx(1.0)
    assert figures.queue_length == pytest.approx((0 + 2 + 2) / 10)
    assert figures.in_system == pytest.approx((2 + 9 + 2) / 10)
    assert math.isnan(stage_figures(ready[3:], start[3:], end[3:], horizon=10.0, target=1.0).mean_wait_hours)


def test_review_stage_matches_erlang_c() -> None:
    # Every label reviewed, never wrong: review is an M/M/2 fed by the labeling departures (Poisson, Burke).
    base = Scenario.queueing(arrivals_per_hour=8.0, mean_service_minutes=30.0, servers=8, horizon_days=28)
    scenario = dataclasses.replace(
        base,
        review=Review(share_reviewed=1.0, reviewers=2, review_minutes=12.0),
        sla=dataclasses.replace(base.sla, wait_hours=0.1),
    )
    queue = ErlangC(2, arrival_rate=8.0, mean_service_time=0.2)
    runs = [run_replication(scenario, seed).summary for seed in range(30)]
    for name, value in (
        ("wait_probability", queue.wait_probability),
        ("wait_within_target", queue.service_level(0.1)),
        ("mean_wait_hours", queue.mean_wait),
        ("queue_length", queue.mean_queue_length),
        ("in_system", queue.mean_in_system),
    ):
        sample = np.array([getattr(run, f"review_{name}") for run in runs])
        half = 1.96 * sample.std(ddof=1) / math.sqrt(sample.size)
        assert abs(sample.mean() - value) <= half, (name, sample.mean(), half, value)
