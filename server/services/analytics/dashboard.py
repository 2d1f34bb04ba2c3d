"""A project's health dashboard: quality, speed, cost, forecast and SLA, overall and per day, per labeler.

The dashboard runs a fixed number of statements whatever the data size (`DASHBOARD_STATEMENTS`): the project,
the label rollup, the label percentiles, the reviews, the consensus agreement, the outliers, the task flow,
the issues and the budget. Python only joins their results by key and fills days without activity with zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.db.models import Project
from server.services.analytics._labels import (
    LabelPercentiles,
    LabelRollup,
    LabelSums,
    fetch_label_percentiles,
    fetch_label_rollup,
)
from server.services.analytics._sql import share
from server.services.analytics.agreement import Agreement, fetch_agreement
from server.services.analytics.cost import CostMetrics, budget_from, cost_from
from server.services.analytics.forecast import CompletionForecast, SlaAttainment, fetch_task_flow
from server.services.analytics.lanes import in_lanes
from server.services.analytics.outliers import OutlierRow, fetch_outlier_rows, outliers_from
from server.services.analytics.profiles import LabelerProfile, flagged_labelers, labeler_profiles
from server.services.analytics.quality import (
    IssueCounts,
    QualityMetrics,
    ReviewBreakdown,
    ReviewStats,
    fetch_issues,
    fetch_reviews,
    quality_from,
    reviewed_labels,
)
from server.services.analytics.scope import Scope
from server.services.analytics.speed import LearningCurve, SpeedMetrics, learning_curves, speed_from
from server.services.errors import NotFound

__all__ = [
    "DASHBOARD_STATEMENTS",
    "SCOPE_STATEMENTS",
    "DayBucket",
    "LabelerRow",
    "ProjectDashboard",
    "ScopeMetrics",
    "project_dashboard",
    "scope_metrics",
]

# The project, the label rollup (with the cost to date), percentiles, reviews, agreement, outliers, task flow and
# issues, on both dialects (PostgreSQL's analytics settings are made per connection, see `db.session`).
DASHBOARD_STATEMENTS = 8
# The label rollup, percentiles, reviews, agreement and issues, plus the project when the scope names one.
SCOPE_STATEMENTS = 6


@dataclass(frozen=True, slots=True)
class DayBucket:
    day: date
    labels: int
    mean_seconds: float | None
    median_seconds: float | None
    p90_seconds: float | None
    accepted_labels: int
    first_pass_acceptance: float | None
    reviewed_first_pass_acceptance: float | None
    rework_rate: float | None
    benchmark_accuracy: float | None
    reviews: int
    approval_rate: float | None
    mean_review_seconds: float | None
    labeling_hours: float
    cost: float
    completed_tasks: int
    sla_attainment: float | None


@dataclass(frozen=True, slots=True)
class LabelerRow:
    labeler_id: int
    vendor_id: int
    quality: QualityMetrics
    agreement: float | None
    labels: int
    mean_seconds: float | None
    median_seconds: float | None
    p90_seconds: float | None
    labeling_hours: float
    labels_per_hour: float | None
    cost: float


@dataclass(frozen=True, slots=True)
class ProjectDashboard:
    project_id: int
    project_name: str
    start: datetime | None
    end: datetime | None
    quality_target: float
    quality: QualityMetrics
    agreement: Agreement
    issues: IssueCounts
    speed: SpeedMetrics
    cost: CostMetrics
    forecast: CompletionForecast
    sla: SlaAttainment
    days: tuple[DayBucket, ...]
    labelers: tuple[LabelerRow, ...]
    learning_curves: tuple[LearningCurve, ...]
    outliers: tuple[OutlierRow, ...]
    labeler_outliers: tuple[LabelerProfile, ...]  # labelers with a profile: see `profiles`


def _days(start: datetime | None, end: datetime | None, present: set[str]) -> list[str]:
    """Every day of a bounded window, or the days with activity when the window is open-ended."""
    if start is None or end is None:
        return sorted(present)
    first = start.astimezone(UTC).date()
    last = (end.astimezone(UTC) - timedelta(microseconds=1)).date()
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _labeler_rows(
    rollup: LabelRollup, percentiles: LabelPercentiles, reviews: ReviewBreakdown, agreement: Agreement
) -> list[LabelerRow]:
    """Join the per-labeler rows of the statements by labeler id."""
    agreement_by_labeler = {item.labeler_id: item.agreement for item in agreement.by_labeler}
    labelers: list[LabelerRow] = []
    for labeler_id, sums in rollup.by_labeler.items():
        spread = percentiles.by_labeler.get(labeler_id)
        hours = (sums.seconds + sums.rework_seconds) / 3600.0
        labelers.append(
            LabelerRow(
                labeler_id=labeler_id,
                vendor_id=rollup.labeler_vendor[labeler_id],
                quality=quality_from(sums, reviews.by_labeler.get(labeler_id, ReviewStats())),
                agreement=agreement_by_labeler.get(labeler_id),
                labels=sums.labels,
                mean_seconds=share(sums.seconds, sums.labels),
                median_seconds=spread.median if spread else None,
                p90_seconds=spread.p90 if spread else None,
                labeling_hours=hours,
                labels_per_hour=share(sums.labels, hours),
                cost=sums.cost,
            )
        )
    return labelers


async def project_dashboard(
    session: AsyncSession,
    project_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    as_of: datetime | None = None,
    outlier_min_labels: int = 10,
    database: Database | None = None,
) -> ProjectDashboard:
    """The whole dashboard of one project over [start, end), in `DASHBOARD_STATEMENTS` statements; given the
    `database`, the statements after the project's run side by side (`in_lanes`)."""
    project = (await session.execute(select(Project).where(Project.id == project_id))).scalar_one_or_none()
    if project is None:
        raise NotFound("Project", project_id, path=("project_id",))
    scope = Scope(project_id=project_id, start=start, end=end)
    # Longest first (on a million labels: the percentiles, the label rollup, then the labeler-weeks).
    percentiles, rollup, week_rows, reviews, agreement, flow, issues = await in_lanes(
        database,
        session,
        [
            lambda s: fetch_label_percentiles(s, scope),
            lambda s: fetch_label_rollup(s, scope, history=True),
            lambda s: fetch_outlier_rows(s, scope, min_labels=outlier_min_labels),
            lambda s: fetch_reviews(s, scope),
            lambda s: fetch_agreement(s, scope),
            lambda s: fetch_task_flow(s, project, scope, as_of=as_of),
            lambda s: fetch_issues(s, scope),
        ],
    )
    approval = {labeler: stats.approval_rate for labeler, stats in reviews.by_labeler.items()}
    # Every labeler-week: the flagged ones are the speed outliers, and all of them give each labeler's speed.
    weeks = outliers_from(week_rows, approval)
    outliers = [row for row in weeks if row.is_outlier]
    budget = budget_from(rollup, project.budget)

    sla_by_day = {item.day: item for item in flow.sla.by_day}
    days: list[DayBucket] = []
    for day in _days(start, end, set(rollup.by_day) | set(reviews.by_day) | set(sla_by_day)):
        sums = rollup.by_day.get(day, LabelSums())
        review = reviews.by_day.get(day, ReviewStats())
        spread = percentiles.by_day.get(day)
        sla_day = sla_by_day.get(day)
        days.append(
            DayBucket(
                day=date.fromisoformat(day),
                labels=sums.labels,
                mean_seconds=share(sums.seconds, sums.labels),
                median_seconds=spread.median if spread else None,
                p90_seconds=spread.p90 if spread else None,
                accepted_labels=sums.accepted,
                first_pass_acceptance=share(sums.first_pass, sums.decided),
                reviewed_first_pass_acceptance=share(sums.reviewed_first_pass, reviewed_labels(sums)),
                rework_rate=share(sums.reworked, sums.labels),
                benchmark_accuracy=share(sums.benchmarks_correct, sums.benchmarks),
                reviews=review.reviews,
                approval_rate=review.approval_rate,
                mean_review_seconds=review.mean_seconds,
                labeling_hours=(sums.seconds + sums.rework_seconds) / 3600.0,
                cost=sums.all_cost,
                completed_tasks=sla_day.completed if sla_day else 0,
                sla_attainment=sla_day.attainment if sla_day else None,
            )
        )
    labelers = _labeler_rows(rollup, percentiles, reviews, agreement)
    return ProjectDashboard(
        project_id=project.id,
        project_name=project.name,
        start=start,
        end=end,
        quality_target=project.quality_target,
        quality=quality_from(rollup.total, reviews.total),
        agreement=agreement,
        issues=issues,
        speed=speed_from(rollup, percentiles, reviews.total),
        cost=cost_from(rollup, budget),
        forecast=flow.forecast,
        sla=flow.sla,
        days=tuple(days),
        labelers=tuple(labelers),
        learning_curves=tuple(learning_curves(rollup)),
        outliers=tuple(outliers),
        labeler_outliers=tuple(
            flagged_labelers(labeler_profiles(rollup.by_labeler, reviews.by_labeler, agreement.by_labeler, weeks))
        ),
    )


