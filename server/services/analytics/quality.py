"""Quality metrics: consensus agreement (pairwise and Krippendorff's alpha), benchmark accuracy, review approval,
first-pass acceptance, rework rate and issues, for a scope and per labeler.

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
- agreement, on consensus tasks (labels_required > 1) with two or more labels in the window: pairwise percent
  agreement is the share of ordered pairs of labels on the same task with equal answers, Σ_u Σ_c n_uc(n_uc-1) /
  Σ_u m_u(m_u-1); Krippendorff's alpha for nominal data is 1 - D_o/D_e with observed agreement
  A_o = (1/n) Σ_u Σ_c n_uc(n_uc-1)/(m_u-1) and expected agreement A_e = Σ_c n_c(n_c-1) / (n(n-1)), n the number
  of pairable values, so alpha = (A_o - A_e)/(1 - A_e). A labeler's agreement is the share of their pairs (their
  label against each other label on the task) that agree. Agreement units follow the project and window only;
  vendor and labeler filters select which labelers' rows are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import IssueStatus, ReviewVerdict
from server.db.models import Issue, Label, Labeler, Review, Task
from server.db.rollups import (
    ConsensusSpan,
    ConsensusSpanLabeler,
    ConsensusSpanValue,
    ConsensusTask,
    ReviewDayRollup,
    ReviewTimeBin,
)
from server.db.sql import answer_text, day_bucket, member_of, seconds_between
from server.services.analytics._labels import LabelRollup, LabelSums
from server.services.analytics._sql import cumulative_counts, histogram_ranks, interpolate_bins, percentile, share
from server.services.analytics.scope import Scope, ScopeShape, day_of

__all__ = [
    "Agreement",
    "IssueCounts",
    "LabelerAgreement",
    "QualityMetrics",
    "ReviewStats",
    "agreement_statement",
    "fetch_agreement",
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
class LabelerAgreement:
    labeler_id: int
    labels: int
    agreeing_pairs: int
    pairs: int
    agreement: float | None


@dataclass(frozen=True, slots=True)
class Agreement:
    units: int = 0  # consensus tasks with two or more labels
    values: int = 0  # pairable labels, Krippendorff's n
    agreeing_pairs: int = 0
    pairs: int = 0
    pairwise: float | None = None
    observed: float | None = None  # A_o
    expected: float | None = None  # A_e
    alpha: float | None = None
    by_labeler: tuple[LabelerAgreement, ...] = ()


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


@cache
def reviews_statement(scope: ScopeShape) -> Any:
    facts = (
        select(
            day_bucket(Review.created_at).label("day"),
            Label.labeler_id.label("labeler_id"),
            case((Review.verdict == ReviewVerdict.THUMBS_UP, 1), else_=0).label("up"),
            Review.seconds_to_review.label("value"),
        )
        .select_from(Review)
        .join(Label, Label.id == Review.label_id)
        .join(Task, Task.id == Label.task_id)
        .join(Labeler, Labeler.id == Label.labeler_id)
        .where(*scope.who(), *scope.in_window(Review.created_at))
        .cte("review_facts")
    )
    ranked = select(
        *facts.c,
        func.row_number().over(order_by=facts.c.value).label("rank"),
        func.count().over().label("n"),
    ).subquery("ranked_reviews")
    r = ranked.c
    sums = [func.count().label("reviews"), func.sum(facts.c.up).label("up"), func.sum(facts.c.value).label("seconds")]
    no_spread = [cast(null(), Float).label("p50"), cast(null(), Float).label("p90")]
    return union_all(
        select(
            literal("total").label("kind"),
            cast(null(), String).label("day"),
            cast(null(), Integer).label("labeler_id"),
            func.count().label("reviews"),
            func.sum(r.up).label("up"),
            func.sum(r.value).label("seconds"),
            percentile(r.value, r.rank, r.n, 50).label("p50"),
            percentile(r.value, r.rank, r.n, 90).label("p90"),
        ),
        select(
            literal("day").label("kind"), facts.c.day, cast(null(), Integer).label("labeler_id"), *sums, *no_spread
        ).group_by(facts.c.day),
        select(
            literal("labeler").label("kind"), cast(null(), String).label("day"), facts.c.labeler_id, *sums, *no_spread
        ).group_by(facts.c.labeler_id),
    )


@cache
def review_rollup_statement(scope: ScopeShape) -> Any:
    """Review sums from the per-day review rollups of a whole-days scope: total, per day and per label author;
    the total row also carries where the median and p90 of review time fall in the review-time histogram (see
    `histogram_ranks`), NULL on the other rows."""
    r = ReviewDayRollup.__table__.c
    b = ReviewTimeBin.__table__.c

    def narrowed(columns: Any, table: Any) -> Any:
        conditions = [*scope.in_days(columns.day)]
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

    rows = narrowed(r, ReviewDayRollup.__table__).add_columns(r.day, r.labeler_id, r.reviews, r.thumbs_up, r.seconds)
    facts = rows.cte("review_days")
    c = facts.c
    no_day, no_labeler = cast(null(), String), cast(null(), Integer)
    sums = [
        func.sum(c.reviews).label("reviews"),
        func.sum(c.thumbs_up).label("up"),
        func.sum(c.seconds).label("seconds"),
    ]
    counts = (
        narrowed(b, ReviewTimeBin.__table__)
        .add_columns(b.bin.label("bin"), func.sum(b.reviews).label("n"))
        .group_by(b.bin)
        .subquery("review_bins")
    )
    running = select(counts.c.bin, *cumulative_counts(counts.c.n, counts.c.bin)).subquery("review_running")
    spread = select(*histogram_ranks(running.c.bin, running.c.cumulative, running.c.total)).subquery("review_spread")
    no_spread = [cast(null(), BigInteger).label(column.name) for column in spread.c]
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


def _review_stats(row: Any, *, spread: bool = True) -> ReviewStats:
    reviews = int(row.reviews or 0)
    seconds = float(row.seconds or 0.0)
    return ReviewStats(
        reviews=reviews,
        thumbs_up=int(row.up or 0),
        approval_rate=share(row.up, reviews),
        seconds=seconds,
        mean_seconds=share(seconds, reviews),
        median_seconds=None if not spread or row.p50 is None else float(row.p50),
        p90_seconds=None if not spread or row.p90 is None else float(row.p90),
    )


async def _rolled_up_reviews(session: AsyncSession, scope: Scope) -> ReviewBreakdown:
    total = ReviewStats()
    by_day: dict[str, ReviewStats] = {}
    by_labeler: dict[int, ReviewStats] = {}
    for row in (await session.execute(review_rollup_statement(scope.shape), scope.parameters())).all():
        stats = _review_stats(row, spread=False)
        if row.kind == "total":
            if stats.reviews:
                stats = replace(
                    stats,
                    median_seconds=interpolate_bins(row.n, row.p50_lower, row.p50_upper, 50),
                    p90_seconds=interpolate_bins(row.n, row.p90_lower, row.p90_upper, 90),
                )
            total = stats
        elif row.kind == "day":
            by_day[row.day] = stats
        else:
            by_labeler[row.labeler_id] = stats
    return ReviewBreakdown(total=total, by_day=dict(sorted(by_day.items())), by_labeler=by_labeler)


async def fetch_reviews(session: AsyncSession, scope: Scope) -> ReviewBreakdown:
    """Review counts, approval and review time: total (with median and p90), per day, per label author.

    Over whole days they are read from the per-day review rollups; the median and p90 then come from the review
    time histogram, within `PERCENTILE_RELATIVE_ERROR` of the exact value plus
    `PERCENTILE_ABSOLUTE_ERROR_SECONDS` (see `server.services.rollups`). Over other windows they are exact.
    """
    if scope.whole_days:
        return await _rolled_up_reviews(session, scope)
    total = ReviewStats()
    by_day: dict[str, ReviewStats] = {}
    by_labeler: dict[int, ReviewStats] = {}
    for row in (await session.execute(reviews_statement(scope.shape), scope.parameters())).all():
        stats = _review_stats(row)
        if row.kind == "total":
            total = stats
        elif row.kind == "day":
            by_day[row.day] = stats
        else:
            by_labeler[row.labeler_id] = stats
    return ReviewBreakdown(total=total, by_day=dict(sorted(by_day.items())), by_labeler=by_labeler)


# --- agreement -----------------------------------------------------------------------------------------------


# Past this many days a project's window holds more labels than the project has consensus tasks, so the labels
# are found from the tasks (ix_tasks_project_consensus, then the labels by task) rather than from the time index.
_TASKS_FIRST_DAYS = 3


def _tasks_first(scope: Scope) -> bool:
    """Whether the window is long enough for the consensus labels to be found from the project's tasks."""
    if scope.start is None or scope.end is None:
        return True
    return (scope.end - scope.start).total_seconds() > _TASKS_FIRST_DAYS * 86400


