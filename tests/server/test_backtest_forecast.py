"""The conditional backtest forecast on histories drawn from a known labeling workflow: no bias beyond its CI.

Histories come from :mod:`simulator.synthetic_flow` (pickup, review and rework waits, thumbs-down rounds,
consensus). The forecast from day 28 is fed the arrivals that happened (the conditional forecast). First with no
capacity limit, so its error is that of the initial state and the waits alone; then with a simulated workforce
whose capacity delays hold up labels in the history, replayed by the simulator in the forecast.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import stats

from server.services.backtest import forecast_weeks, simulate_trace, weekly_figures
from simulator.engine import run_replication
from simulator.latency import FlowHistory, fit_latency, open_tasks, sample_remaining
from simulator.scenario import Calendar, Demand, Headcount, ModelSpec, Pool, Project, Scenario, ServiceTime
from simulator.synthetic_flow import WorkflowTruth, draw_flow_history, weekly_arrivals

END, CUT, WEEKS = 56, 28, 4
SEEDS = range(24)
REPLICATIONS = 8


def _history(seed: int) -> FlowHistory:
    rng = np.random.default_rng(seed)
    _, created = weekly_arrivals(rng, END, 220.0, 80.0)
    return draw_flow_history(created, rng, end=END)


def _errors(history: FlowHistory, runs: list[tuple[np.ndarray, np.ndarray]], seed: int) -> np.ndarray:
    """Forecast minus actual per week: rows backlog at the week's end, and throughput."""
    created, completed = history.task_created, history.task_completed
    actual = weekly_figures(created, completed, CUT, WEEKS)
    arriving = created >= CUT
    arrivals = (created[arriving] - CUT, history.task_required[arriving])
    forecast = forecast_weeks(
        [arrivals] * REPLICATIONS,
        runs,
        open_tasks(history, CUT),
        fit_latency(history, CUT),
        CUT,
        WEEKS,
        np.random.default_rng(1000 + seed),
    ).weeks
    return np.array(
        [
            [f.backlog - a.backlog for f, a in zip(forecast, actual, strict=True)],
            [f.throughput - a.throughput for f, a in zip(forecast, actual, strict=True)],
        ]
    )


def _assert_unbiased(errors: np.ndarray, tolerance: float) -> None:
    """``errors``: seeds x (backlog, throughput) x weeks. Each week's mean error over independent histories
    must have zero in its CI, 95% for the whole family of weeks and figures (Bonferroni), and errors must be
    small (the forecast is informative)."""
    mean = errors.mean(axis=0)
    z = float(stats.norm.ppf(1.0 - 0.025 / mean.size))
    half_width = z * errors.std(axis=0, ddof=1) / np.sqrt(errors.shape[0])
    assert np.all(np.abs(mean) <= half_width), (mean, half_width)
    assert np.all(np.abs(errors).mean(axis=0) < tolerance), np.abs(errors).mean(axis=0)


def test_conditional_forecast_is_unbiased_within_its_confidence_interval() -> None:
    no_capacity_limit = [(np.zeros(0), np.zeros(0))] * REPLICATIONS
    _assert_unbiased(np.array([_errors(_history(seed), no_capacity_limit, seed) for seed in SEEDS]), 10.0)


def _remaining_error(seed: int) -> float:
    """Mean forecast minus mean actual days from the cut to completion, over the tasks open at the cut."""
    history = _history(seed)
    opened = open_tasks(history, CUT)
    fit = fit_latency(history, CUT)
    rng = np.random.default_rng(2000 + seed)
    forecast = np.mean([sample_remaining(fit, opened, rng).mean() for _ in range(8)])
    actual = np.mean([history.task_completed[task.index] - CUT for task in opened])
    return float(forecast - actual)


def test_time_left_for_the_tasks_open_at_the_cut_is_unbiased_within_its_confidence_interval() -> None:
    errors = np.array([_remaining_error(seed) for seed in SEEDS])
    half_width = 1.96 * errors.std(ddof=1) / np.sqrt(errors.size)
    assert abs(errors.mean()) <= half_width, (errors.mean(), half_width)


