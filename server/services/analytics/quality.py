"""Quality metrics: benchmark accuracy, review approval, first-pass acceptance, rework rate and issues, for a scope
and per labeler (consensus agreement is in `agreement`).

Definitions (all counts are taken over the scope, see `Scope`):
- benchmark accuracy: labels on benchmark tasks with a gold answer whose answer text equals the gold text,
  over all such labels;
- approval rate: thumbs-up reviews over reviews, reviews placed in time by their own `created_at` and attributed
  to the label's author;
- first-pass acceptance: labels accepted with no rework, over labels that have had a verdict (accepted, rejected,
  or reworked at least once); labels accepted without review (a project reviewing a share of its labels) count
  as passes. Reviewed first-pass acceptance leaves those out: labels a reviewer accepted at their first review,
  over labels that had a review (every rejected or reworked label had one); rework rate: labels reworked at least
  once, over all labels;
- issues: raised, open and resolved, placed in time by `created_at` (and `resolved_at`). An issue belongs to a
  labeler through the label it is attached to (the label's author), and when it is attached to no label, to the
  labeler who raised it; an issue with neither belongs to no labeler or vendor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import IssueStatus, ReviewVerdict
from server.db.models import Issue, Label, Labeler, Review, Task
from server.db.rollup_tables import (
    ReviewDayRollup,
    ReviewTimeBin,
)
from server.db.sql import day_bucket, seconds_between
from server.services.analytics._labels import LabelRollup, LabelSums, scope_bins
from server.services.analytics._sql import (
    bin_midpoint,
    cumulative_counts,
    histogram_ranks,
    interpolate_bins,
    interpolate_values,
    share,
)
from server.services.analytics.scope import Scope, ScopeShape, moment

__all__ = [
    "IssueCounts",
    "QualityMetrics",
    "ReviewStats",
    "fetch_issues",
    "fetch_reviews",
    "quality_from",
    "quality_metrics",
    "reviewed_labels",
]


@dataclass(frozen=True, slots=True)
class ReviewStats:
    reviews: int = 0
    thumbs_up: int = 0
    approval_rate: float | None = None
    seconds: float = 0.0
    mean_seconds: float | None = None
    median_seconds: float | None = None
    p90_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class ReviewBreakdown:
    total: ReviewStats
    by_day: dict[str, ReviewStats]
    by_labeler: dict[int, ReviewStats]


@dataclass(frozen=True, slots=True)
class IssueCounts:
    raised: int = 0  # issues opened in the window
    open: int = 0  # of those, still open
    resolved: int = 0  # of those, resolved since
    resolved_in_window: int = 0  # issues (raised at any time) resolved in the window
    mean_hours_to_resolve: float | None = None  # over issues resolved in the window


@dataclass(frozen=True, slots=True)
class QualityMetrics:
    """The quality of a set of labels; the ratios are None when their denominator is zero."""

    labels: int
    benchmark_labels: int
    benchmark_accuracy: float | None
    reviews: int
    approval_rate: float | None
    first_pass_acceptance: float | None
    reviewed_labels: int
    reviewed_first_pass_acceptance: float | None
    rework_rate: float | None


def reviewed_labels(sums: LabelSums) -> int:
    """Labels that had a review: every verdict but an acceptance without review."""
    return sums.decided - sums.first_pass + sums.reviewed_first_pass


def quality_from(sums: LabelSums, reviews: ReviewStats) -> QualityMetrics:
    reviewed = reviewed_labels(sums)
    return QualityMetrics(
        labels=sums.labels,
        benchmark_labels=sums.benchmarks,
        benchmark_accuracy=share(sums.benchmarks_correct, sums.benchmarks),
        reviews=reviews.reviews,
        approval_rate=reviews.approval_rate,
        first_pass_acceptance=share(sums.first_pass, sums.decided),
        reviewed_labels=reviewed,
        reviewed_first_pass_acceptance=share(sums.reviewed_first_pass, reviewed),
        rework_rate=share(sums.reworked, sums.labels),
    )


# --- reviews -------------------------------------------------------------------------------------------------


def _edge_reviews(scope: ScopeShape, *columns: Any) -> Any:
    """SELECT columns FROM the reviews in scope made in the window's edges (see `ScopeShape.edges`)."""
    return (
        select(*columns)
        .select_from(Review)
        .join(Label, Label.id == Review.label_id)
        .join(Task, Task.id == Label.task_id)
        .join(Labeler, Labeler.id == Label.labeler_id)
        .where(*scope.who(), scope.edges(Review.created_at))
    )