def _consensus_values(scope: ScopeShape, *, tasks_first: bool) -> Any:
    """The labels of consensus tasks in the project and window: (task, labeler, vendor, answer text)."""
    unit_scope = scope.without_people()
    columns = (
        Label.task_id.label("task_id"),
        Label.labeler_id.label("labeler_id"),
        Labeler.vendor_id.label("vendor_id"),
        answer_text(Label.answer).label("category"),
    )
    if unit_scope.project and tasks_first:
        # The same rows as the join below; the shape only steers the planners.
        consensus_tasks = select(Task.id).where(Task.project_id == unit_scope.project_id, Task.labels_required > 1)
        return (
            select(*columns)
            .select_from(Label)
            .join(Labeler, Labeler.id == Label.labeler_id)
            .where(Label.task_id.in_(consensus_tasks), *unit_scope.in_window(Label.submitted_at))
        )
    return (
        select(*columns)
        .select_from(Label)
        .join(Task, Task.id == Label.task_id)
        .join(Labeler, Labeler.id == Label.labeler_id)
        .where(Task.labels_required > 1, *unit_scope.labels())
    )


def _partial_consensus_values(scope: ScopeShape) -> Any:
    """The labels in the window of the project's consensus tasks whose labels cross a window boundary (a whole-days
    window): the units the span sums cannot answer."""
    assert scope.project
    t = ConsensusTask.__table__.c
    crossing = []
    for bound in (scope.start, scope.end):
        if bound is not None:
            day = day_of(bound)
            crossing.append(
                select(t.task_id).where(t.project_id == scope.project_id, t.last_day >= day, t.first_day < day)
            )
    if not crossing:
        tasks: Any = select(t.task_id).where(false())
    else:
        tasks = crossing[0] if len(crossing) == 1 else union(*crossing)
    return (
        select(
            Label.task_id.label("task_id"),
            Label.labeler_id.label("labeler_id"),
            Labeler.vendor_id.label("vendor_id"),
            answer_text(Label.answer).label("category"),
        )
        .select_from(Label)
        .join(Labeler, Labeler.id == Label.labeler_id)
        .where(member_of(Label.task_id, tasks.scalar_subquery()), *scope.in_window(Label.submitted_at))
    )


