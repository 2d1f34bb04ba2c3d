"""The conditional backtest forecast on histories drawn from a known labeling workflow: no bias beyond its CI.

Histories come from :mod:`simulator.planning.synthetic_flow` (pickup, review and rework waits, thumbs-down rounds,
consensus). The forecast from day 28 is fed the arrivals that happened (the conditional forecast). First with no
capacity limit, so its error is that of the initial state and the waits alone; then with a simulated workforce
whose capacity delays hold up labels in the history, replayed by the simulator in the forecast.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from server.services.backtest import conditional_forecast, forecast_weeks, weekly_figures
from simulator.latency import FlowHistory, fit_latency, open_tasks, sample_remaining
from simulator.planning.synthetic_flow import draw_flow_history, simulated_history, weekly_arrivals
from tests.server.backtest_world import CUT, END, ONE_LABELER, WEEKS

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


# The one labeler is 92% busy on weekdays at these rates, so tasks queue for it in the history.
WORKFORCE = ONE_LABELER


def _weekly_rates(surge: float = 1.0) -> np.ndarray:
    days = np.arange(END)
    return np.where(days % 7 < 5, 220.0, 80.0) * np.where(days >= CUT, surge, 1.0)


def _replayed_errors(history: FlowHistory, seed: int) -> np.ndarray:
    """Forecast minus actual per week (backlog, throughput), the simulator replaying the arrivals for the same
    workforce."""
    actual = weekly_figures(history.task_created, history.task_completed, CUT, WEEKS)
    forecast = conditional_forecast(
        history, WORKFORCE, CUT, WEEKS, replications=REPLICATIONS, seed=100 + seed, rng=np.random.default_rng(seed)
    ).weeks
    return np.array(
        [
            [f.backlog - a.backlog for f, a in zip(forecast, actual, strict=True)],
            [f.throughput - a.throughput for f, a in zip(forecast, actual, strict=True)],
        ]
    )


def test_conditional_forecast_with_a_simulated_workforce_is_unbiased_within_its_confidence_interval() -> None:
    errors = [_replayed_errors(simulated_history(WORKFORCE, _weekly_rates(), seed), seed) for seed in range(16)]
    _assert_unbiased(np.array(errors), 10.0)


def test_conditional_forecast_follows_a_backlog_the_workforce_cannot_absorb() -> None:
    # Demand grows 60% at the cut, more than the labeler can do: the backlog grows by hundreds a week, which
    # only the simulated capacity explains (the recorded waits, measured before, would clear it in a day).
    relative = []
    for seed in range(8):
        history = simulated_history(WORKFORCE, _weekly_rates(surge=1.6), seed)
        actual = weekly_figures(history.task_created, history.task_completed, CUT, WEEKS)
        relative.append(_replayed_errors(history, seed)[0] / np.array([w.backlog for w in actual]))
    # Mean relative error of the backlog at each week's end within 10%.
    assert np.all(np.abs(np.mean(relative, axis=0)) <= 0.10), np.mean(relative, axis=0)


def test_a_backlog_of_days_of_work_at_the_cut_clears_in_queue_order() -> None:
    # Demand 40% over the weekly capacity from the start: at the cut the labeler is more than a day's work
    # behind. The open tasks take their own places in the queue, oldest first, so the time they take to clear
    # and the first week's throughput follow the records (given one shared delay, the backlog would clear at once).
    remaining, throughput = [], []
    for seed in range(6):
        history = simulated_history(WORKFORCE, 1.4 * _weekly_rates(), seed)
        opened = open_tasks(history, CUT)
        assert sum(task.missing_labels > 0 for task in opened) > 240  # more than a day of the labeler's work
        forecast = conditional_forecast(
            history, WORKFORCE, CUT, WEEKS, replications=4, seed=300 + seed, rng=np.random.default_rng(seed)
        )
        actual_remaining = np.array([history.task_completed[task.index] - CUT for task in opened])
        remaining.append(forecast.open_remaining_days.mean() / actual_remaining.mean() - 1.0)
        actual = weekly_figures(history.task_created, history.task_completed, CUT, WEEKS)
        throughput.append(forecast.weeks[0].throughput / actual[0].throughput - 1.0)
    assert abs(np.mean(remaining)) <= 0.10, remaining
    assert abs(np.mean(throughput)) <= 0.05, throughput
