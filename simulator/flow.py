"""The per-task flow contract shared by the fast kernel and the SimPy reference model.

A flow owns the label jobs of one replication (arrival, work, pre-drawn random numbers), the on-duty
labelers and reviewers, and what happened to each job. The engine (SimPy) owns the workforce and tells the
flow who is on duty; it calls ``advance(now)`` before each change so the kernel can catch up in one step.

Semantics both flows implement: jobs are served FCFS by ready time, each by the on-duty labeler that frees
first; a label takes ``work * speed[labeler]`` hours and is erroneous when ``u_error < error[labeler]`` (both
read when it starts); with ``u_review < share_reviewed`` it waits FCFS for a reviewer, who takes
``review_hours``; an erroneous label is caught with ``u_detect < detection_probability`` and goes back to the
labeling queue as rework. Work in progress when a worker goes off duty is finished first.

Rework time (``rework_time``): ``"reuse"`` takes ``rework_time_factor`` of the job's first labeling draw;
``"independent"`` takes ``rework_time_factor`` times a fresh draw from the service-time distribution around
the job's mean (``job_mean_hours``), so a slow first label says nothing about its rework.

Tie-break order, the same in both flows (it decides who gets which worker when times are equal):

1. Whatever changes the workforce or skills at an instant (shifts, hires, departures, daily learning) happens
   before any job starts at that instant; a job starting at ``t`` sees the workforce as it is after ``t``.
2. Within a stage, waiting jobs go in order of (ready time, rework before fresh work, job index).
3. A job takes the idle on-duty worker with the smallest (time it became free, worker id); a worker coming on
   duty idle is free from that moment.
4. Rework rounds draw their random numbers from :func:`rework_uniforms`, keyed by (job, round) rather than
   taken in event order, so the order in which simultaneous events are processed cannot change any draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["REWORK_TIME_MODELS", "Flow", "FlowInputs", "FlowOutputs", "rework_uniforms", "service_factor"]

REWORK_TIME_MODELS = ("reuse", "independent")

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_UNIT = 2.0**-53
_NORMAL = NormalDist()


def rework_uniforms(key: int, job: int, rnd: int) -> tuple[float, float, float, float, float]:
    """Five uniforms in (0, 1) for rework round ``rnd`` of ``job``: reviewed?, erroneous?, review time,
    detected?, rework time. SplitMix64 outputs at counter ``(job, rnd, k)`` of the stream seeded with ``key``:
    a pure function of its arguments, so both flows draw the same numbers whatever order events run in."""
    base = (job << 24) | (rnd << 3)
    out = []
    for k in range(5):
        z = (key + (base + k) * _GOLDEN) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        z ^= z >> 31
        out.append(((z >> 11) + 0.5) * _UNIT)
    return out[0], out[1], out[2], out[3], out[4]


def service_factor(distribution: str, cv: float, u: float) -> float:
    """One draw of the unit-mean service-time factor (as :mod:`simulator.engine` draws first labels) from a
    uniform ``u`` in (0, 1), by inversion."""
    if distribution == "exponential":
        return -math.log(u)
    if distribution == "fixed" or cv == 0.0:
        return 1.0
    sigma2 = math.log1p(cv * cv)
    return math.exp(-sigma2 / 2.0 + math.sqrt(sigma2) * _NORMAL.inv_cdf(u))


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
    rework_key: int
    rework_time: str = "reuse"
    job_mean_hours: npt.NDArray[np.float64] | None = None  # needed by rework_time "independent"
    service_distribution: str = "exponential"
    service_cv: float = 1.0

    def __post_init__(self) -> None:
        if self.rework_time not in REWORK_TIME_MODELS:
            raise ValueError(f"rework_time must be one of {REWORK_TIME_MODELS}, got {self.rework_time!r}")
        independent = self.rework_time == "independent" and self.share_reviewed > 0.0
        if independent and (self.job_mean_hours is None or self.job_mean_hours.size != self.arrival.size):
            raise ValueError("rework_time 'independent' needs job_mean_hours, one per job")

    @property
    def n_jobs(self) -> int:
        return int(self.arrival.size)

    def rework_hours(self, job: int, u: float) -> float:
        """Unscaled rework time of ``job`` (before the labeler's speed) given its rework-time uniform."""
        if self.rework_time == "reuse":
            return float(self.work[job]) * self.rework_time_factor
        assert self.job_mean_hours is not None
        factor = service_factor(self.service_distribution, self.service_cv, u)
        return float(self.job_mean_hours[job]) * factor * self.rework_time_factor


@dataclass
class FlowOutputs:
    """Per job: first labeling start (nan if never), acceptance time (inf if never), first labeler (-1),
    end of the first label (nan if never started) and start of its review (nan if none or not yet)."""

    start: npt.NDArray[np.float64]
    done: npt.NDArray[np.float64]
    labeler: npt.NDArray[np.int64]
    label_end: npt.NDArray[np.float64]
    review_start: npt.NDArray[np.float64]

    @classmethod
    def empty(cls, n: int) -> FlowOutputs:
        return cls(
            start=np.full(n, np.nan),
            done=np.full(n, np.inf),
            labeler=np.full(n, -1, dtype=np.int64),
            label_end=np.full(n, np.nan),
            review_start=np.full(n, np.nan),
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