@cache
def agreement_statement(scope: ScopeShape, *, tasks_first: bool) -> Any:
    """Rows of partial agreement sums (kinds 'units', 'pairs', 'expected', 'labeler'; rows of one kind add up).

    For a project over a whole-days window the consensus tasks whose labels all fall in the window are read from
    the span sums (`server.db.rollups`), and only the tasks whose labels cross a window boundary from their labels;
    otherwise every unit comes from the labels."""
    spans = scope.project and scope.whole_days
    values = (_partial_consensus_values(scope) if spans else _consensus_values(scope, tasks_first=tasks_first)).cte(
        "consensus_values"
    )
    units = (
        select(values.c.task_id, func.count().label("m"))
        .group_by(values.c.task_id)
        .having(func.count() >= 2)
        .cte("consensus_units")
    )
    cells = (
        select(values.c.task_id, values.c.category, func.count().label("n_uc"))
        .group_by(values.c.task_id, values.c.category)
        .cte("consensus_cells")
    )
    paired = select(cells.c.category, cells.c.n_uc, units.c.m).join_from(
        cells, units, cells.c.task_id == units.c.task_id
    )
    paired_cte = paired.cte("consensus_paired")
    p = paired_cte.c
    category_counts: Any = select(p.category.label("category"), p.n_uc.label("n"))
    span_rows: list[Any] = []
    if spans:
        span_table, value_table, labeler_table = (
            ConsensusSpan.__table__,
            ConsensusSpanValue.__table__,
            ConsensusSpanLabeler.__table__,
        )

        def contained(table: Any) -> list[Any]:
            # The span lies inside the window: every label of its tasks is in the window.
            conditions = [table.c.project_id == scope.project_id]
            if scope.start is not None:
                conditions.append(table.c.first_day >= day_of(scope.start))
            if scope.end is not None:
                conditions.append(table.c.last_day < day_of(scope.end))
            return conditions

        sp = span_table.c
        lb = labeler_table.c
        category_counts = union_all(
            category_counts,
            select(value_table.c.category.label("category"), value_table.c.labels.label("n")).where(
                *contained(value_table)
            ),
        )
        labeler_conditions = contained(labeler_table)
        span_labelers = select().select_from(labeler_table)
        if scope.vendor:
            span_labelers = span_labelers.join(Labeler, Labeler.id == lb.labeler_id)
            labeler_conditions.append(Labeler.vendor_id == scope.vendor_id)
        if scope.labeler:
            labeler_conditions.append(lb.labeler_id == scope.labeler_id)
        no_labeler_id = cast(null(), Integer)
        span_rows = [
            select(
                literal("units").label("kind"),
                no_labeler_id.label("labeler_id"),
                func.sum(sp.units).label("a"),
                func.sum(sp.units * sp.labels).label("b"),
                cast(func.sum(sp.units * sp.labels * (sp.labels - 1)), Float).label("c"),
            ).where(*contained(span_table)),
            select(
                literal("pairs").label("kind"),
                no_labeler_id.label("labeler_id"),
                func.sum(sp.agreeing).label("a"),
                cast(null(), Integer).label("b"),
                func.sum(cast(sp.agreeing, Float) / (sp.labels - 1)).label("c"),
            ).where(*contained(span_table)),
            span_labelers.add_columns(
                literal("labeler").label("kind"),
                lb.labeler_id.label("labeler_id"),
                func.sum(lb.agreeing).label("a"),
                func.sum(lb.pairs).label("b"),
                cast(func.sum(lb.labels), Float).label("c"),
            )
            .where(*labeler_conditions)
            .group_by(lb.labeler_id),
        ]
    category_cte = category_counts.cte("consensus_categories")
    categories = (
        select(func.sum(category_cte.c.n).label("n_c")).group_by(category_cte.c.category).subquery("category_totals")
    )

    def row(kind: str, labeler: Any, a: Any, b: Any, c: Any) -> list[Any]:
        return [
            literal(kind).label("kind"),
            labeler.label("labeler_id"),
            a.label("a"),
            b.label("b"),
            cast(c, Float).label("c"),
        ]

    no_labeler = cast(null(), Integer)
    labeler_filters = []
    if scope.vendor:
        labeler_filters.append(values.c.vendor_id == scope.vendor_id)
    if scope.labeler:
        labeler_filters.append(values.c.labeler_id == scope.labeler_id)
    return union_all(
        select(*row("units", no_labeler, func.count(), func.sum(units.c.m), func.sum(units.c.m * (units.c.m - 1)))),
        select(
            *row(
                "pairs",
                no_labeler,
                func.sum(p.n_uc * (p.n_uc - 1)),
                cast(null(), Integer),
                func.sum(cast(p.n_uc * (p.n_uc - 1), Float) / (p.m - 1)),
            )
        ),
        select(
            *row(
                "expected",
                no_labeler,
                func.sum(categories.c.n_c * (categories.c.n_c - 1)),
                cast(null(), Integer),
                null(),
            )
        ),
        select(
            *row(
                "labeler",
                values.c.labeler_id,
                func.sum(cells.c.n_uc - 1),
                func.sum(units.c.m - 1),
                func.count(),
            )
        )
        .select_from(values)
        .join(units, units.c.task_id == values.c.task_id)
        .join(cells, and_(cells.c.task_id == values.c.task_id, cells.c.category == values.c.category))
        .where(*labeler_filters)
        .group_by(values.c.labeler_id),
        *span_rows,
    )