# One labeler round the clock at 6 minutes a task: 92% busy on weekdays, so tasks queue for it in the history.
WORKFORCE = Scenario(
    horizon_days=END,
    calendar=Calendar(hours_per_day=24.0, start_hour=0.0, working_days=(0, 1, 2, 3, 4, 5, 6)),
    demand=Demand(model="trace", trace=(1.0,), projects=(Project("p", 1.0, 6.0),)),
    service_time=ServiceTime("lognormal", 0.5),
    workforce=(Pool(name="team", headcount=Headcount(production=1), hourly_rate=10.0, attrition_per_week=0.0),),
    learning=ModelSpec("none"),
    quality=ModelSpec("constant", {"error_probability": 0.0}),
)


def _simulated_errors(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts, _ = weekly_arrivals(rng, END, 220.0, 80.0)
    workforce = replace(WORKFORCE, demand=replace(WORKFORCE.demand, trace=tuple(float(c) for c in counts)))
    simulated = run_replication(workforce, seed, keep_tasks=True).tasks
    assert simulated is not None
    created = simulated.arrival_hour / 24.0
    capacity = (simulated.finish_hour - simulated.arrival_hour) / 24.0
    truth = WorkflowTruth(consensus_share=0.0)  # the simulated workforce labels each task once
    history = draw_flow_history(created, rng, truth, end=END, capacity_days=capacity)
    arriving = history.task_created >= CUT
    trace = np.bincount(np.floor(history.task_created[arriving] - CUT).astype(np.int64), minlength=END - CUT)
    trace[0] += sum(task.missing_labels > 0 for task in open_tasks(history, CUT))
    runs = simulate_trace(replace(WORKFORCE, horizon_days=END - CUT), trace.astype(float), REPLICATIONS, 100 + seed)
    return _errors(history, runs, seed)


def test_conditional_forecast_with_a_simulated_workforce_is_unbiased_within_its_confidence_interval() -> None:
    _assert_unbiased(np.array([_simulated_errors(seed) for seed in range(16)]), 10.0)


def _surge_relative_errors(seed: int) -> np.ndarray:
    """Relative backlog error per week when demand grows 60% at the cut: more than the labeler can do."""
    rng = np.random.default_rng(seed)
    rate = np.where(np.arange(END) % 7 < 5, 220.0, 80.0) * np.where(np.arange(END) >= CUT, 1.6, 1.0)
    counts = rng.poisson(rate)
    workforce = replace(WORKFORCE, demand=replace(WORKFORCE.demand, trace=tuple(float(c) for c in counts)))
    simulated = run_replication(workforce, seed, keep_tasks=True).tasks
    assert simulated is not None
    created = simulated.arrival_hour / 24.0
    capacity = (simulated.finish_hour - simulated.arrival_hour) / 24.0
    history = draw_flow_history(created, rng, WorkflowTruth(consensus_share=0.0), end=END, capacity_days=capacity)
    arriving = history.task_created >= CUT
    trace = np.bincount(np.floor(history.task_created[arriving] - CUT).astype(np.int64), minlength=END - CUT)
    trace[0] += sum(task.missing_labels > 0 for task in open_tasks(history, CUT))
    runs = simulate_trace(replace(WORKFORCE, horizon_days=END - CUT), trace.astype(float), REPLICATIONS, 100 + seed)
    actual = np.array([w.backlog for w in weekly_figures(history.task_created, history.task_completed, CUT, WEEKS)])
    return _errors(history, runs, seed)[0] / actual


def test_conditional_forecast_follows_a_backlog_the_workforce_cannot_absorb() -> None:
    # The backlog grows by hundreds a week: only the simulated capacity explains it (the recorded waits,
    # measured before the surge, would clear it in a day). Mean relative error per week within 10%.
    errors = np.array([_surge_relative_errors(seed) for seed in range(8)])
    assert np.all(np.abs(errors.mean(axis=0)) <= 0.10), errors.mean(axis=0)
