"""Analytics types: plain Strawberry types filled from the analytics services' precomputed results (`convert`).

Every field is data, never an async resolver, so a dashboard of many days and labelers costs one pass of plain
resolution after its fixed set of SQL statements.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated

import strawberry

from server.graphql.convert import mirrors
from server.graphql.errors import NotFoundError, ValidationError
from server.services import analytics as _analytics
from server.services.analytics import agreement as _agreement
from server.services.analytics import cost as _cost
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


@mirrors(_quality.QualityMetrics)
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


@mirrors(_agreement.LabelerAgreement, ids={"labeler_id": "Labeler"})
@strawberry.type(description="One labeler's agreement with the other labels on the same consensus tasks.")
class LabelerAgreement:
    labeler_id: strawberry.ID
    labels: int
    agreeing_pairs: int
    pairs: int
    agreement: float | None


@mirrors(
    _agreement.ProjectAgreement,
    ids={"project_id": "Project"},
    renames={"observed_agreement": "observed", "expected_agreement": "expected"},
)
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


@mirrors(_agreement.Agreement, renames={"observed_agreement": "observed", "expected_agreement": "expected"})
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


@mirrors(_quality.IssueCounts)
@strawberry.type(description="Issues raised and resolved in the window.")
class IssueMetrics:
    raised: int
    open: int = strawberry.field(description="Raised in the window and still open.")
    resolved: int = strawberry.field(description="Raised in the window and resolved since.")
    resolved_in_window: int
    mean_hours_to_resolve: float | None


@mirrors(_speed.SpeedMetrics)
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


@mirrors(_cost.UsageRow, ids={"project_id": "Project", "vendor_id": "Vendor"})
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


@mirrors(_cost.Budget)
@strawberry.type(description="The project's spending of labels submitted before the window's end, against budget.")
class BudgetBurn:
    budget: float | None
    spent: float
    burn: float | None = strawberry.field(description="Spent over budget.")
    remaining: float | None


@mirrors(_analytics.CostMetrics)
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
    budget: BudgetBurn | None = strawberry.field(
        description="The project's budget burn: null unless the scope is a whole project (no vendor or labeler)."
    )


@mirrors(_forecast.CompletionForecast)
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


@mirrors(_forecast.SlaDay)
@strawberry.type
class SlaDay:
    day: date
    completed: int
    within_sla: int
    attainment: float | None


@mirrors(_forecast.SlaAttainment)
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


@mirrors(_dashboard.DayBucket)
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


@mirrors(_dashboard.LabelerRow, ids={"labeler_id": "Labeler", "vendor_id": "Vendor"})
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


@mirrors(_speed.CurvePoint)
@strawberry.type(description="A day's mean time per label at a tenure (days since the labeler entered PRODUCTION).")
class LearningCurvePoint:
    tenure_day: int
    day: date
    labels: int
    mean_seconds: float


@mirrors(
    _speed.LearningCurve, ids={"labeler_id": "Labeler"}, computed={"fit_status": lambda curve: curve.fit_status.value}
)
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


@mirrors(_analytics.OutlierRow, ids={"project_id": "Project", "labeler_id": "Labeler"})
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


@strawberry.enum(description="What sets a labeler apart from the others on the project.")
class LabelerProfileKind(enum.Enum):
    FAST_AND_CARELESS = "FAST_AND_CARELESS"
    CARELESS = "CARELESS"
    SLOW_AND_CAREFUL = "SLOW_AND_CAREFUL"
    SLOW = "SLOW"
    FAST = "FAST"
    CAREFUL = "CAREFUL"


@mirrors(_profiles.QualityShare)
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


@mirrors(_profiles.LabelerProfile, ids={"labeler_id": "Labeler"})
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


@mirrors(_dashboard.ProjectDashboard, ids={"project_id": "Project"}, renames={"from_": "start", "to": "end"})
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


@mirrors(_dashboard.ScopeMetrics, renames={"from_": "start", "to": "end"})
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


ProjectDashboardResult = Annotated[
    ProjectDashboard | NotFoundError | ValidationError, strawberry.union("ProjectDashboardResult")
]
OperationsMetricsResult = Annotated[
    OperationsMetrics | NotFoundError | ValidationError, strawberry.union("OperationsMetricsResult")
]