@dataclass(frozen=True, slots=True)
class ScopeMetrics:
    start: datetime | None
    end: datetime | None
    quality: QualityMetrics
    agreement: Agreement
    issues: IssueCounts
    speed: SpeedMetrics
    cost: CostMetrics
    labelers: tuple[LabelerRow, ...]


async def scope_metrics(session: AsyncSession, scope: Scope, database: Database | None = None) -> ScopeMetrics:
    """Quality, speed and cost of any scope, in at most `SCOPE_STATEMENTS` statements; given the `database`, the
    statements after the project's run side by side (`in_lanes`)."""
    project = None
    if scope.project_id is not None:
        project = (await session.execute(select(Project).where(Project.id == scope.project_id))).scalar_one_or_none()
        if project is None:
            raise NotFound("Project", scope.project_id, path=("project_id",))
    # The budget is the whole project's: a vendor's or labeler's slice of it has none (what remains is not theirs).
    whole_project = project is not None and scope.vendor_id is None and scope.labeler_id is None
    percentiles, rollup, reviews, agreement, issues = await in_lanes(
        database,
        session,
        [
            lambda s: fetch_label_percentiles(s, scope),
            lambda s: fetch_label_rollup(s, scope, history=whole_project),
            lambda s: fetch_reviews(s, scope),
            lambda s: fetch_agreement(s, scope),
            lambda s: fetch_issues(s, scope),
        ],
    )
    budget = budget_from(rollup, project.budget) if project is not None and whole_project else None
    return ScopeMetrics(
        start=scope.start,
        end=scope.end,
        quality=quality_from(rollup.total, reviews.total),
        agreement=agreement,
        issues=issues,
        speed=speed_from(rollup, percentiles, reviews.total),
        cost=cost_from(rollup, budget),
        labelers=tuple(_labeler_rows(rollup, percentiles, reviews, agreement)),
    )
