"""Labeling waits drawn by the time of the week a task arrives.

The history here is a team that works Monday to Friday round the clock: a task arriving on a weekday is labeled
within hours, one arriving on a Saturday or Sunday waits for Monday 01:00. Day 0 of the history is a Monday.
"""

from __future__ import annotations

import numpy as np

from server.services.backtest import forecast_weeks, weekly_figures
from simulator.latency import FlowHistory, fit_latency, open_tasks, sample_new, sample_remaining

END, CUT, WEEKS = 56, 28, 4
MONDAY_PICKUP = 1.0 / 24.0  # weekend arrivals are labeled at Monday 01:00


def _history(seed: int) -> FlowHistory:
    """Poisson arrivals (fewer at weekends); weekday ones labeled 0-4 hours later, weekend ones on Monday."""
    rng = np.random.default_rng(seed)
    days = np.arange(END)
    counts = rng.poisson(np.where(days % 7 < 5, 200.0, 70.0))
    created = np.sort(np.repeat(days.astype(float), counts) + rng.random(int(counts.sum())))
    weekend = np.floor(created) % 7 >= 5
    next_monday = (np.floor(created / 7.0) + 1.0) * 7.0
    labeled = np.where(weekend, next_monday + MONDAY_PICKUP, created + rng.uniform(0.0, 4.0 / 24.0, created.size))
    done = np.where(labeled < END, labeled, np.nan)
    n = created.size
    return FlowHistory(
        task_created=created,
        task_completed=done,
        task_required=np.ones(n, dtype=np.int64),
        label_task=np.arange(n)[labeled < END],
        label_submitted=labeled[labeled < END],
        review_label=np.zeros(0, dtype=np.int64),
        review_at=np.zeros(0),
        review_down=np.zeros(0, dtype=bool),
    )


def test_a_weekday_arrival_draws_weekday_waits_and_a_saturday_one_waits_for_monday() -> None:
    fit = fit_latency(_history(0), CUT)
    rng = np.random.default_rng(1)
    tuesday_noon = np.full(2000, 7.0 * 3 + 1.5)
    saturday_noon = np.full(2000, 7.0 * 3 + 5.5)
    ones = np.ones(2000, dtype=np.int64)
    weekday = sample_new(fit, ones, rng, arrived=tuesday_noon)
    saturday = sample_new(fit, ones, rng, arrived=saturday_noon)
    # Neighbours arrived minutes apart: a weekday wait is a weekday one, a Saturday arrival waits for Monday.
    assert weekday.max() <= 5.0 / 24.0
    assert np.allclose(saturday, 2.0 - 0.5 + MONDAY_PICKUP)


def test_without_arrivals_the_draws_are_from_every_wait() -> None:
    fit = fit_latency(_history(0), CUT)
    drawn = sample_new(fit, np.ones(4000, dtype=np.int64), np.random.default_rng(2))
    assert 0.05 < float(np.mean(drawn > 0.5)) < 0.3  # weekend tasks, most of them far from Monday


def test_a_task_open_on_sunday_evening_is_labeled_on_monday_morning() -> None:
    history = _history(0)
    opened = [task for task in open_tasks(history, CUT) if task.age_days < 0.25]
    assert opened
    fit = fit_latency(history, CUT)
    remaining = np.concatenate([sample_remaining(fit, opened, np.random.default_rng(s), cut=CUT) for s in range(8)])
    actual = np.array([history.task_completed[task.index] - CUT for task in opened])
    # Truth: Monday 01:00. Without the time of the week, waits longer than a few hours are mostly whole weekends.
    assert np.allclose(actual, MONDAY_PICKUP)
    assert abs(float(remaining.mean()) - MONDAY_PICKUP) < 2.0 / 24.0, remaining.mean()


def test_the_backlog_at_week_end_follows_the_records_when_weekends_are_off() -> None:
    # No capacity limit: the forecast's week-end backlog is the waits' alone. Drawn regardless of the time of
    # the week, weekend tasks are done at once and Friday's hold weekend waits.
    relative = []
    for seed in range(4):
        history = _history(seed)
        created = history.task_created
        arriving = created >= CUT
        arrivals = (created[arriving] - CUT, history.task_required[arriving])
        runs = [(np.zeros(0), np.zeros(0))] * 4
        fit = fit_latency(history, CUT)
        rng = np.random.default_rng(100 + seed)
        forecast = forecast_weeks([arrivals] * 4, runs, open_tasks(history, CUT), fit, CUT, WEEKS, rng).weeks
        actual = weekly_figures(created, history.task_completed, CUT, WEEKS)
        relative.append([f.backlog / a.backlog - 1.0 for f, a in zip(forecast, actual, strict=True)])
    assert np.all(np.abs(np.mean(relative, axis=0)) <= 0.05), np.mean(relative, axis=0)
