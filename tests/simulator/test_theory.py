"""The simulator against queueing theory: M/M/c waits (Erlang C), Little's law and conservation of tasks.

With hiring, learning, review and spikes off, Poisson arrivals and exponential service on c labelers working
around the clock, the engine is an M/M/c queue. Each replication's statistics come from its own tasks over a
window that skips the first day (the system starts empty) and the last (late arrivals may still be waiting);
the Monte Carlo 95% confidence interval over replications must then contain the closed-form value.
Both per-task flows are checked: the fast kernel and the per-task SimPy reference.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import pytest

from simulator.engine import run_replication
from simulator.montecarlo import MonteCarloResult, Replication, run_monte_carlo
from simulator.queueing import ErlangC
from simulator.scenario import Scenario

_SERVERS = 10
_ARRIVALS_PER_HOUR = 17.0
_SERVICE_MINUTES = 30.0  # A = 8.5 Erlangs, utilization 0.85
_HORIZON_DAYS = 28
_WAIT_TARGET_HOURS = 0.25
_WARMUP_HOURS = 24.0
_REPLICATIONS = 40

_STAGE_FIGURES = ("wait_probability", "wait_within_target", "mean_wait_hours", "queue_length", "in_system")
_QUEUE = ErlangC(_SERVERS, arrival_rate=_ARRIVALS_PER_HOUR, mean_service_time=_SERVICE_MINUTES / 60.0)


def _scenario() -> Scenario:
    scenario = Scenario.queueing(
        arrivals_per_hour=_ARRIVALS_PER_HOUR,
        mean_service_minutes=_SERVICE_MINUTES,
        servers=_SERVERS,
        horizon_days=_HORIZON_DAYS,
    )
    return dataclasses.replace(scenario, sla=dataclasses.replace(scenario.sla, wait_hours=_WAIT_TARGET_HOURS))


def _measure(scenario: Scenario, seed: np.random.SeedSequence, *, flow: str) -> Replication:
    """One replication reduced to the statistics the theory predicts."""
    result = run_replication(scenario, seed, flow=flow, keep_tasks=True)
    arrival = np.asarray(result.tasks.arrival_hour, dtype=float)
    start = np.asarray(result.tasks.start_hour, dtype=float)
    finish = np.asarray(result.tasks.finish_hour, dtype=float)
    low, high = _WARMUP_HOURS, scenario.horizon_hours - _WARMUP_HOURS
    window = (arrival >= low) & (arrival < high)
    if not np.all(np.isfinite(finish[window])):
        raise AssertionError("a task arriving a day before the end was still unfinished")
    wait = start[window] - arrival[window]
    sojourn = finish[window] - arrival[window]
    # Time-average number in system over the window: each task contributes its overlap with the window.
    end = np.where(np.isfinite(finish), finish, scenario.horizon_hours)
    overlap = np.clip(np.minimum(end, high) - np.maximum(arrival, low), 0.0, None)
    number_in_system = overlap.sum() / (high - low)
    arrival_rate = window.sum() / (high - low)
    summary = result.summary
    return Replication(
        summary={
            "served_within_target": float(np.mean(wait <= _WAIT_TARGET_HOURS)),
            "waited": float(np.mean(wait > 1e-12)),
            "mean_wait": float(wait.mean()),
            "mean_sojourn": float(sojourn.mean()),
            "number_in_system": float(number_in_system),
            "little_gap": float(number_in_system - arrival_rate * sojourn.mean()),
            "conservation_gap": float(summary.tasks_arrived - summary.tasks_completed - summary.backlog_end),
            "tasks_arrived": float(summary.tasks_arrived),
            "tasks_recorded": float(arrival.size),
            "engine_mean_wait": float(summary.mean_wait_hours),
            "engine_utilization": float(summary.utilization),
            **{name: getattr(summary, f"labeling_{name}") for name in _STAGE_FIGURES},
        }
    )


@functools.cache
def _monte_carlo(flow: str) -> MonteCarloResult:
    runner = functools.partial(_measure, flow=flow)
    # The SimPy reference is ~20x slower: spread it over both cores.
    executor = "serial" if flow == "kernel" else "process:2"
    return run_monte_carlo(_scenario(), replications=_REPLICATIONS, seed=2024, executor=executor, runner=runner)


_FLOWS = pytest.mark.parametrize("flow", ["kernel", "reference"])


@_FLOWS
def test_probability_of_waiting_matches_erlang_c(flow: str) -> None:
    result = _monte_carlo(flow)
    assert result.summary["waited"].contains(_QUEUE.wait_probability)
    assert result.summary["served_within_target"].contains(_QUEUE.service_level(_WAIT_TARGET_HOURS))


@_FLOWS
def test_mean_wait_and_sojourn_match_erlang_c(flow: str) -> None:
    result = _monte_carlo(flow)
    assert result.summary["mean_wait"].contains(_QUEUE.mean_wait)
    assert result.summary["mean_sojourn"].contains(_QUEUE.mean_time_in_system)


@_FLOWS
def test_engine_summary_agrees_with_theory(flow: str) -> None:
    # The engine's own headline figures, computed over the whole horizon, not just the measurement window.
    result = _monte_carlo(flow)
    assert result.summary["engine_mean_wait"].contains(_QUEUE.mean_wait)
    assert result.summary["engine_utilization"].contains(_QUEUE.utilization)


@_FLOWS
def test_littles_law_holds(flow: str) -> None:
    result = _monte_carlo(flow)
    assert result.summary["little_gap"].contains(0.0)
    assert result.summary["number_in_system"].contains(_QUEUE.mean_in_system)


@_FLOWS
def test_arrived_equals_done_plus_in_system(flow: str) -> None:
    result = _monte_carlo(flow)
    np.testing.assert_array_equal(result.samples["conservation_gap"], 0.0)
    np.testing.assert_array_equal(result.samples["tasks_recorded"], result.samples["tasks_arrived"])
    # And the arrivals are Poisson at the configured rate.
    expected = _ARRIVALS_PER_HOUR * _scenario().horizon_hours
    assert result.summary["tasks_arrived"].contains(expected)
    assert math.isclose(result.summary["tasks_arrived"].std, math.sqrt(expected), rel_tol=0.35)


@_FLOWS
def test_engine_stage_figures_match_erlang_c(flow: str) -> None:
    # The engine's own per-stage figures, over the whole horizon (the empty start is a few minutes of 28 days).
    summary = _monte_carlo(flow).summary
    expected = {
        "wait_probability": _QUEUE.wait_probability,
        "wait_within_target": _QUEUE.service_level(_WAIT_TARGET_HOURS),
        "mean_wait_hours": _QUEUE.mean_wait,
        "queue_length": _QUEUE.mean_queue_length,
        "in_system": _QUEUE.mean_in_system,
    }
    for name, value in expected.items():
        assert summary[name].contains(value), (name, summary[name], value)