def alpha_from(values: int, observed_sum: float, expected_sum: int) -> tuple[float | None, float | None, float | None]:
    """(A_o, A_e, alpha) from n, Σ n_uc(n_uc-1)/(m_u-1) and Σ_c n_c(n_c-1); alpha is None when A_e = 1."""
    if values < 2:
        return None, None, None
    observed = observed_sum / values
    expected = expected_sum / (values * (values - 1))
    if expected >= 1.0:
        return observed, expected, None
    return observed, expected, (observed - expected) / (1.0 - expected)


async def fetch_agreement(session: AsyncSession, scope: Scope) -> Agreement:
    """Consensus agreement over the scope (one statement)."""
    units = values = agreeing = pairs = expected_sum = 0
    observed_sum = 0.0
    labelers: dict[int, tuple[int, int, int]] = {}
    statement = agreement_statement(scope.shape, tasks_first=_tasks_first(scope))
    for row in (await session.execute(statement, scope.parameters())).all():
        if row.kind == "units":
            units, values, pairs = units + int(row.a or 0), values + int(row.b or 0), pairs + int(row.c or 0)
        elif row.kind == "pairs":
            agreeing, observed_sum = agreeing + int(row.a or 0), observed_sum + float(row.c or 0.0)
        elif row.kind == "expected":
            expected_sum += int(row.a or 0)
        else:
            labels, a, b = labelers.get(row.labeler_id, (0, 0, 0))
            labelers[row.labeler_id] = (labels + int(row.c), a + int(row.a), b + int(row.b))
    observed, expected, alpha = alpha_from(values, observed_sum, expected_sum)
    return Agreement(
        units=units,
        values=values,
        agreeing_pairs=agreeing,
        pairs=pairs,
        pairwise=share(agreeing, pairs),
        observed=observed,
        expected=expected,
        alpha=alpha,
        by_labeler=tuple(
            LabelerAgreement(labeler_id=labeler_id, labels=labels, agreeing_pairs=a, pairs=b, agreement=share(a, b))
            for labeler_id, (labels, a, b) in sorted(labelers.items())
        ),
    )