@cache
def review_rollup_statement(scope: ScopeShape) -> Any:
    """Review sums from the per-day review rollups: total, per day and per label author; the total row also carries
    where the median and p90 of review time fall in the review-time histogram (see `histogram_ranks`), NULL on the
    other rows. A window cut inside days adds its edges from the reviews: their sums, and their own review times
    beside the histograms' bin values (the ranks are then values, not bins; see `fetch_reviews`)."""
    r = ReviewDayRollup.__table__.c
    # The review-time histogram is of the whole scope: a project or vendor reads it without the labeler grain.
    bins_table, grain_conditions = (
        scope_bins(scope, reviews=True) if scope.without_labelers else (ReviewTimeBin.__table__, [])
    )
    b = bins_table.c
    in_days = scope.in_days if scope.whole_days else scope.inner_days

    def narrowed(columns: Any, table: Any) -> Any:
        conditions = [*in_days(columns.day)]
        if scope.project:
            conditions.append(columns.project_id == scope.project_id)
        if scope.labeler:
            conditions.append(columns.labeler_id == scope.labeler_id)
        statement = select().select_from(table).where(*conditions)
        if scope.vendor:
            statement = statement.join(Labeler, Labeler.id == columns.labeler_id).where(
                Labeler.vendor_id == scope.vendor_id
            )
        return statement

    def narrowed_bins() -> Any:
        if not scope.without_labelers:
            return narrowed(b, bins_table)
        return select().select_from(bins_table).where(*grain_conditions, *in_days(b.day))

    rows: Any = narrowed(r, ReviewDayRollup.__table__).add_columns(
        r.day, r.labeler_id, r.reviews, r.thumbs_up, r.seconds
    )
    if scope.whole_days:
        counts = (
            narrowed_bins()
            .add_columns(b.bin.label("bin"), func.sum(b.reviews).label("n"))
            .group_by(b.bin)
            .subquery("review_bins")
        )
    else:
        # The edges' reviews are read once, for their sums and for their times.
        edges = (
            _edge_reviews(
                scope,
                day_bucket(Review.created_at).label("day"),
                Label.labeler_id.label("labeler_id"),
                case((Review.verdict == ReviewVerdict.THUMBS_UP, 1), else_=0).label("up"),
                cast(Review.seconds_to_review, Float).label("value"),
            )
            .cte("edge_reviews")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        e = edges.c
        edge_sums = select(
            e.day,
            e.labeler_id,
            func.count().label("reviews"),
            func.sum(e.up).label("thumbs_up"),
            func.sum(e.value).label("seconds"),
        ).group_by(e.day, e.labeler_id)
        rows = union_all(rows, edge_sums)
        whole_day_values = narrowed_bins().add_columns(bin_midpoint(b.bin).label("value"), b.reviews.label("n"))
        edge_values = select(e.value, literal(1, Integer()).label("n"))
        values = union_all(whole_day_values, edge_values).subquery("review_values")
        # Named `bin` like the histogram's rows: the ranks below are located the same way, over values.
        counts = (
            select(values.c.value.label("bin"), func.sum(values.c.n).label("n"))
            .group_by(values.c.value)
            .subquery("review_bins")
        )
    facts = rows.cte("review_days")
    c = facts.c
    no_day, no_labeler = cast(null(), String), cast(null(), Integer)
    sums = [
        func.sum(c.reviews).label("reviews"),
        func.sum(c.thumbs_up).label("up"),
        func.sum(c.seconds).label("seconds"),
    ]
    running = select(counts.c.bin, *cumulative_counts(counts.c.n, counts.c.bin)).subquery("review_running")
    spread = select(*histogram_ranks(running.c.bin, running.c.cumulative, running.c.total)).subquery("review_spread")
    no_spread = [cast(null(), column.type).label(column.name) for column in spread.c]
    # Both sides are aggregates without GROUP BY: one row each, even over no rows.
    totals = select(*sums).subquery("review_totals")
    return union_all(
        select(
            literal("total").label("kind"),
            no_day.label("day"),
            no_labeler.label("labeler_id"),
            *totals.c,
            *spread.c,
        ).select_from(totals.join(spread, true())),
        select(literal("day").label("kind"), c.day, no_labeler.label("labeler_id"), *sums, *no_spread).group_by(c.day),
        select(literal("labeler").label("kind"), no_day.label("day"), c.labeler_id, *sums, *no_spread).group_by(
            c.labeler_id
        ),
    )


def _review_stats(row: Any) -> ReviewStats:
    reviews = int(row.reviews or 0)
    seconds = float(row.seconds or 0.0)
    return ReviewStats(
        reviews=reviews,
        thumbs_up=int(row.up or 0),
        approval_rate=share(row.up, reviews),
        seconds=seconds,
        mean_seconds=share(seconds, reviews),
    )


async def fetch_reviews(session: AsyncSession, scope: Scope) -> ReviewBreakdown:
    """Review counts, approval and review time: total (with median and p90), per day, per label author.

    They are read from the per-day review rollups for the whole days of the window, and from the reviews for its
    edges (parts of a day); the median and p90 come from the review time histogram for the whole days and from the
    reviews' own times for the edges, within `PERCENTILE_RELATIVE_ERROR` of the exact value plus
    `PERCENTILE_ABSOLUTE_ERROR_SECONDS` (see `server.services.rollups`).
    """
    interpolate = interpolate_bins if scope.whole_days else interpolate_values
    total = ReviewStats()
    by_day: dict[str, ReviewStats] = {}
    by_labeler: dict[int, ReviewStats] = {}
    for row in (await session.execute(review_rollup_statement(scope.shape), scope.parameters())).all():
        stats = _review_stats(row)
        if row.kind == "total":
            if stats.reviews:
                stats = replace(
                    stats,
                    median_seconds=interpolate(row.n, row.p50_lower, row.p50_upper, 50),
                    p90_seconds=interpolate(row.n, row.p90_lower, row.p90_upper, 90),
                )
            total = stats
        elif row.kind == "day":
            by_day[row.day] = stats
        else:
            by_labeler[row.labeler_id] = stats
    return ReviewBreakdown(total=total, by_day=dict(sorted(by_day.items())), by_labeler=by_labeler)


# --- issues --------------------------------------------------------------------------------------------------


@cache
def issues_statement(scope: ScopeShape) -> Any:
    raised = and_(*scope.in_window(Issue.created_at)) if scope.start or scope.end else true()
    resolved_in_window = and_(
        Issue.status == IssueStatus.RESOLVED, Issue.resolved_at.is_not(None), *scope.in_window(Issue.resolved_at)
    )
    # Open or resolved as of the window's end, so that a past window keeps its answer: resolved means resolved
    # before the end (an issue resolved with no recorded time counts by its status).
    resolved = Issue.status == IssueStatus.RESOLVED
    if scope.end is not None:
        resolved = and_(resolved, or_(Issue.resolved_at.is_(None), Issue.resolved_at < moment(scope.end)))
    statement = select(
        func.sum(case((raised, 1), else_=0)).label("raised"),
        func.sum(case((and_(raised, ~resolved), 1), else_=0)).label("open"),
        func.sum(case((and_(raised, resolved), 1), else_=0)).label("resolved"),
        func.sum(case((resolved_in_window, 1), else_=0)).label("resolved_in_window"),
        func.avg(case((resolved_in_window, seconds_between(Issue.resolved_at, Issue.created_at) / 3600.0))).label(
            "mean_hours"
        ),
    ).where(or_(raised, resolved_in_window))
    if scope.project:
        statement = statement.where(Issue.project_id == scope.project_id)
    if scope.vendor or scope.labeler:
        # The label's author, or without a label the labeler who raised it (see the module docstring).
        owner = func.coalesce(Label.labeler_id, Issue.raised_by_id)
        statement = statement.outerjoin(Label, Label.id == Issue.label_id).join(Labeler, Labeler.id == owner)
        if scope.vendor:
            statement = statement.where(Labeler.vendor_id == scope.vendor_id)
        if scope.labeler:
            statement = statement.where(owner == scope.labeler_id)
    return statement


async def fetch_issues(session: AsyncSession, scope: Scope) -> IssueCounts:
    row = (await session.execute(issues_statement(scope.shape), scope.parameters())).one()
    return IssueCounts(
        raised=int(row.raised or 0),
        open=int(row.open or 0),
        resolved=int(row.resolved or 0),
        resolved_in_window=int(row.resolved_in_window or 0),
        mean_hours_to_resolve=None if row.mean_hours is None else float(row.mean_hours),
    )


async def quality_metrics(session: AsyncSession, scope: Scope) -> QualityMetrics:
    """The scope's quality in two statements (the label rollup and the reviews)."""
    from server.services.analytics._labels import fetch_label_rollup

    rollup: LabelRollup = await fetch_label_rollup(session, scope)
    reviews = await fetch_reviews(session, scope)
    return quality_from(rollup.total, reviews.total)
