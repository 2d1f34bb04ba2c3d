"""The conditional backtest forecast on histories drawn from a known labeling workflow: no bias beyond its CI.

Each history follows the recorded workflow: tasks arrive (a fifth need two labels), each label is submitted
after a pickup wait, a share of labels is reviewed after a review wait, a thumbs-down sends the label to rework
and a new review, and a task is done when all its labels are accepted. Records after day 56 are cut off, as at
the moment a real history is read. The forecast from day 28 is fed the arrivals that happened (the conditional
forecast) with no capacity limit, so its error is that of the initial state and the waits alone.
"""

from __future__ import annotations

import numpy as np

from server.services.backtest import forecast_weeks, weekly_figures
from simulator.latency import FlowHistory, fit_latency, open_tasks, sample_remaining

END, CUT, WEEKS = 56.0, 28, 4
SEEDS = range(24)


def _history(seed: int) -> FlowHistory:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(np.where(np.arange(56) % 7 < 5, 220.0, 80.0))
    created = np.repeat(np.arange(56.0), counts) + rng.random(int(counts.sum()))
    required = np.where(rng.random(created.size) < 0.2, 2, 1)
    label_task = np.repeat(np.arange(created.size), required)
    n = label_task.size
    submitted = created[label_task] + rng.exponential(0.4, n) + rng.uniform(0.0, 0.1, n)
    reviewed = rng.random(n) < 0.3
    accepted = submitted.copy()
    review_label: list[np.ndarray] = []
    review_at: list[np.ndarray] = []
    review_down: list[np.ndarray] = []
    at = submitted + rng.exponential(0.3, n)
    active = reviewed
    for down_probability in (0.15, 0.1, 0.0):
        down = active & (rng.random(n) < down_probability)
        review_label.append(np.flatnonzero(active))
        review_at.append(at[active])
        review_down.append(down[active])
        accepted = np.where(active & ~down, at, accepted)
        at = at + rng.exponential(0.5, n)
        active = down
    completed = np.full(created.size, -np.inf)
    np.maximum.at(completed, label_task, accepted)
    labels_in = submitted < END
    positions = np.cumsum(labels_in) - 1
    reviews_label = np.concatenate(review_label)
    reviews_at = np.concatenate(review_at)
    reviews_down = np.concatenate(review_down)
    seen = (reviews_at < END) & labels_in[reviews_label]
    arrived = created < END
    return FlowHistory(
        task_created=created[arrived],
        task_completed=np.where(completed < END, completed, np.nan)[arrived],
        task_required=required[arrived],
        label_task=label_task[labels_in],
        label_submitted=submitted[labels_in],
        review_label=positions[reviews_label[seen]],
        review_at=reviews_at[seen],
        review_down=reviews_down[seen],
    )


def _errors(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Forecast minus actual, per week: backlog at the week's end and throughput."""
    history = _history(seed)
    created, completed = history.task_created, history.task_completed
    actual = weekly_figures(created, completed, CUT, WEEKS)
    arriving = created >= CUT
    arrivals = (created[arriving] - CUT, history.task_required[arriving])
    no_capacity_limit = (np.zeros(0), np.zeros(0))
    forecast = forecast_weeks(
        [arrivals] * 8,
        [no_capacity_limit] * 8,
        open_tasks(history, CUT),
        fit_latency(history, CUT),
        CUT,
        WEEKS,
        np.random.default_rng(1000 + seed),
    ).weeks
    backlog = np.array([f.backlog - a.backlog for f, a in zip(forecast, actual, strict=True)])
    throughput = np.array([f.throughput - a.throughput for f, a in zip(forecast, actual, strict=True)])
    return backlog, throughput


def test_conditional_forecast_is_unbiased_within_its_confidence_interval() -> None:
    errors = [_errors(seed) for seed in SEEDS]
    for which, name in ((0, "backlog"), (1, "throughput")):
        values = np.array([e[which] for e in errors])  # seeds x weeks
        mean = values.mean(axis=0)
        half_width = 1.96 * values.std(axis=0, ddof=1) / np.sqrt(len(SEEDS))
        # Each week's mean error over independent histories: its 95% CI must hold zero.
        assert np.all(np.abs(mean) <= half_width), (name, mean, half_width)
        # And the forecast is informative: errors small against the backlog itself (about 100 tasks).
        assert np.all(np.abs(values).mean(axis=0) < 10.0), (name, np.abs(values).mean(axis=0))


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