# --- issues --------------------------------------------------------------------------------------------------


@cache
def issues_statement(scope: ScopeShape) -> Any:
    raised = and_(*scope.in_window(Issue.created_at)) if scope.start or scope.end else true()
    resolved_in_window = and_(
        Issue.status == IssueStatus.RESOLVED, Issue.resolved_at.is_not(None), *scope.in_window(Issue.resolved_at)
    )
    statement = select(
        func.sum(case((raised, 1), else_=0)).label("raised"),
        func.sum(case((and_(raised, Issue.status == IssueStatus.OPEN), 1), else_=0)).label("open"),
        func.sum(case((and_(raised, Issue.status == IssueStatus.RESOLVED), 1), else_=0)).label("resolved"),
        func.sum(case((resolved_in_window, 1), else_=0)).label("resolved_in_window"),
        func.avg(case((resolved_in_window, seconds_between(Issue.resolved_at, Issue.created_at) / 3600.0))).label(
            "mean_hours"
        ),
    ).where(or_(raised, resolved_in_window))
    if scope.project:
        statement = statement.where(Issue.project_id == scope.project_id)
    if scope.vendor or scope.labeler:
        # An issue belongs to a labeler through the label it was raised on.
        statement = statement.join(Label, Label.id == Issue.label_id).join(Labeler, Labeler.id == Label.labeler_id)
        if scope.vendor:
            statement = statement.where(Labeler.vendor_id == scope.vendor_id)
        if scope.labeler:
            statement = statement.where(Label.labeler_id == scope.labeler_id)
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
