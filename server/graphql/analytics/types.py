"""Analytics types: plain Strawberry types filled from the analytics services' precomputed results.

Every field is data, never an async resolver, so a dashboard of many days and labelers costs one pass of plain
resolution after its fixed set of SQL statements.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated

import strawberry

from server.graphql.errors import NotFoundError, ValidationError
from server.graphql.ids import encode_id
from server.services import analytics as _analytics
from server.services.analytics import agreement as _agreement
from server.services.analytics import dashboard as _dashboard
from server.services.analytics import forecast as _forecast
from server.services.analytics import outliers as _outliers
from server.services.analytics import profiles as _profiles
from server.services.analytics import quality as _quality
from server.services.analytics import speed as _speed

__all__ = [
    "AgreementMetrics",
    "BudgetBurn",
    "CompletionForecast",
    "CostMetrics",
    "DashboardDay",
    "IssueMetrics",
    "LabelerAgreement",
    "LabelerMetrics",
    "LabelerOutlier",
    "LabelerProfileKind",
    "LearningCurve",
    "LearningCurvePoint",
    "OperationsMetrics",
    "OperationsMetricsResult",
    "ProjectAgreement",
    "ProjectDashboard",
    "ProjectDashboardResult",
    "QualityMetrics",
    "QualityShare",
    "SlaAttainment",
    "SlaDay",
    "SpeedMetrics",
    "SpeedOutlier",
    "UsageRow",
]


# Label-time percentiles over whole UTC days come from per-day log-scale histograms (see server.services.rollups).
_MEDIAN = (
    "Median time per label (first pass), seconds. Over a window of whole UTC days it is interpolated from per-day "
    "histograms with log-scale bins: |value - exact| <= 0.0198·exact + 0.005 s; over other windows it is exact."
)
_P90 = (
    "90th percentile of time per label (first pass), seconds. Over a window of whole UTC days it is interpolated "
    "from per-day histograms with log-scale bins: |value - exact| <= 0.0198·exact + 0.005 s; otherwise exact."
)

_FIRST_PASS = (
    "Labels accepted without rework over labels that had a verdict (accepted, rejected or reworked); labels "
    "accepted without review count as passes. See reviewedFirstPassAcceptance for reviewed labels only."
)
_REVIEWED_FIRST_PASS = (
    "Among labels that had a review: those a reviewer accepted at their first review (no rework) over them. "
    "Labels accepted without review are left out of both counts."
)


@strawberry.type(description="Quality of a set of labels; ratios are null when nothing was there to divide by.")
class QualityMetrics:
    labels: int
    benchmark_labels: int = strawberry.field(description="Labels on benchmark tasks with a gold answer.")
    benchmark_accuracy: float | None = strawberry.field(description="Share of benchmark labels equal to the gold.")
    reviews: int
    approval_rate: float | None = strawberry.field(description="Thumbs-up reviews over reviews.")
    first_pass_acceptance: float | None = strawberry.field(description=_FIRST_PASS)
    reviewed_labels: int = strawberry.field(description="Labels that had at least one review.")
    reviewed_first_pass_acceptance: float | None = strawberry.field(description=_REVIEWED_FIRST_PASS)
    rework_rate: float | None = strawberry.field(description="Labels reworked at least once over labels.")

    @classmethod
    def of(cls, value: _quality.QualityMetrics) -> QualityMetrics:
        return cls(
            labels=value.labels,
            benchmark_labels=value.benchmark_labels,
            benchmark_accuracy=value.benchmark_accuracy,
            reviews=value.reviews,
            approval_rate=value.approval_rate,
            first_pass_acceptance=value.first_pass_acceptance,
            reviewed_labels=value.reviewed_labels,
            reviewed_first_pass_acceptance=value.reviewed_first_pass_acceptance,
            rework_rate=value.rework_rate,
        )


@strawberry.type(description="One labeler's agreement with the other labels on the same consensus tasks.")
class LabelerAgreement:
    labeler_id: strawberry.ID
    labels: int
    agreeing_pairs: int
    pairs: int
    agreement: float | None


@strawberry.type(description="Agreement within one project's consensus tasks.")
class ProjectAgreement:
    project_id: strawberry.ID
    units: int
    values: int
    agreeing_pairs: int
    pairs: int
    pairwise: float | None
    observed_agreement: float | None
    expected_agreement: float | None
    alpha: float | None


@strawberry.type(
    description="Agreement on consensus tasks with two or more labels: pairwise percent agreement "
    "(agreeing ordered pairs over pairs) and Krippendorff's alpha for nominal answers, computed within each "
    "project and combined, with the breakdown by project. For a vendor or labeler: the tasks holding one of "
    "their labels, every label on them counted."
)
class AgreementMetrics:
    units: int = strawberry.field(description="Consensus tasks with two or more labels.")
    values: int = strawberry.field(description="Labels on those tasks (Krippendorff's n).")
    agreeing_pairs: int
    pairs: int
    pairwise: float | None
    observed_agreement: float | None
    expected_agreement: float | None
    alpha: float | None = strawberry.field(
        description="1 - D_o/D_e, within each project and combined by adding the projects' disagreements "
        "(n-weighted); null when every answer is the same."
    )
    by_labeler: list[LabelerAgreement]
    by_project: list[ProjectAgreement]

    @classmethod
    def of(cls, value: _agreement.Agreement) -> AgreementMetrics:
        return cls(
            units=value.units,
            values=value.values,
            agreeing_pairs=value.agreeing_pairs,
            pairs=value.pairs,
            pairwise=value.pairwise,
            observed_agreement=value.observed,
            expected_agreement=value.expected,
            alpha=value.alpha,
            by_labeler=[
                LabelerAgreement(
                    labeler_id=strawberry.ID(encode_id("Labeler", item.labeler_id)),
                    labels=item.labels,
                    agreeing_pairs=item.agreeing_pairs,
                    pairs=item.pairs,
                    agreement=item.agreement,
                )
                for item in value.by_labeler
            ],
            by_project=[
                ProjectAgreement(
                    project_id=strawberry.ID(encode_id("Project", item.project_id)),
                    units=item.units,
                    values=item.values,
                    agreeing_pairs=item.agreeing_pairs,
                    pairs=item.pairs,
                    pairwise=item.pairwise,
                    observed_agreement=item.observed,
                    expected_agreement=item.expected,
                    alpha=item.alpha,
                )
                for item in value.by_project
            ],
        )


@strawberry.type(description="Issues raised and resolved in the window.")
class IssueMetrics:
    raised: int
    open: int = strawberry.field(description="Raised in the window and still open.")
    resolved: int = strawberry.field(description="Raised in the window and resolved since.")
    resolved_in_window: int
    mean_hours_to_resolve: float | None

    @classmethod
    def of(cls, value: _quality.IssueCounts) -> IssueMetrics:
        return cls(
            raised=value.raised,
            open=value.open,
            resolved=value.resolved,
            resolved_in_window=value.resolved_in_window,
            mean_hours_to_resolve=value.mean_hours_to_resolve,
        )


@strawberry.type(
    description="Speed: time per label (first pass), review and rework time, throughput. Medians and p90s "
    "interpolate linearly between ranks (as percentile_cont)."
)
class SpeedMetrics:
    labels: int
    mean_seconds: float | None
    median_seconds: float | None = strawberry.field(description=_MEDIAN)
    p90_seconds: float | None = strawberry.field(description=_P90)
    reviews: int
    mean_review_seconds: float | None
    median_review_seconds: float | None = strawberry.field(
        description="Median review time, seconds; over whole UTC days read from the same log-scale histograms as "
        "time per label, with the same error bound, else exact."
    )
    p90_review_seconds: float | None = strawberry.field(
        description="90th percentile of review time, seconds; over whole UTC days read from the same log-scale "
        "histograms as time per label, with the same error bound, else exact."
    )
    reworked_labels: int
    rework_seconds: float
    mean_rework_seconds: float | None = strawberry.field(description="Per reworked label.")
    active_days: int
    labels_per_day: float | None = strawberry.field(description="Labels over days with at least one label.")
    labeling_hours: float = strawberry.field(description="Labeling plus rework time.")
    labels_per_labeler_hour: float | None

    @classmethod
    def of(cls, value: _speed.SpeedMetrics) -> SpeedMetrics:
        return cls(**{name: getattr(value, name) for name in value.__dataclass_fields__})


@strawberry.type(
    description="Cost of one project with one vendor on one day: its labelers' labels and its reviewers' reviews."
)
class UsageRow:
    day: date
    project_id: strawberry.ID
    vendor_id: strawberry.ID
    labels: int
    accepted_labels: int
    hours: float = strawberry.field(description="Labeling plus rework hours.")
    review_hours: float = strawberry.field(description="The vendor's reviewers' hours.")
    labeling_cost: float
    review_cost: float
    cost: float = strawberry.field(description="labelingCost + reviewCost.")


@strawberry.type(description="The project's spending of labels submitted before the window's end, against budget.")
class BudgetBurn:
    budget: float | None
    spent: float
    burn: float | None = strawberry.field(description="Spent over budget.")
    remaining: float | None


@strawberry.type(
    description="Cost at the rates in force on the UTC day of the work: HOURLY vendors bill labeling plus rework "
    "time at the labeler's hourly rate and review time at the reviewer's, PER_LABEL vendors their rate per accepted "
    "label; a label is booked on its submission day to its labeler's vendor, a review on its day to its reviewer's "
    "vendor."
)
class CostMetrics:
    cost: float = strawberry.field(description="labelingCost + reviewCost.")
    labeling_cost: float
    review_cost: float
    accepted_labels: int
    cost_per_accepted_label: float | None = strawberry.field(description="cost (review included) per accepted label.")
    hours: float = strawberry.field(description="Labeling plus rework hours.")
    review_hours: float
    usage: list[UsageRow]
    budget: BudgetBurn | None

    @classmethod
    def of(cls, value: _analytics.CostMetrics) -> CostMetrics:
        budget = value.budget
        return cls(
            cost=value.cost,
            labeling_cost=value.labeling_cost,
            review_cost=value.review_cost,
            accepted_labels=value.accepted_labels,
            cost_per_accepted_label=value.cost_per_accepted_label,
            hours=value.hours,
            review_hours=value.review_hours,
            usage=[
                UsageRow(
                    day=date.fromisoformat(row.day),
                    project_id=strawberry.ID(encode_id("Project", row.project_id)),
                    vendor_id=strawberry.ID(encode_id("Vendor", row.vendor_id)),
                    labels=row.labels,
                    accepted_labels=row.accepted_labels,
                    hours=row.hours,
                    review_hours=row.review_hours,
                    labeling_cost=row.labeling_cost,
                    review_cost=row.review_cost,
                    cost=row.cost,
                )
                for row in value.usage
            ],
            budget=None
            if budget is None
            else BudgetBurn(budget=budget.budget, spent=budget.spent, burn=budget.burn, remaining=budget.remaining),
        )


@strawberry.type(
    description="Completion date of the remaining tasks from the last days' throughput; the interval treats "
    "days as independent (normal approximation of the cumulative completions)."
)
class CompletionForecast:
    as_of: datetime
    remaining_tasks: int
    lookback_days: int
    daily_completions: list[int] = strawberry.field(description="Tasks completed per day, oldest first.")
    mean_per_day: float
    stdev_per_day: float
    confidence: float
    expected_days: float | None
    earliest_days: float | None
    latest_days: float | None
    expected_date: datetime | None
    earliest_date: datetime | None
    latest_date: datetime | None
    deadline: datetime | None
    on_track: bool | None = strawberry.field(description="The latest date falls before the deadline.")

    @classmethod
    def of(cls, value: _forecast.CompletionForecast) -> CompletionForecast:
        fields = {name: getattr(value, name) for name in value.__dataclass_fields__}
        fields["daily_completions"] = list(value.daily_completions)
        return cls(**fields)


@strawberry.type
class SlaDay:
    day: date
    completed: int
    within_sla: int
    attainment: float | None


@strawberry.type(description="Share of tasks completed in the window within the turnaround, against the target.")
class SlaAttainment:
    turnaround_hours: float
    target_share: float
    completed: int
    within_sla: int
    attainment: float | None
    met: bool | None
    open_breached: int = strawberry.field(description="Open tasks already past the turnaround.")
    by_day: list[SlaDay]

    @classmethod
    def of(cls, value: _forecast.SlaAttainment) -> SlaAttainment:
        return cls(
            turnaround_hours=value.turnaround_hours,
            target_share=value.target_share,
            completed=value.completed,
            within_sla=value.within_sla,
            attainment=value.attainment,
            met=value.met,
            open_breached=value.open_breached,
            by_day=[
                SlaDay(
                    day=date.fromisoformat(item.day),
                    completed=item.completed,
                    within_sla=item.within_sla,
                    attainment=item.attainment,
                )
                for item in value.by_day
            ],
        )


@strawberry.type(description="One day of the dashboard (UTC).")
class DashboardDay:
    day: date
    labels: int
    mean_seconds: float | None
    median_seconds: float | None = strawberry.field(description=_MEDIAN)
    p90_seconds: float | None = strawberry.field(description=_P90)
    accepted_labels: int
    first_pass_acceptance: float | None = strawberry.field(description=_FIRST_PASS)
    reviewed_first_pass_acceptance: float | None = strawberry.field(description=_REVIEWED_FIRST_PASS)
    rework_rate: float | None
    benchmark_accuracy: float | None
    reviews: int
    approval_rate: float | None
    mean_review_seconds: float | None
    labeling_hours: float
    cost: float
    completed_tasks: int
    sla_attainment: float | None

    @classmethod
    def of(cls, value: _dashboard.DayBucket) -> DashboardDay:
        return cls(**{name: getattr(value, name) for name in value.__dataclass_fields__})


@strawberry.type(description="One labeler's work in the window.")
class LabelerMetrics:
    labeler_id: strawberry.ID
    vendor_id: strawberry.ID
    quality: QualityMetrics
    agreement: float | None
    labels: int
    mean_seconds: float | None
    median_seconds: float | None = strawberry.field(description=_MEDIAN)
    p90_seconds: float | None = strawberry.field(description=_P90)
    labeling_hours: float
    labels_per_hour: float | None
    cost: float = strawberry.field(description="Of the labeler's labels (their reviewing is in their vendor's usage).")

    @classmethod
    def of(cls, value: _dashboard.LabelerRow) -> LabelerMetrics:
        return cls(
            labeler_id=strawberry.ID(encode_id("Labeler", value.labeler_id)),
            vendor_id=strawberry.ID(encode_id("Vendor", value.vendor_id)),
            quality=QualityMetrics.of(value.quality),
            agreement=value.agreement,
            labels=value.labels,
            mean_seconds=value.mean_seconds,
            median_seconds=value.median_seconds,
            p90_seconds=value.p90_seconds,
            labeling_hours=value.labeling_hours,
            labels_per_hour=value.labels_per_hour,
            cost=value.cost,
        )


@strawberry.type(description="A day's mean time per label at a tenure (days since the labeler entered PRODUCTION).")
class LearningCurvePoint:
    tenure_day: int
    day: date
    labels: int
    mean_seconds: float


@strawberry.type(
    description="T(t) = plateau + (initial - plateau)·exp(-t/tau) fitted to the daily means over tenure (days since "
    "the PRODUCTION stage event); the figures are null unless fitStatus is OK, and come with standard errors."
)
class LearningCurve:
    labeler_id: strawberry.ID
    points: list[LearningCurvePoint]
    fit_status: str = strawberry.field(
        description="OK; TOO_FEW_POINTS (under four days or three distinct tenures); AT_BOUND (tau at a search "
        "bound: not pinned down); IMPLAUSIBLE (the window holds only the curve's tail)."
    )
    initial_seconds: float | None
    plateau_seconds: float | None
    tau_days: float | None
    initial_seconds_se: float | None
    plateau_seconds_se: float | None
    tau_days_se: float | None
    first_week_mean_seconds: float | None
    latest_week_mean_seconds: float | None
    improvement: float | None = strawberry.field(description="1 - latest week / first week: positive is faster.")

    @classmethod
    def of(cls, value: _speed.LearningCurve) -> LearningCurve:
        return cls(
            labeler_id=strawberry.ID(encode_id("Labeler", value.labeler_id)),
            points=[
                LearningCurvePoint(
                    tenure_day=p.tenure_day, day=date.fromisoformat(p.day), labels=p.labels, mean_seconds=p.mean_seconds
                )
                for p in value.points
            ],
            fit_status=value.fit_status.value,
            initial_seconds=value.initial_seconds,
            plateau_seconds=value.plateau_seconds,
            tau_days=value.tau_days,
            initial_seconds_se=value.initial_seconds_se,
            plateau_seconds_se=value.plateau_seconds_se,
            tau_days_se=value.tau_days_se,
            first_week_mean_seconds=value.first_week_mean_seconds,
            latest_week_mean_seconds=value.latest_week_mean_seconds,
            improvement=value.improvement,
        )


@strawberry.type(
    description="A labeler-week whose mean time per label is out of the norm of the project's labelers in the "
    "same tenure week: robust z = 0.6745·(x - median)/MAD, outlier beyond 3.5; shown with its quality."
)
class SpeedOutlier:
    project_id: strawberry.ID
    labeler_id: strawberry.ID
    tenure_week: int = strawberry.field(
        description=f"Weeks since the PRODUCTION stage event; {_outliers.PLATEAU_WEEK} stands for that week and "
        "every later one (past the learning plateau, veterans are one cohort)."
    )
    labels: int
    mean_seconds: float
    cohort_size: int
    cohort_median_seconds: float
    cohort_mad_seconds: float
    robust_z: float | None
    direction: str | None = strawberry.field(description="FAST or SLOW.")
    benchmark_accuracy: float | None
    first_pass_acceptance: float | None
    approval_rate: float | None

    @classmethod
    def of(cls, value: _analytics.OutlierRow) -> SpeedOutlier:
        return cls(
            project_id=strawberry.ID(encode_id("Project", value.project_id)),
            labeler_id=strawberry.ID(encode_id("Labeler", value.labeler_id)),
            tenure_week=value.tenure_week,
            labels=value.labels,
            mean_seconds=value.mean_seconds,
            cohort_size=value.cohort_size,
            cohort_median_seconds=value.cohort_median_seconds,
            cohort_mad_seconds=value.cohort_mad_seconds,
            robust_z=value.robust_z,
            direction=value.direction,
            benchmark_accuracy=value.benchmark_accuracy,
            first_pass_acceptance=value.first_pass_acceptance,
            approval_rate=value.approval_rate,
        )


@strawberry.enum(description="What sets a labeler apart from the others on the project.")
class LabelerProfileKind(enum.Enum):
    FAST_AND_CARELESS = "FAST_AND_CARELESS"
    CARELESS = "CARELESS"
    SLOW_AND_CAREFUL = "SLOW_AND_CAREFUL"
    SLOW = "SLOW"
    FAST = "FAST"
    CAREFUL = "CAREFUL"


@strawberry.type(
    description="A labeler's share on one quality measure against the cohort's (every other labeler on the "
    "project in the window, pooled), with the counts behind both."
)
class QualityShare:
    share: float | None
    count: int = strawberry.field(description="Labels behind the share (reviews for approval).")
    cohort_share: float | None
    cohort_count: int
    z: float | None = strawberry.field(
        description="Binomial score (share - cohort) / sqrt(cohort·(1 - cohort)/count); below 0 is worse. Null "
        "with fewer than 10 behind the share or a cohort share of 0 or 1."
    )

    @classmethod
    def of(cls, value: _profiles.QualityShare) -> QualityShare:
        return cls(
            share=value.share,
            count=value.count,
            cohort_share=value.cohort_share,
            cohort_count=value.cohort_count,
            z=value.z,
        )


@strawberry.type(
    description="A labeler out of the norm of the project on quality or speed. Quality: benchmark accuracy, "
    "approval, first-time-right (never reworked) and agreement, each against the cohort; their z-scores combined "
    "(sum/sqrt(k)) past ±3.5 make quality LOW or HIGH. Speed: the label-weighted mean over the weeks of "
    "log(mean time / median of the same project and tenure week), as a robust z against the project's other "
    "labelers; FAST or SLOW past ±3.5. FAST_AND_CARELESS: quality LOW and faster than the cohort; "
    "SLOW_AND_CAREFUL: SLOW and quality at least the cohort's."
)
class LabelerOutlier:
    labeler_id: strawberry.ID
    labels: int
    profile: LabelerProfileKind
    benchmark_accuracy: QualityShare
    approval: QualityShare
    first_time_right: QualityShare = strawberry.field(description="Labels never reworked (1 - rework rate).")
    agreement: QualityShare = strawberry.field(description="Agreeing pairs over pairs, counted by labels.")
    quality_z: float | None
    quality: str | None = strawberry.field(description="LOW, HIGH or null.")
    speed_z: float | None = strawberry.field(
        description="Robust z of the labeler's speed relative to their tenure cohorts; < 0 is faster."
    )
    speed: str | None = strawberry.field(description="FAST or SLOW when the speed z is past ±3.5.")

    @classmethod
    def of(cls, value: _profiles.LabelerProfile) -> LabelerOutlier:
        assert value.profile is not None
        return cls(
            labeler_id=strawberry.ID(encode_id("Labeler", value.labeler_id)),
            labels=value.labels,
            profile=LabelerProfileKind(value.profile),
            benchmark_accuracy=QualityShare.of(value.benchmark_accuracy),
            approval=QualityShare.of(value.approval),
            first_time_right=QualityShare.of(value.first_time_right),
            agreement=QualityShare.of(value.agreement),
            quality_z=value.quality_z,
            quality=value.quality,
            speed_z=value.speed_z,
            speed=value.speed,
        )


@strawberry.type(description="A project's health over a window: quality, speed, cost, forecast and SLA, by day.")
class ProjectDashboard:
    project_id: strawberry.ID
    project_name: str
    from_: datetime | None = strawberry.field(name="from")
    to: datetime | None
    quality_target: float
    quality: QualityMetrics
    agreement: AgreementMetrics
    issues: IssueMetrics
    speed: SpeedMetrics
    cost: CostMetrics
    forecast: CompletionForecast
    sla: SlaAttainment
    days: list[DashboardDay]
    labelers: list[LabelerMetrics]
    learning_curves: list[LearningCurve]
    outliers: list[SpeedOutlier]
    labeler_outliers: list[LabelerOutlier] = strawberry.field(
        description="Labelers out of the norm on quality or speed, fast-and-careless and slow-and-careful first."
    )

    @classmethod
    def of(cls, value: _dashboard.ProjectDashboard) -> ProjectDashboard:
        return cls(
            project_id=strawberry.ID(encode_id("Project", value.project_id)),
            project_name=value.project_name,
            from_=value.start,
            to=value.end,
            quality_target=value.quality_target,
            quality=QualityMetrics.of(value.quality),
            agreement=AgreementMetrics.of(value.agreement),
            issues=IssueMetrics.of(value.issues),
            speed=SpeedMetrics.of(value.speed),
            cost=CostMetrics.of(value.cost),
            forecast=CompletionForecast.of(value.forecast),
            sla=SlaAttainment.of(value.sla),
            days=[DashboardDay.of(day) for day in value.days],
            labelers=[LabelerMetrics.of(row) for row in value.labelers],
            learning_curves=[LearningCurve.of(curve) for curve in value.learning_curves],
            outliers=[SpeedOutlier.of(row) for row in value.outliers],
            labeler_outliers=[LabelerOutlier.of(row) for row in value.labeler_outliers],
        )


@strawberry.type(description="Quality, speed and cost of any slice: a project, vendor or labeler, over a window.")
class OperationsMetrics:
    from_: datetime | None = strawberry.field(name="from")
    to: datetime | None
    quality: QualityMetrics
    agreement: AgreementMetrics
    issues: IssueMetrics
    speed: SpeedMetrics
    cost: CostMetrics
    labelers: list[LabelerMetrics]

    @classmethod
    def of(cls, value: _dashboard.ScopeMetrics) -> OperationsMetrics:
        return cls(
            from_=value.start,
            to=value.end,
            quality=QualityMetrics.of(value.quality),
            agreement=AgreementMetrics.of(value.agreement),
            issues=IssueMetrics.of(value.issues),
            speed=SpeedMetrics.of(value.speed),
            cost=CostMetrics.of(value.cost),
            labelers=[LabelerMetrics.of(row) for row in value.labelers],
        )


ProjectDashboardResult = Annotated[
    ProjectDashboard | NotFoundError | ValidationError, strawberry.union("ProjectDashboardResult")
]
OperationsMetricsResult = Annotated[
    OperationsMetrics | NotFoundError | ValidationError, strawberry.union("OperationsMetricsResult")
]
