"""A project's recorded history as calibration reads it: plain arrays and small records, no database.

:mod:`server.services.history` builds a :class:`HistoryData` from the platform's records; tests and the
identifiability check build them from known truth. Days count from the start of the calibration window.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["HistoryData", "PersonHistory", "PoolHistory"]


@dataclass(frozen=True)
class PersonHistory:
    """One person on a vendor's books at the calibration's end.

    ``stage`` is ``"production"``, ``"training"`` (platform or project training, or testing), ``"hiring"`` or
    ``"gone"`` (offboarded); ``days_in_stage`` is how long they have been in it (training counted from its first
    step); ``tenure_weeks`` counts from their PRODUCTION stage event (nan if they never reached it).
    """

    id: int
    pool: str
    stage: str
    days_in_stage: float = 0.0
    tenure_weeks: float = math.nan
    hourly_rate: float | None = None


def _empty() -> np.ndarray:
    return np.zeros(0)


@dataclass(frozen=True)
class PoolHistory:
    """One vendor's people as seen at the calibration's end, and their recorded onboarding.

    ``active`` is false for a vendor that can give no more work (offboarded, or still a prospect): it is fitted
    and reported, but becomes no pool.
    """

    name: str
    production: int
    training: int
    hiring: int
    hourly_rate: float | None
    price_per_label: float | None
    mean_tenure_weeks: float
    hire_days: Sequence[float] = ()
    platform_training_days: Sequence[float] = ()
    project_training_days: Sequence[float] = ()
    tests_passed: int = 0
    tests_taken: int = 0
    exposure_weeks: Sequence[float] = ()
    departed: Sequence[bool] = ()
    active: bool = True
    status: str = ""
    #: Reviews of the vendor's labels, and how many were thumbs-down.
    reviews: int = 0
    thumbs_down: int = 0


@dataclass(frozen=True)
class HistoryData:
    """A project's recorded history as arrays; days count from the start of the calibration window.

    ``people`` lists everyone on the vendors' books (labelers and reviewers) with their stage; ``label_day`` and
    ``review_day`` say when each label and review was started, so each person's working days and hours can be
    read from them. Without ``people`` the pools' recorded counts are taken as they are.
    """

    name: str
    first_weekday: int
    days: int
    daily_arrivals: np.ndarray
    label_seconds: np.ndarray
    label_tenure_weeks: np.ndarray
    label_labeler: np.ndarray
    label_hour_of_day: np.ndarray
    rework_seconds: np.ndarray
    rework_count: np.ndarray
    reviewed_labels: int
    reviews: int
    thumbs_down: int
    review_seconds: np.ndarray
    reviewers: int
    labels_per_task: float
    consensus_coverage: float
    benchmark_share: float
    sla_turnaround_hours: float
    sla_target_share: float
    pools: Sequence[PoolHistory]
    #: Day (since the window's start) each label was started; empty when not recorded.
    label_day: np.ndarray = field(default_factory=_empty)
    #: Length in days of the recent window over which people's working time is measured.
    recent_days: int = 14
    extra: Mapping[str, Any] = field(default_factory=dict)
    people: Sequence[PersonHistory] = ()
    #: Day each review was started (given minus its seconds), and who gave it.
    review_day: np.ndarray = field(default_factory=_empty)
    review_reviewer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
