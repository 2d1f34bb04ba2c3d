"""GraphQL types of a calibration's fitted figures: every figure with its interval and observations behind it."""

from __future__ import annotations

import math

import strawberry

from simulator.planning.calibrate import (
    CalibrationFit,
    DemandFit,
    Estimate,
    LearningCurveFit,
    PoolFit,
    ReviewPoolFit,
    ShiftPoolFit,
    WorkingWeekFit,
)

__all__ = ["CalibrationFitType", "calibration_fit_type"]


def _number(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


@strawberry.type(description="A fitted figure: its value, 95% interval, and the observations behind it.")
class FittedFigure:
    value: float | None = strawberry.field(description="Null when there was nothing to fit.")
    low: float | None
    high: float | None
    observations: int
    unit: str

    @classmethod
    def of(cls, estimate: Estimate) -> FittedFigure:
        return cls(
            value=_number(estimate.value),
            low=_number(estimate.low),
            high=_number(estimate.high),
            observations=estimate.n,
            unit=estimate.unit,
        )


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

    @classmethod
    def of(cls, fit: ShiftPoolFit) -> ShiftPoolFitType:
        return cls(
            pool=fit.pool,
            start_hour=fit.start_hour,
            offset_hours=fit.offset_hours,
            production=fit.production,
            training=fit.training,
            hiring=fit.hiring,
            shift_hours=fit.shift_hours,
            speed_factor=fit.speed_factor,
        )


@strawberry.type(description="Someone not yet in production: their stage and days in it.")
class PipelinePersonType:
    stage: str
    days_in_stage: float


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

    @classmethod
    def of(cls, fit: PoolFit) -> PoolFitType:
        return cls(
            vendor=fit.vendor,
            active=fit.active,
            status=fit.status,
            production=fit.production,
            training=fit.training,
            hiring=fit.hiring,
            pipeline=[PipelinePersonType(stage=p.stage, days_in_stage=p.days_in_stage) for p in fit.pipeline],
            hours_per_working_day=FittedFigure.of(fit.hours_per_working_day),
            working_days_per_week=FittedFigure.of(fit.working_days_per_week),
            utilization=FittedFigure.of(fit.utilization),
            speed_factor=FittedFigure.of(fit.speed_factor),
            rework_rate=FittedFigure.of(fit.rework_rate),
            tenure_weeks=FittedFigure.of(fit.tenure_weeks),
            attrition_per_week=FittedFigure.of(fit.attrition_per_week),
            test_pass_probability=FittedFigure.of(fit.test_pass_probability),
            time_to_hire_days=FittedFigure.of(fit.time_to_hire_days),
            training_days=FittedFigure.of(fit.training_days),
            hourly_rate=fit.hourly_rate,
            price_per_label=fit.price_per_label,
            shifts=[ShiftPoolFitType.of(s) for s in fit.shifts],
            warnings=list(fit.warnings),
        )


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

    @classmethod
    def of(cls, fit: ReviewPoolFit) -> ReviewPoolFitType:
        return cls(
            reviewers=fit.reviewers,
            hours_per_working_day=FittedFigure.of(fit.hours_per_working_day),
            working_days_per_week=FittedFigure.of(fit.working_days_per_week),
            utilization=FittedFigure.of(fit.utilization),
            hourly_rate=FittedFigure.of(fit.hourly_rate),
            shift_start_hour=fit.shift_start_hour,
            shift_hours=fit.shift_hours,
            review_minutes=FittedFigure.of(fit.review_minutes),
            share_reviewed=FittedFigure.of(fit.share_reviewed),
            rework_rate=FittedFigure.of(fit.rework_rate),
            rework_time_factor=FittedFigure.of(fit.rework_time_factor),
            warnings=list(fit.warnings),
        )


@strawberry.type(description="The learning curve (tenure from the PRODUCTION stage event) and its fit status.")
class LearningCurveFitType:
    status: str = strawberry.field(description="OK, AT_BOUND, TOO_FEW_POINTS or IMPLAUSIBLE.")
    t0_seconds: FittedFigure
    t_inf_seconds: FittedFigure
    plateau_share: FittedFigure
    tau_weeks: FittedFigure
    residual_sigma: float
    weeks_of_data: float

    @classmethod
    def of(cls, fit: LearningCurveFit) -> LearningCurveFitType:
        return cls(
            status=fit.status,
            t0_seconds=FittedFigure.of(fit.t0_seconds),
            t_inf_seconds=FittedFigure.of(fit.t_inf_seconds),
            plateau_share=FittedFigure.of(fit.plateau_share),
            tau_weeks=FittedFigure.of(fit.tau_weeks),
            residual_sigma=fit.residual_sigma,
            weeks_of_data=fit.weeks_of_data,
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

    @classmethod
    def of(cls, fit: DemandFit) -> DemandFitType:
        return cls(
            base_per_day=fit.base_per_day,
            trend_per_week=fit.trend_per_week,
            weekly_by_weekday=list(fit.weekly_by_weekday),
            residual_cv=fit.residual_cv,
            days=fit.days,
            forecast_level_per_day=fit.forecast.level_per_day,
            forecast_trend_per_day=fit.forecast.trend_per_day,
            forecast_trend_ci=list(fit.forecast.trend_ci),
            trend_damping_per_day=fit.forecast.damping,
        )


@strawberry.type(description="The working week seen in the records; working days counted from the scenario's day 0.")
class WorkingWeekFitType:
    first_day_weekday: int
    working_weekdays: list[int]
    working_days: list[int]
    start_hour: float
    hours_per_day: float
    observed_window_hours: float

    @classmethod
    def of(cls, fit: WorkingWeekFit) -> WorkingWeekFitType:
        return cls(
            first_day_weekday=fit.first_day_weekday,
            working_weekdays=list(fit.working_weekdays),
            working_days=list(fit.working_days),
            start_hour=fit.start_hour,
            hours_per_day=fit.hours_per_day,
            observed_window_hours=fit.observed_window_hours,
        )


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


def calibration_fit_type(fit: CalibrationFit) -> CalibrationFitType:
    return CalibrationFitType(
        time_per_label_seconds=FittedFigure.of(fit.time_per_label_seconds),
        service_cv=fit.service_cv,
        learning=LearningCurveFitType.of(fit.learning),
        demand=DemandFitType.of(fit.demand),
        calendar=WorkingWeekFitType.of(fit.calendar),
        pools=[PoolFitType.of(p) for p in fit.pools],
        review=ReviewPoolFitType.of(fit.review),
        benchmark_share=fit.benchmark_share,
        labels_per_task=fit.labels_per_task,
        consensus_coverage=fit.consensus_coverage,
        excluded_vendors=list(fit.excluded_vendors),
        warnings=list(fit.warnings),
    )
