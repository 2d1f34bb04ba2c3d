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
    if not inside.any() or horizon <= 0.0:
        return StageFigures.undefined()
    ready, start, end = ready[inside], start[inside], end[inside]
    started = ~np.isnan(start)
    waited_until = np.where(started, np.minimum(start, horizon), horizon)
    wait = start[started] - ready[started]
    eligible = ready + target <= horizon
    within = started & (start - np.where(started, ready, 0.0) <= target)
    served_until = np.where(started, np.minimum(np.nan_to_num(end, nan=horizon), horizon), waited_until)
    queue_hours = float((waited_until - ready).sum())
    system_hours = float((served_until - ready).sum())
    return StageFigures(
        wait_probability=float(np.count_nonzero(~started) + np.count_nonzero(wait > 0.0)) / ready.size,
        wait_within_target=(
            float(np.count_nonzero(within & eligible)) / float(np.count_nonzero(eligible))
            if eligible.any()
            else math.nan
        ),
        mean_wait_hours=float(wait.mean()) if wait.size else math.nan,
        queue_length=queue_hours / horizon,
        in_system=system_hours / horizon,
    )
