"""GraphQL types of a calibration's fitted figures: every figure with its interval and observations behind it."""

from __future__ import annotations

import math

import strawberry

from server.graphql.convert import mirrors
from simulator.planning.calibrate import (
    CalibrationFit,
    DemandFit,
    Estimate,
    LearningCurveFit,
    PipelinePerson,
    PoolFit,
    ReviewPoolFit,
    ShiftPoolFit,
    WorkingWeekFit,
)

__all__ = ["CalibrationFitType"]


def _number(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


@mirrors(
    Estimate,
    renames={"observations": "n"},
    computed={
        "value": lambda estimate: _number(estimate.value),
        "low": lambda estimate: _number(estimate.low),
        "high": lambda estimate: _number(estimate.high),
    },
)
@strawberry.type(description="A fitted figure: its value, 95% interval, and the observations behind it.")
class FittedFigure:
    value: float | None = strawberry.field(description="Null when there was nothing to fit.")
    low: float | None
    high: float | None
    observations: int
    unit: str


@mirrors(ShiftPoolFit)
@strawberry.type(description="One scenario pool: a vendor's people working one shift of the day.")
class ShiftPoolFitType:
    pool: str
    start_hour: float
    offset_hours: float
    production: int
    training: int
    hiring: int
    shift_hours: float = strawberry.field(
        description="Each person's hours per working day of the scenario's calendar (working days folded in)."
    )
    speed_factor: float = strawberry.field(description="Time per label relative to the fitted curve (1.2: slower).")


@mirrors(PipelinePerson)
@strawberry.type(description="Someone not yet in production: their stage and days in it.")
class PipelinePersonType:
    stage: str
    days_in_stage: float


@mirrors(PoolFit)
@strawberry.type(description="A vendor's people by stage, their availability, speed, tenure and attrition.")
class PoolFitType:
    vendor: str
    active: bool = strawberry.field(description="False for offboarded vendors and prospects: no pool of the scenario.")
    status: str
    production: int
    training: int
    hiring: int
    pipeline: list[PipelinePersonType]
    hours_per_working_day: FittedFigure
    working_days_per_week: FittedFigure
    utilization: FittedFigure = strawberry.field(
        description="Busy hours over the span of their working days. Near 1 the hours are their availability; "
        "below 0.85 the work came scattered and the scenario takes their hours as 85% busy."
    )
    speed_factor: FittedFigure
    rework_rate: FittedFigure = strawberry.field(description="Thumbs-down share of the reviews of their labels.")
    tenure_weeks: FittedFigure
    attrition_per_week: FittedFigure
    test_pass_probability: FittedFigure
    time_to_hire_days: FittedFigure
    training_days: FittedFigure
    hourly_rate: float | None
    price_per_label: float | None
    shifts: list[ShiftPoolFitType]
    warnings: list[str]


@mirrors(ReviewPoolFit)
@strawberry.type(description="The reviewers: headcount, availability, pay, and what review does to labels.")
class ReviewPoolFitType:
    reviewers: int
    hours_per_working_day: FittedFigure
    working_days_per_week: FittedFigure
    utilization: FittedFigure
    hourly_rate: FittedFigure
    shift_start_hour: float
    shift_hours: float | None
    review_minutes: FittedFigure
    share_reviewed: FittedFigure
    rework_rate: FittedFigure
    rework_time_factor: FittedFigure
    warnings: list[str]


@mirrors(LearningCurveFit)
@strawberry.type(description="The learning curve (tenure from the PRODUCTION stage event) and its fit status.")
class LearningCurveFitType:
    status: str = strawberry.field(description="OK, AT_BOUND, TOO_FEW_POINTS or IMPLAUSIBLE.")
    t0_seconds: FittedFigure
    t_inf_seconds: FittedFigure
    plateau_share: FittedFigure
    tau_weeks: FittedFigure
    residual_sigma: float
    weeks_of_data: float


@mirrors(
    DemandFit,
    computed={
        "forecast_level_per_day": lambda fit: fit.forecast.level_per_day,
        "forecast_trend_per_day": lambda fit: fit.forecast.trend_per_day,
        "forecast_trend_ci": lambda fit: list(fit.forecast.trend_ci),
        "trend_damping_per_day": lambda fit: fit.forecast.damping,
    },
)
@strawberry.type(
    description="Demand: the straight line through the history (base per day, trend per week), weekly factors "
    "(Monday first), and the forecast plans use: a level at the last day with a trend that fades by "
    "trendDampingPerDay each day."
)
class DemandFitType:
    base_per_day: float
    trend_per_week: float
    weekly_by_weekday: list[float]
    residual_cv: float
    days: int
    forecast_level_per_day: float
    forecast_trend_per_day: float
    forecast_trend_ci: list[float]
    trend_damping_per_day: float


@mirrors(WorkingWeekFit)
@strawberry.type(description="The working week seen in the records; working days counted from the scenario's day 0.")
class WorkingWeekFitType:
    first_day_weekday: int
    working_weekdays: list[int]
    working_days: list[int]
    start_hour: float
    hours_per_day: float
    observed_window_hours: float


@mirrors(CalibrationFit)
@strawberry.type(description="Every fitted figure behind a calibrated scenario, and warnings where data are thin.")
class CalibrationFitType:
    time_per_label_seconds: FittedFigure
    service_cv: float
    learning: LearningCurveFitType
    demand: DemandFitType
    calendar: WorkingWeekFitType
    pools: list[PoolFitType]
    review: ReviewPoolFitType
    benchmark_share: float
    labels_per_task: float
    consensus_coverage: float
    excluded_vendors: list[str] = strawberry.field(description="Offboarded vendors and prospects: not pools.")
    warnings: list[str]
