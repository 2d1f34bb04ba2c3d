"""What calibration found, as typed records: every figure with its interval and the observations behind it.

:class:`CalibrationFit` is the ``fitted`` part of a
:class:`~simulator.planning.calibrate.Calibration`; ``to_dict`` gives it as plain data (JSON-ready).
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass
from typing import Any

from simulator.planning.calibrate.demand import DemandFit
from simulator.planning.calibrate.fits import Estimate

__all__ = [
    "CalibrationFit",
    "LearningCurveFit",
    "PipelinePerson",
    "PoolFit",
    "ReviewPoolFit",
    "ShiftPoolFit",
    "WorkingWeekFit",
]


@dataclass(frozen=True)
class PipelinePerson:
    """Someone not yet in production: their stage and how many days they have been in it."""

    stage: str
    days_in_stage: float


@dataclass(frozen=True)
class ShiftPoolFit:
    """One scenario pool: a vendor's people working one shift of the day."""

    pool: str
    start_hour: float
    offset_hours: float
    production: int
    training: int
    hiring: int
    #: Each person's time on the project per working day of the scenario's calendar (working days per week
    #: folded in): the scenario pool's ``shift_hours``.
    shift_hours: float
    speed_factor: float


@dataclass(frozen=True)
class PoolFit:
    """A vendor's workforce: its people by stage, their availability, speed, learning state, attrition."""

    vendor: str
    active: bool
    status: str
    production: int
    training: int
    hiring: int
    pipeline: tuple[PipelinePerson, ...]
    hours_per_working_day: Estimate
    working_days_per_week: Estimate
    #: Busy hours over the span of their working days; below the assumed 85% their hours count at 85%.
    utilization: Estimate
    speed_factor: Estimate
    #: Thumbs-down share of the reviews of their labels.
    rework_rate: Estimate
    tenure_weeks: Estimate
    attrition_per_week: Estimate
    test_pass_probability: Estimate
    time_to_hire_days: Estimate
    training_days: Estimate
    hourly_rate: float | None
    price_per_label: float | None
    shifts: tuple[ShiftPoolFit, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewPoolFit:
    """The reviewers: their headcount, availability and pay, and what review does to labels."""

    reviewers: int
    hours_per_working_day: Estimate
    working_days_per_week: Estimate
    utilization: Estimate
    hourly_rate: Estimate
    shift_start_hour: float
    shift_hours: float | None
    review_minutes: Estimate
    share_reviewed: Estimate
    rework_rate: Estimate
    rework_time_factor: Estimate
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class LearningCurveFit:
    """The workforce's learning curve (tenure from the PRODUCTION stage event) and how well it is pinned down."""

    status: str
    t0_seconds: Estimate
    t_inf_seconds: Estimate
    plateau_share: Estimate
    tau_weeks: Estimate
    residual_sigma: float
    weeks_of_data: float


@dataclass(frozen=True)
class WorkingWeekFit:
    """The working week seen in the records, and the scenario's calendar counted from its first day."""

    first_day_weekday: int
    working_weekdays: tuple[int, ...]
    working_days: tuple[int, ...]
    start_hour: float
    hours_per_day: float
    observed_window_hours: float


@dataclass(frozen=True)
class CalibrationFit:
    """Every fitted figure behind a calibrated scenario, and the warnings where the data are too thin."""

    time_per_label_seconds: Estimate
    service_cv: float
    learning: LearningCurveFit
    demand: DemandFit
    calendar: WorkingWeekFit
    pools: tuple[PoolFit, ...]
    review: ReviewPoolFit
    benchmark_share: float
    labels_per_task: float
    consensus_coverage: float
    excluded_vendors: tuple[str, ...]
    warnings: tuple[str, ...]

    def pool(self, vendor: str) -> PoolFit:
        for pool in self.pools:
            if pool.vendor == vendor:
                return pool
        raise KeyError(vendor)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _plain(self)
        return data


def _plain(value: object) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
