"""Queue figures per stage (labeling, review) from per-job times: what a planner asks of each queue.

A stage visit has a ready time, a start (nan when not started within the horizon) and an end. Over the
first-round visits of one replication (rework rounds are not counted here):

- ``wait_probability``: share of visits that waited at all (unstarted ones did);
- ``wait_within_target``: share that started within ``target`` hours, among visits ready at least ``target``
  hours before the horizon (the others cannot be judged yet);
- ``mean_wait_hours``: mean wait of the visits that started;
- ``queue_length`` (Lq) and ``in_system`` (L): time averages over the horizon of visits waiting, and waiting
  or in service, each visit counting its overlap with [0, horizon].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["STAGES", "StageFigures", "stage_figures"]

STAGES = ("labeling", "review")


@dataclass(frozen=True)
class StageFigures:
    wait_probability: float
    wait_within_target: float
    mean_wait_hours: float
    queue_length: float
    in_system: float

    @classmethod
    def undefined(cls) -> StageFigures:
        return cls(math.nan, math.nan, math.nan, math.nan, math.nan)


def stage_figures(
    ready: np.ndarray, start: np.ndarray, end: np.ndarray, *, horizon: float, target: float
) -> StageFigures:
    """Figures of one stage; ``ready``, ``start``, ``end`` are per visit (start nan if never, end may pass
    the horizon or be nan for work still in progress)."""
    inside = ready < horizon  # False for nan: visits that never became ready
    if horizon <= 0.0 or not inside.any():
        return StageFigures.undefined()
    if not inside.all():  # labeling visits are all inside: no copies of millions of values then
        ready, start, end = ready[inside], start[inside], end[inside]
    # Each pass below is one array operation over every visit: on millions of visits the passes, not the
    # arithmetic, are the cost. fmin takes the horizon where a time is nan (never started, or still in service).
    started = ~np.isnan(start)
    n_started = int(np.count_nonzero(started))
    waited = start - ready  # nan where never started, so every comparison on it is False there
    judged = ready + target <= horizon
    eligible = float(np.count_nonzero(judged))
    within = float(np.count_nonzero(judged & (waited <= target)))
    wait = waited[started] if n_started < started.size else waited
    queue_hours = np.fmin(start, horizon)
    queue_hours -= ready
    system_hours = np.fmin(end, horizon)
    if n_started < started.size:
        np.copyto(system_hours, horizon, where=~started)
    system_hours -= ready
    return StageFigures(
        wait_probability=float(started.size - n_started + np.count_nonzero(wait > 0.0)) / ready.size,
        wait_within_target=within / eligible if eligible else math.nan,
        mean_wait_hours=float(wait.mean()) if wait.size else math.nan,
        queue_length=float(queue_hours.sum()) / horizon,
        in_system=float(system_hours.sum()) / horizon,
    )
