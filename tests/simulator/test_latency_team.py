"""Labeling waits of the team at the cut, not of the smaller team a growing project started with.

The history here grows: in week 1 three people label Monday to Friday, so a task arriving at the weekend waits for
Monday; from week 2 on ten people label, some of them at weekends, so every task is labeled within hours.
Day 0 of the history is a Monday.
"""

from __future__ import annotations

import numpy as np

from server.services.backtest import forecast_weeks, weekly_figures
from simulator.latency import FlowHistory, fit_latency, open_tasks, sample_new, team_since

END, CUT = 56, 28
MONDAY_PICKUP = 1.0 / 24.0  # week 1's weekend arrivals are labeled at Monday 01:00
FEW, MANY = 3, 10


def _history(seed: int) -> tuple[FlowHistory, np.ndarray]:
    """Poisson arrivals; weekend ones of week 1 labeled on Monday, every other one 0-4 hours later. Returns the
    flow and who submitted each label (one of week 1's three people, else one of ten)."""
    rng = np.random.default_rng(seed)
    days = np.arange(END)
    counts = rng.poisson(np.where(days % 7 < 5, 200.0, 70.0))
    created = np.sort(np.repeat(days.astype(float), counts) + rng.random(int(counts.sum())))
    first_weekend = (created >= 5.0) & (created < 7.0)
    labeled = np.where(first_weekend, 7.0 + MONDAY_PICKUP, created + rng.uniform(0.0, 4.0 / 24.0, created.size))
    labeler = np.where(labeled < 7.0, rng.integers(0, FEW, created.size), rng.integers(0, MANY, created.size))
    n = created.size
    flow = FlowHistory(
        task_created=created,
        task_completed=np.where(labeled < END, labeled, np.nan),
        task_required=np.ones(n, dtype=np.int64),
        label_task=np.arange(n)[labeled < END],
        label_submitted=labeled[labeled < END],
        review_label=np.zeros(0, dtype=np.int64),
        review_at=np.zeros(0),
        review_down=np.zeros(0, dtype=bool),
    )
    return flow, labeler[labeled < END]


def _sunday_noon_waits(since: float | None, seed: int) -> np.ndarray:
    flow, _ = _history(seed)
    fit = fit_latency(flow, CUT, labeling_since=since)
    sunday_noon = np.full(4000, 7.0 * 3 + 6.5)
    return sample_new(fit, np.ones(sunday_noon.size, dtype=np.int64), np.random.default_rng(seed), arrived=sunday_noon)


def test_the_team_at_the_cut_is_the_one_since_it_stopped_growing() -> None:
    flow, labeler = _history(0)
    # Weeks 2-4 had ten people, week 1 three: the cut's team has labeled since day 7.
    assert team_since(labeler, flow.label_submitted, CUT) == 7.0


def test_a_team_that_never_changed_keeps_every_week() -> None:
    flow, labeler = _history(0)
    same = labeler % FEW
    assert team_since(same, flow.label_submitted, CUT) == 0.0


def test_a_team_changed_in_the_last_week_still_leaves_a_whole_week_of_waits() -> None:
    flow, labeler = _history(0)
    # Week 4 alone has ten people: the window keeps one whole week before the days left to settle.
    grown_late = np.where(flow.label_submitted < 21.0, labeler % FEW, labeler)
    assert team_since(grown_late, flow.label_submitted, CUT, settle_days=4.0) == CUT - 4.0 - 7.0


def test_a_sunday_arrival_waits_as_the_grown_team_labels_it() -> None:
    # Truth from week 2 on, the team the forecast has: a Sunday task is labeled within hours (4, and the hours
    # between the neighbours it finishes as), none of them waits until past Sunday midnight for Monday.
    flow, labeler = _history(1)
    since = team_since(labeler, flow.label_submitted, CUT)
    grown = _sunday_noon_waits(since, 1)
    assert float(np.max(grown)) < 0.5
    # From every week of the window, a third of Sunday's waits are week 1's, held until Monday (the share of
    # draws waiting past Sunday midnight, with its 95% interval, well above nothing).
    every = _sunday_noon_waits(None, 1)
    late = float(np.mean(every > 0.5))
    half_width = 1.96 * np.sqrt(late * (1.0 - late) / every.size)
    assert late - half_width > 0.2, late


def _week_end_backlog_errors(seed: int, team: bool) -> np.ndarray:
    """Forecast minus records, tasks open at each forecast week's end (Sunday midnight), no capacity limit."""
    flow, labeler = _history(seed)
    since = team_since(labeler, flow.label_submitted, CUT) if team else None
    arriving = flow.task_created >= CUT
    arrivals = (flow.task_created[arriving] - CUT, flow.task_required[arriving])
    no_capacity_limit = [(np.zeros(0), np.zeros(0))] * 4
    fit = fit_latency(flow, CUT, labeling_since=since)
    forecast = forecast_weeks(
        [arrivals] * 4, no_capacity_limit, open_tasks(flow, CUT), fit, CUT, 4, np.random.default_rng(seed)
    )
    actual = weekly_figures(flow.task_created, flow.task_completed, CUT, 4)
    return np.array([f.backlog - a.backlog for f, a in zip(forecast.weeks, actual, strict=True)])


def test_the_backlog_at_sunday_midnight_follows_the_grown_team() -> None:
    # Week 1's waits held a third of Sunday's tasks until Monday; the team at the cut labels them within hours.
    # With its waits the forecast's Sunday-midnight backlog is the records' within its 95% interval over
    # histories; with every week's, dozens of tasks too many.
    team = np.array([_week_end_backlog_errors(seed, team=True) for seed in range(8)]).mean(axis=1)
    every = np.array([_week_end_backlog_errors(seed, team=False) for seed in range(8)]).mean(axis=1)
    half_width = 2.365 * team.std(ddof=1) / np.sqrt(team.size)  # Student t, 7 degrees of freedom
    assert abs(float(team.mean())) <= half_width, (team.mean(), half_width)
    assert float(every.mean()) > 20.0, every
