"""Histories drawn from a known labeling workflow, as :class:`simulator.latency.FlowHistory` records.

The workflow is the platform's: a task needs one label (or several, for consensus), each label is submitted
after a pickup wait (or after the capacity delay a simulated workforce gives, when that is longer), a share of
labels is reviewed after a review wait, a thumbs-down sends the label to rework and a new review, and a task is
done when all its labels are accepted. Records after ``end`` are cut off, as when a real history is read. Checks
of the backtest compare its forecasts with such histories, whose truth is known.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from simulator.engine import run_replication
from simulator.latency import FlowHistory
from simulator.scenario import Scenario

__all__ = ["WorkflowTruth", "draw_flow_history", "simulated_history", "weekly_arrivals"]


@dataclass(frozen=True)
class WorkflowTruth:
    """Waits in days (exponential, with these means) and the review decisions."""

    pickup_days: float = 0.4
    consensus_share: float = 0.2
    review_share: float = 0.3
    review_wait_days: float = 0.3
    down_by_round: tuple[float, ...] = (0.15, 0.1, 0.0)
    rework_cycle_days: float = 0.5


def weekly_arrivals(
    rng: np.random.Generator, days: int, weekday_rate: float, weekend_rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson tasks per day (days 5 and 6 of each week at the weekend rate), and their sorted arrival days."""
    counts = rng.poisson(np.where(np.arange(days) % 7 < 5, weekday_rate, weekend_rate))
    created = np.repeat(np.arange(float(days)), counts) + rng.random(int(counts.sum()))
    return counts, np.sort(created)


def draw_flow_history(
    created: np.ndarray,
    rng: np.random.Generator,
    truth: WorkflowTruth = WorkflowTruth(),
    *,
    end: float = 56.0,
    capacity_days: np.ndarray | None = None,
) -> FlowHistory:
    """One history of tasks arriving at ``created`` (days); ``capacity_days`` delays each task's labels."""
    n_tasks = created.size
    required = np.where(rng.random(n_tasks) < truth.consensus_share, 2, 1)
    label_task = np.repeat(np.arange(n_tasks), required)
    n = label_task.size
    pickup = rng.exponential(truth.pickup_days, n) + rng.uniform(0.0, 0.1, n)
    if capacity_days is not None:
        pickup = np.maximum(pickup, capacity_days[label_task])
    submitted = created[label_task] + pickup
    accepted = submitted.copy()
    review_label, review_at, review_down = [], [], []
    at = submitted + rng.exponential(truth.review_wait_days, n)
    active = rng.random(n) < truth.review_share
    for round_, down_probability in enumerate(truth.down_by_round):
        down = active & (rng.random(n) < down_probability)
        if round_ == len(truth.down_by_round) - 1:
            down[:] = False  # the last round accepts
        review_label.append(np.flatnonzero(active))
        review_at.append(at[active])
        review_down.append(down[active])
        accepted = np.where(active & ~down, at, accepted)
        at = at + rng.exponential(truth.rework_cycle_days, n)
        active = down
    completed = np.full(n_tasks, -np.inf)
    np.maximum.at(completed, label_task, accepted)
    labels_in = submitted < end
    positions = np.cumsum(labels_in) - 1
    reviews_label = np.concatenate(review_label)
    reviews_at = np.concatenate(review_at)
    seen = (reviews_at < end) & labels_in[reviews_label]
    arrived = created < end
    return FlowHistory(
        task_created=created[arrived],
        task_completed=np.where(completed < end, completed, np.nan)[arrived],
        task_required=required[arrived],
        label_task=label_task[labels_in],
        label_submitted=submitted[labels_in],
        review_label=positions[reviews_label[seen]],
        review_at=reviews_at[seen],
        review_down=np.concatenate(review_down)[seen],
    )


def simulated_history(
    workforce: Scenario, daily_rates: np.ndarray, seed: int, truth: WorkflowTruth = WorkflowTruth(consensus_share=0.0)
) -> FlowHistory:
    """A history whose tasks arrive (Poisson days at ``daily_rates``) and queue for ``workforce`` in the
    simulator, whose delay holds each task's labels up when it is longer than the pickup wait; the simulated
    workforce labels each task once, hence no consensus by default."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(daily_rates)
    traced = replace(
        workforce,
        horizon_days=int(daily_rates.size),
        demand=replace(workforce.demand, model="trace", trace=tuple(float(c) for c in counts)),
    )
    tasks = run_replication(traced, seed, keep_tasks=True).tasks
    assert tasks is not None
    capacity = (tasks.finish_hour - tasks.arrival_hour) / 24.0
    return draw_flow_history(tasks.arrival_hour / 24.0, rng, truth, end=float(daily_rates.size), capacity_days=capacity)
