"""Review with rework against the open Jackson network formula (:class:`simulator.queueing.JacksonRework`).

With 24/7 labelers and reviewers, Poisson arrivals, exponential labeling and review, a constant error rate and
``rework_time = "independent"`` with factor 1, labeling and review form an open Jackson network: each station
is an M/M/c queue at its total arrival rate. The Monte Carlo 95% interval of the mean turnaround over a window
that skips the first and last day must contain the formula's E[T]; fixed seeds make the check reproducible.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from simulator.engine import run_replication
from simulator.montecarlo import MonteCarloResult, Replication, run_monte_carlo
from simulator.queueing import JacksonRework
from simulator.scenario import ModelSpec, Review, Scenario

_ARRIVALS_PER_HOUR = 14.0
_LABELERS, _LABEL_MINUTES = 10, 30.0
_REVIEWERS, _REVIEW_MINUTES = 2, 12.0
_SHARE_REVIEWED, _ERROR, _DETECTION = 0.5, 0.25, 0.8
_WARMUP_HOURS = 24.0

NETWORK = JacksonRework(
    arrival_rate=_ARRIVALS_PER_HOUR,
    labelers=_LABELERS,
    mean_label_time=_LABEL_MINUTES / 60.0,
    reviewers=_REVIEWERS,
    mean_review_time=_REVIEW_MINUTES / 60.0,
    share_reviewed=_SHARE_REVIEWED,
    rework_probability=_ERROR * _DETECTION,
)


def rework_scenario(rework_time: str = "independent", horizon_days: int = 28) -> Scenario:
    base = Scenario.queueing(
        arrivals_per_hour=_ARRIVALS_PER_HOUR,
        mean_service_minutes=_LABEL_MINUTES,
        servers=_LABELERS,
        horizon_days=horizon_days,
        name="jackson",
    )
    return dataclasses.replace(
        base,
        quality=ModelSpec("constant", {"error_probability": _ERROR}),
        review=Review(
            share_reviewed=_SHARE_REVIEWED,
            reviewers=_REVIEWERS,
            review_minutes=_REVIEW_MINUTES,
            detection_probability=_DETECTION,
            rework_time_factor=1.0,
            rework_time=rework_time,
        ),
    )


def _measure(scenario: Scenario, seed: np.random.SeedSequence) -> Replication:
    result = run_replication(scenario, seed, keep_tasks=True)
    assert result.tasks is not None
    arrival, finish = result.tasks.arrival_hour, result.tasks.finish_hour
    window = (arrival >= _WARMUP_HOURS) & (arrival < scenario.horizon_hours - _WARMUP_HOURS)
    turnaround = finish[window] - arrival[window]
    assert np.all(np.isfinite(turnaround)), "a task arriving a day before the end was still open"
    return Replication(
        summary={"turnaround": float(turnaround.mean()), "accepted_share": result.summary.accepted_share}
    )


@functools.cache
def _monte_carlo(rework_time: str) -> MonteCarloResult:
    return run_monte_carlo(rework_scenario(rework_time), replications=40, seed=515, executor="serial", runner=_measure)


def test_independent_rework_matches_the_jackson_network() -> None:
    result = _monte_carlo("independent")
    assert result.summary["turnaround"].contains(NETWORK.mean_time_in_system)
    # Reviews are accepted unless an erroneous label is caught.
    assert result.summary["accepted_share"].contains(1.0 - _ERROR * _DETECTION)


def test_jackson_formula_by_hand() -> None:
    # Visits 1 / (1 - 0.5 * 0.2) = 10/9; labeling sees 14 * 10/9 = 15.56/h on 10 servers of 30 minutes.
    assert NETWORK.labeling_visits == pytest.approx(1.0 / 0.9, rel=1e-12)
    assert NETWORK.labeling.utilization == pytest.approx((14.0 / 0.9) * 0.5 / 10, rel=1e-12)
    assert NETWORK.review.arrival_rate == pytest.approx(14.0 * 0.5 / 0.9, rel=1e-12)
    expected = (NETWORK.labeling.mean_wait + 0.5) / 0.9 + 0.5 / 0.9 * (NETWORK.review.mean_wait + 0.2)
    assert abs(NETWORK.mean_time_in_system - expected) < 1e-12


def test_rework_draws_are_uniform_and_keyed_by_job_and_round() -> None:
    from scipy import stats

    from simulator.flow import rework_uniforms

    draws = np.array([rework_uniforms(7, job, rnd) for job in range(4000) for rnd in (1, 2)])
    for column in draws.T:
        assert stats.kstest(column, "uniform").pvalue > 0.001
    assert rework_uniforms(7, 10, 1) == rework_uniforms(7, 10, 1)
    assert rework_uniforms(7, 10, 1) != rework_uniforms(7, 10, 2) != rework_uniforms(8, 10, 2)


def test_independent_rework_time_has_the_service_time_distribution() -> None:
    from simulator.flow import rework_uniforms, service_factor

    u = np.array([rework_uniforms(3, job, 1)[4] for job in range(20000)])
    lognormal = np.array([service_factor("lognormal", 0.5, x) for x in u])
    exponential = np.array([service_factor("exponential", 1.0, x) for x in u])
    half = 1.96 * lognormal.std(ddof=1) / np.sqrt(u.size)
    assert abs(lognormal.mean() - 1.0) < half and abs(lognormal.std() / lognormal.mean() - 0.5) < 0.02
    assert abs(exponential.mean() - 1.0) < 1.96 * exponential.std(ddof=1) / np.sqrt(u.size)
    assert service_factor("fixed", 0.0, 0.3) == 1.0
