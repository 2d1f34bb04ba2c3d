"""The per-task flow contract shared by the fast kernel and the SimPy reference model.

A flow owns the label jobs of one replication (arrival, work, pre-drawn random numbers), the on-duty
labelers and reviewers, and what happened to each job. The engine (SimPy) owns the workforce and tells the
flow who is on duty; it calls ``advance(now)`` before each change so the kernel can catch up in one step.

Semantics both flows implement: jobs are served FCFS by ready time, each by the on-duty labeler that frees
first; a label takes ``work * speed[labeler]`` hours and is erroneous when ``u_error < error[labeler]`` (both
read when it starts); with ``u_review < share_reviewed`` it waits FCFS for a reviewer, who takes
``review_hours``; an erroneous label is caught with ``u_detect < detection_probability`` and goes back to the
labeling queue as rework (``rework_time_factor`` of the work), with fresh draws from ``stream`` for later
rounds. Work in progress when a worker goes off duty is finished first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["Flow", "FlowInputs", "FlowOutputs"]


@dataclass(frozen=True)
class FlowInputs:
    """Label jobs of one replication, sorted by arrival, with their random numbers drawn up front."""

    arrival: npt.NDArray[np.float64]
    work: npt.NDArray[np.float64]
    u_review: npt.NDArray[np.float64]
    u_error: npt.NDArray[np.float64]
    u_detect: npt.NDArray[np.float64]
    review_hours: npt.NDArray[np.float64]
    share_reviewed: float
    detection_probability: float
    rework_time_factor: float
    review_mean_hours: float
    stream: np.random.Generator

    @property
    def n_jobs(self) -> int:
        return int(self.arrival.size)


@dataclass
class FlowOutputs:
    """Per job: first labeling start (nan if never), acceptance time (inf if never), first labeler (-1)."""

    start: npt.NDArray[np.float64]
    done: npt.NDArray[np.float64]
    labeler: npt.NDArray[np.int64]

    @classmethod
    def empty(cls, n: int) -> FlowOutputs:
        return cls(
            start=np.full(n, np.nan),
            done=np.full(n, np.inf),
            labeler=np.full(n, -1, dtype=np.int64),
        )


class Flow(Protocol):
    """What the engine needs from a per-task flow."""

    speed: list[float]
    error: list[float]
    review_busy: list[float]
    reviews: int
    thumbs_down: int

    def add_labeler(self, speed: float, error: float) -> int: ...

    def add_reviewer(self) -> int: ...

    def set_skill(self, lid: int, speed: float, error: float) -> None: ...

    def busy_hours(self) -> npt.NDArray[np.float64]: ...

    def labels_done(self) -> npt.NDArray[np.float64]: ...

    def labelers_on(self, ids: list[int], now: float) -> None: ...

    def labelers_off(self, ids: list[int]) -> None: ...

    def reviewers_on(self, ids: list[int], now: float) -> None: ...

    def reviewers_off(self, ids: list[int]) -> None: ...

    @property
    def started(self) -> int: ...

    def waiting(self, now: float) -> int: ...

    def advance(self, until: float) -> None: ...

    def finish(self) -> FlowOutputs: ...
