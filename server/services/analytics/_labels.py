"""The label rollup: one pass over the labels in scope, summed in SQL at several grains at once.

The labels in scope are grouped once per (project, labeler, vendor, day); that small grouped set is then rolled
up in the same statement (UNION ALL of GROUP BYs, a portable stand-in for GROUPING SETS) into a total, one row
per day, per labeler, per (project, vendor, day) for cost, per (labeler, tenure day) for learning curves, and each
labeler's first and latest week. Quality, speed and cost all read from this one result, so a dashboard scans the
labels once for every additive metric; percentiles need the individual values and have their own statement.

Each group is priced at the rates in force on its day (`server.services.rates`), the same way on both paths, so
the rollups and the labels give the same cost. Reviewers' labour is grouped the same way per (project, reviewer,
reviewer's vendor, day) and priced at the reviewer's hourly rate when their vendor bills by the hour: it is booked
to the reviewer's vendor, in the total, per day and in the usage rows (not in the label author's per-labeler row).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, fields
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
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from server.db.enums import LabelStatus, PricingModel
from server.db.models import Label, Labeler, Review, Task, Vendor
from server.db.rollup_tables import (
    LabelDayRollup,
    LabelTimeBin,
    ProjectReviewTimeBin,
    ProjectTimeBin,
    ReviewerDayRollup,
    VendorReviewTimeBin,
    VendorTimeBin,
)
from server.db.sql import answer_text, day_bucket, day_number, day_text_number
from server.services.analytics._sql import (
    bin_midpoint,
    cumulative_counts,
    histogram_ranks,
    interpolate_bins,
    interpolate_values,
)
from server.services.analytics.scope import Scope, ScopeShape
from server.services.analytics.tenure import production_start
from server.services.rates import in_period, labeler_rate_periods, vendor_rate_periods
from server.services.rollups import bin_expression

__all__ = [
    "LabelPercentiles",
    "LabelRollup",
    "LabelSums",
    "fetch_label_percentiles",
    "fetch_label_rollup",
    "scope_bins",
]


@dataclass(frozen=True, slots=True)
class LabelSums:
    """Additive facts about a set of labels; every ratio metric is a quotient of two of these."""

    labels: int = 0
    seconds: float = 0.0  # labeling time, first pass
    rework_seconds: float = 0.0
    reworked: int = 0  # labels sent back at least once
    accepted: int = 0
    first_pass: int = 0  # accepted without any rework
    reviewed_first_pass: int = 0  # of those, accepted by a reviewer (the others were accepted without review)
    decided: int = 0  # labels that have had a verdict (accepted, rejected, or reworked at least once)
    benchmarks: int = 0  # labels on benchmark tasks with a gold answer
    benchmarks_correct: int = 0
    cost: float = 0.0  # of the labeling: labeling plus rework time, or the per-label price
    review_seconds: float = 0.0  # reviewers' time, booked to the reviewer's vendor
    review_cost: float = 0.0

    @property
    def all_cost(self) -> float:
        """Labeling and review together."""
        return self.cost + self.review_cost


# The rollup's sum columns, in the order of LabelSums' fields, so a row's sums construct it positionally.
_SUM_COLUMNS = tuple(field.name for field in fields(LabelSums))

_ZEROS = astuple(LabelSums())

# PostgreSQL sums a COUNT (bigint) to numeric, which reaches Python as Decimal and does not mix with floats: every
# sum is cast to the type of its LabelSums field, so both dialects give ints and floats.
_SUM_TYPES: dict[str, type[BigInteger] | type[Float]] = {
    field.name: BigInteger if field.type in (int, "int") else Float for field in fields(LabelSums)
}


def _with_zeros(values: list[Any]) -> LabelSums:
    return LabelSums(*[zero if value is None else value for zero, value in zip(_ZEROS, values, strict=True)])


@dataclass(frozen=True, slots=True)
class LabelRollup:
    """The rollup's rows, keyed by grain."""

    total: LabelSums
    by_day: dict[str, LabelSums]
    by_labeler: dict[int, LabelSums]
    labeler_vendor: dict[int, int]
    usage: dict[tuple[int, int, str], LabelSums]  # (project, vendor, day)
    # labeler -> [(tenure day, day, labels, seconds)] by tenure: a plain tuple per point, as most rows are points
    # and a LabelSums each (13 fields set one by one) cost about 4 µs, 50 ms over the largest project's history
    points: dict[int, list[tuple[int, str, int, float]]]
    first_week: dict[int, LabelSums]
    last_week: dict[int, LabelSums]
    to_date: LabelSums | None = None  # cost (labeling and review) of everything before the window's end, when asked


def labels_in_scope(scope: ScopeShape, *columns: Any, edges: bool = False) -> Select[Any]:
    """SELECT columns FROM labels ⋈ tasks ⋈ labelers ⋈ vendors WHERE the label is in scope (with `edges`, only
    in the window's edges, see `ScopeShape.edges`)."""
    where = [*scope.who(), scope.edges(Label.submitted_at)] if edges else scope.labels()
    return (
        select(*columns)
        .select_from(Label)
        .join(Task, Task.id == Label.task_id)
        .join(Labeler, Labeler.id == Label.labeler_id)
        .join(Vendor, Vendor.id == Labeler.vendor_id)
        .where(*where)
    )


def _flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def rollups_in_scope(scope: ScopeShape, *columns: Any) -> Select[Any]:
    """SELECT columns FROM label_day_rollups ⋈ labelers ⋈ vendors WHERE the row is in a whole-days scope (or in
    the whole days inside a window cut inside days)."""
    r = LabelDayRollup.__table__.c
    conditions = [*(scope.in_days(r.day) if scope.whole_days else scope.inner_days(r.day))]
    conditions += scope.matching(r.project_id, Labeler.vendor_id, r.labeler_id)
    return (
        select(*columns)
        .select_from(LabelDayRollup.__table__)
        .join(Labeler, Labeler.id == r.labeler_id)
        .join(Vendor, Vendor.id == Labeler.vendor_id)
        .where(*conditions)
    )


_LABEL_SUMS = tuple(name for name in _SUM_COLUMNS if name not in ("cost", "review_seconds", "review_cost"))


def _grouped(scope: ScopeShape) -> Any:
    """Labels in scope summed per (project, labeler, vendor, day): from the per-day rollups for the whole days of
    the window, and from the labels for its edges (parts of a day) when it is cut inside days. A day is either whole
    or an edge, so the two parts hold different days and their rows are the groups the labels alone would give."""
    r = LabelDayRollup.__table__.c
    days = rollups_in_scope(
        scope,
        r.project_id.label("project_id"),
        r.labeler_id.label("labeler_id"),
        Labeler.vendor_id.label("vendor_id"),
        r.day.label("day"),
        *[r[name].label(name) for name in _LABEL_SUMS],
    )
    if scope.whole_days:
        return days
    return union_all(days, _edge_groups(scope))


def _edge_groups(scope: ScopeShape) -> Any:
    day = day_bucket(Label.submitted_at)
    is_benchmark = and_(Task.is_benchmark, Task.gold_answer.is_not(None), answer_text(Task.gold_answer) != "null")
    return labels_in_scope(
        scope,
        Task.project_id.label("project_id"),
        Label.labeler_id.label("labeler_id"),
        Labeler.vendor_id.label("vendor_id"),
        day.label("day"),
        func.count().label("labels"),
        func.sum(Label.seconds_to_label).label("seconds"),
        func.sum(Label.rework_seconds).label("rework_seconds"),
        func.sum(_flag(Label.rework_count > 0)).label("reworked"),
        func.sum(_flag(Label.status == LabelStatus.ACCEPTED)).label("accepted"),
        func.sum(_flag(and_(Label.status == LabelStatus.ACCEPTED, Label.rework_count == 0))).label("first_pass"),
        func.sum(_flag(and_(Label.status == LabelStatus.ACCEPTED, Label.rework_count == 0, _reviewed(Label.id)))).label(
            "reviewed_first_pass"
        ),
        func.sum(_flag(or_(Label.status != LabelStatus.SUBMITTED, Label.rework_count > 0))).label("decided"),
        func.sum(_flag(is_benchmark)).label("benchmarks"),
        func.sum(_flag(and_(is_benchmark, answer_text(Label.answer) == answer_text(Task.gold_answer)))).label(
            "benchmarks_correct"
        ),
        edges=True,
    ).group_by(Task.project_id, Label.labeler_id, Labeler.vendor_id, day)


def scope_bins(scope: ScopeShape, *, reviews: bool = False) -> tuple[Any, list[Any]]:
    """The histogram without the labeler that a scope of a project or vendor (no labeler) sums, and the scope's
    project and vendor conditions on it (`ScopeShape.without_labelers`; the caller adds the days)."""
    if scope.vendor:
        table = (VendorReviewTimeBin if reviews else VendorTimeBin).__table__
        conditions = [table.c.vendor_id == scope.vendor_id]
    else:
        table = (ProjectReviewTimeBin if reviews else ProjectTimeBin).__table__
        conditions = []
    if scope.project:
        conditions.append(table.c.project_id == scope.project_id)
    return table, conditions


def _reviewed(label_id: Any) -> Any:
    """Whether the label `label_id` has a review, as one index probe per label: the edges hold a few thousand
    labels, and PostgreSQL plans an EXISTS (`server.services.rollups.has_review`) there as a hash of every
    review's label (110 against 25 ms for a project's edges on a million labels). A LIMIT is never hashed."""
    return select(literal(1)).where(Review.label_id == label_id).limit(1).scalar_subquery().is_not(None)


def _priced_labels(scope: ScopeShape, name: str = "label_sums") -> Any:
    """`_grouped` with each group's cost at the rates in force on its day: an HOURLY vendor bills the labeler's
    labeling plus rework time at the labeler's hourly rate, a PER_LABEL vendor its rate per accepted label."""
    grouped = _grouped(scope).subquery(name)
    g = grouped.c
    labeler_rates = labeler_rate_periods(f"{name}_labeler_rates")
    vendor_rates = vendor_rate_periods(f"{name}_vendor_rates")
    labeler = aliased(Labeler)  # the current hourly rate, for days without a history row
    hourly_rate = func.coalesce(labeler_rates.c.rate, labeler.hourly_rate)
    hourly = (g.seconds + g.rework_seconds) * hourly_rate / 3600.0
    per_label = g.accepted * func.coalesce(vendor_rates.c.rate, Vendor.rate)
    cost = case((Vendor.pricing_model == PricingModel.PER_LABEL, per_label), else_=hourly)
    zero = literal(0.0, Float())
    return (
        select(
            g.project_id,
            g.labeler_id,
            g.vendor_id,
            g.day,
            *[g[name] for name in _LABEL_SUMS],
            cast(cost, Float).label("cost"),
            zero.label("review_seconds"),
            zero.label("review_cost"),
        )
        .join_from(grouped, Vendor, Vendor.id == g.vendor_id)
        .join(labeler, labeler.id == g.labeler_id)
        .outerjoin(labeler_rates, in_period(labeler_rates, g.labeler_id, g.day))
        .outerjoin(vendor_rates, in_period(vendor_rates, g.vendor_id, g.day))
    )


def _reviewer_groups(scope: ScopeShape) -> Any:
    """Reviews in scope (by project, the reviewer's vendor, the reviewer and the review's time) summed per
    (project, reviewer, vendor, day): from the per-day reviewer rollups over whole days, else from the reviews."""
    r = ReviewerDayRollup.__table__.c
    conditions = [*(scope.in_days(r.day) if scope.whole_days else scope.inner_days(r.day))]
    conditions += scope.matching(r.project_id, Labeler.vendor_id, r.reviewer_id)
    days = (
        select(
            r.project_id.label("project_id"),
            r.reviewer_id.label("labeler_id"),
            Labeler.vendor_id.label("vendor_id"),
            r.day.label("day"),
            r.seconds.label("seconds"),
        )
        .select_from(ReviewerDayRollup.__table__)
        .join(Labeler, Labeler.id == r.reviewer_id)
        .where(*conditions)
    )
    if scope.whole_days:
        return days
    day = day_bucket(Review.created_at)
    conditions = [
        scope.edges(Review.created_at),
        *scope.matching(Task.project_id, Labeler.vendor_id, Review.reviewer_id),
    ]
    edges = (
        select(
            Task.project_id.label("project_id"),
            Review.reviewer_id.label("labeler_id"),
            Labeler.vendor_id.label("vendor_id"),
            day.label("day"),
            func.sum(Review.seconds_to_review).label("seconds"),
        )
        .select_from(Review)
        .join(Label, Label.id == Review.label_id)
        .join(Task, Task.id == Label.task_id)
        .join(Labeler, Labeler.id == Review.reviewer_id)
        .where(*conditions)
        .group_by(Task.project_id, Review.reviewer_id, Labeler.vendor_id, day)
    )
    return union_all(days, edges)


def _priced_reviews(scope: ScopeShape, name: str = "reviewer_sums") -> Any:
    """`_reviewer_groups` in the columns of `_priced_labels`: the reviewer's time at their hourly rate in force on
    the day when their vendor bills by the hour (a per-label price covers the vendor's own reviewing)."""
    grouped = _reviewer_groups(scope).subquery(name)
    g = grouped.c
    reviewer_rates = labeler_rate_periods(f"{name}_rates")
    reviewer = aliased(Labeler)
    hourly = g.seconds * func.coalesce(reviewer_rates.c.rate, reviewer.hourly_rate) / 3600.0
    cost = case((Vendor.pricing_model == PricingModel.PER_LABEL, literal(0.0, Float())), else_=hourly)
    zeros = [
        (literal(0.0, Float()) if _SUM_TYPES[name] is Float else literal(0, Integer())).label(name)
        for name in _LABEL_SUMS
    ]
    return (
        select(
            g.project_id,
            g.labeler_id,
            g.vendor_id,
            g.day,
            *zeros,
            literal(0.0, Float()).label("cost"),
            cast(g.seconds, Float).label("review_seconds"),
            cast(cost, Float).label("review_cost"),
        )
        .join_from(grouped, Vendor, Vendor.id == g.vendor_id)
        .join(reviewer, reviewer.id == g.labeler_id)
        .outerjoin(reviewer_rates, in_period(reviewer_rates, g.labeler_id, g.day))
    )


def _before_window(scope: ScopeShape) -> Any:
    """The cost of the scope's labels and reviews before the window's start (for the cost to date): one row,
    summed from the priced groups."""
    keys = [cast(null(), t).label(name) for name, t in _KEY_TYPES]
    before = scope.before_start()
    work = union_all(_priced_labels(before, "before_labels"), _priced_reviews(before, "before_reviews")).subquery(
        "before_work"
    )
    cost = cast(func.sum(work.c.cost + work.c.review_cost), Float)
    columns = [(cost if name == "cost" else cast(null(), Integer)).label(name) for name in _SUM_COLUMNS]
    return select(literal("before").label("kind"), *keys, *columns).select_from(work)


_KEY_TYPES = (
    ("project_id", Integer),
    ("labeler_id", Integer),
    ("vendor_id", Integer),
    ("day", String),
    ("tenure_day", Integer),
)


# What a learning curve's point needs (its mean time per label): the point rows sum only these. They are one row
# per (labeler, day) in the window, most of the statement's rows (13,905 of 15,030 over the largest project's
# history), and the other eleven sums cost their aggregation, their transfer and their decoding.
_POINT_SUMS = ("labels", "seconds")
_LABELS_AT, _SECONDS_AT = (_SUM_COLUMNS.index(name) for name in _POINT_SUMS)


def _branch(
    kind: str,
    source: Any,
    keys: dict[str, Any],
    *,
    where: Sequence[Any] = (),
    join: Any = None,
    only: Sequence[str] = _SUM_COLUMNS,
) -> Any:
    typed_null = {name: cast(null(), t) for name, t in _KEY_TYPES}
    key_columns = [keys.get(name, typed_null[name]).label(name) for name in typed_null]
    sums = [
        (cast(func.sum(source.c[name]), _SUM_TYPES[name]) if name in only else cast(null(), _SUM_TYPES[name])).label(
            name
        )
        for name in _SUM_COLUMNS
    ]
    statement = select(literal(kind).label("kind"), *key_columns, *sums).select_from(source if join is None else join)
    group = [expression for name, expression in keys.items()]
    return statement.where(*where).group_by(*group)


@cache
def rollup_statement(scope: ScopeShape, *, history: bool = False) -> Any:
    grouped = _priced_labels(scope).cte("label_groups")
    # Labeling and reviewing together, for the grains that count everyone's work (total, day, usage).
    work = union_all(select(*grouped.c), _priced_reviews(scope)).cte("work_groups")
    # Day numbers are taken once per group (from the day text), not once per label.
    day_num = day_text_number(grouped.c.day)
    # The production start is looked up once per labeler, not once per (labeler, day) group: over a project's
    # history that is a few hundred lookups instead of tens of thousands.
    starts = (
        select(grouped.c.labeler_id, day_number(production_start(grouped.c.labeler_id)).label("start_num"))
        .group_by(grouped.c.labeler_id)
        .cte("labeler_starts")
    )
    tenured = (
        select(*grouped.c, day_num.label("day_num"), (day_num - starts.c.start_num).label("tenure_day"))
        .join_from(grouped, starts, starts.c.labeler_id == grouped.c.labeler_id)
        .cte("label_groups_tenured")
    )
    latest = (
        select(tenured.c.labeler_id, func.max(tenured.c.day_num).label("last_day_num"))
        .group_by(tenured.c.labeler_id)
        .subquery("latest")
    )
    t = tenured.c
    branches = [
        _branch("total", work, {}),
        _branch("day", work, {"day": work.c.day}),
        _branch("labeler", tenured, {"labeler_id": t.labeler_id, "vendor_id": t.vendor_id}),
        _branch("usage", work, {"project_id": work.c.project_id, "vendor_id": work.c.vendor_id, "day": work.c.day}),
        _branch(
            "point", tenured, {"labeler_id": t.labeler_id, "tenure_day": t.tenure_day, "day": t.day}, only=_POINT_SUMS
        ),
        _branch("first_week", tenured, {"labeler_id": t.labeler_id}, where=[t.tenure_day >= 0, t.tenure_day < 7]),
        _branch(
            "last_week",
            tenured,
            {"labeler_id": t.labeler_id},
            join=tenured.join(latest, latest.c.labeler_id == t.labeler_id),
            where=[t.day_num > latest.c.last_day_num - 7],
        ),
    ]
    if history and scope.start is not None:
        branches.append(_before_window(scope))
    return union_all(*branches)


async def fetch_label_rollup(session: AsyncSession, scope: Scope, *, history: bool = False) -> LabelRollup:
    """Run the rollup (one statement) and sort its rows by grain; with `history`, `to_date` also counts the cost
    of every label of the scope submitted before the window's end, from the beginning."""
    result = await session.execute(rollup_statement(scope.shape, history=history), scope.parameters())
    total = LabelSums()
    before_cost = 0.0
    by_day: dict[str, LabelSums] = {}
    by_labeler: dict[int, LabelSums] = {}
    labeler_vendor: dict[int, int] = {}
    usage: dict[tuple[int, int, str], LabelSums] = {}
    points: dict[int, list[tuple[int, str, int, float]]] = {}
    first_week: dict[int, LabelSums] = {}
    last_week: dict[int, LabelSums] = {}
    # Rows are unpacked by position (kind, the keys, the sums): the rollup has a row per (labeler, day) in the
    # window, thousands over a long one. They are read one by one: fetched all at once (`result.all()`), the rows
    # all live together and the garbage collector's full passes over them cost more than the fetches save.
    for kind, project_id, labeler_id, vendor_id, day, tenure_day, *values in result:
        if kind == "point":
            points.setdefault(labeler_id, []).append((int(tenure_day), day, values[_LABELS_AT], values[_SECONDS_AT]))
            continue
        # NULL where nothing was summed (an empty scope's total, the history row's other columns) reads as zero
        sums = LabelSums(*values) if None not in values else _with_zeros(values)
        if kind == "total":
            total = sums
        elif kind == "day":
            by_day[day] = sums
        elif kind == "labeler":
            by_labeler[labeler_id] = sums
            labeler_vendor[labeler_id] = vendor_id
        elif kind == "usage":
            usage[(project_id, vendor_id, day)] = sums
        elif kind == "first_week":
            first_week[labeler_id] = sums
        elif kind == "last_week":
            last_week[labeler_id] = sums
        elif kind == "before":
            before_cost = sums.cost
    for series in points.values():
        series.sort(key=lambda point: point[0])
    return LabelRollup(
        total=total,
        by_day=dict(sorted(by_day.items())),
        by_labeler=dict(sorted(by_labeler.items())),
        labeler_vendor=labeler_vendor,
        usage=dict(sorted(usage.items(), key=lambda item: (item[0][2], item[0][0], item[0][1]))),
        points=points,
        first_week=first_week,
        last_week=last_week,
        to_date=LabelSums(cost=total.all_cost + before_cost) if history else None,
    )


@dataclass(frozen=True, slots=True)
class Spread:
    """The median and 90th percentile of a set of durations, in seconds (None when the set is empty)."""

    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True, slots=True)
class LabelPercentiles:
    total: Spread
    by_day: dict[str, Spread]
    by_labeler: dict[int, Spread]


def _ranked(kind: str, source: Any, names: list[str], order: str) -> Any:
    """The order statistics of `source`'s rows (columns `order` and `n`) per group of `names` (none: the total),
    as one row per group tagged `kind`, with the day and labeler columns every kind shares."""
    c = source.c
    keys = [c[name] for name in names]
    counts = select(*keys, c[order], func.sum(c.n).label("n")).group_by(*keys, c[order]).subquery(f"{kind}_counts")
    partition = [counts.c[name] for name in names]
    running = select(*counts.c, *cumulative_counts(counts.c.n, counts.c[order], partition)).subquery(f"{kind}_running")
    r = running.c
    key_columns = [
        (r[name] if name in names else cast(null(), t)).label(name)
        for name, t in (("day", String), ("labeler_id", Integer))
    ]
    # Bins and times share the rank columns, as floats on both dialects.
    ranks = [
        cast(column, Float).label(column.name) if column.name != "n" else column
        for column in histogram_ranks(r[order], r.cumulative, r.total)
    ]
    return select(literal(kind).label("kind"), *key_columns, *ranks).group_by(*[r[name] for name in names])


def _edge_values(scope: ScopeShape) -> Any:
    """The labels in the window's edges, each as its day, labeler, time and a count of one (read once)."""
    return (
        labels_in_scope(
            scope,
            day_bucket(Label.submitted_at).label("day"),
            Label.labeler_id.label("labeler_id"),
            cast(Label.seconds_to_label, Float).label("value"),
            literal(1, Integer()).label("n"),
            edges=True,
        )
        .cte("edge_values")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


@cache
def exact_edge_percentiles_statement(scope: ScopeShape) -> Any:
    """Where the median and p90 of time per label fall over a window that holds no whole day, overall, per day and
    per labeler: every label of such a window is in its edges, ranked over its own time, so every figure is exact.
    One row per group with its count and the values of its order statistics (see `histogram_ranks`)."""
    values = _edge_values(scope)
    return union_all(
        _ranked("total", values, [], "value"),
        _ranked("day", values, ["day"], "value"),
        _ranked("labeler", values, ["labeler_id"], "value"),
    )


@cache
def edge_percentiles_statement(scope: ScopeShape) -> Any:
    """Where the median and p90 of time per label fall over a window cut inside days, overall, per day and per
    labeler; one row per group with its count and its order statistics (see `histogram_ranks`).

    A day the window cuts is ranked over its labels' own times, so its figures are exact. The total and the
    labelers are ranked in histogram bins, the whole days' rollup bins together with the edge labels' bins
    (`bin_expression`), the way a whole-days window ranks them (`histogram_statement`): they are within the
    histogram's bound as before, and a labeler's rows are grouped by (labeler, bin) instead of sorted by every
    distinct time of the window's edges, which on a million labels was most of the statement (the edges of the
    largest project's week hold 15,637 labels, each a distinct time, against 12,818 labeler bins of its five whole
    days). The total and labeler rows give bins, the day rows times; `fetch_label_percentiles` reads them so."""
    b = LabelTimeBin.__table__.c
    conditions = [*scope.inner_days(b.day)]
    if scope.project:
        conditions.append(b.project_id == scope.project_id)
    if scope.labeler:
        conditions.append(b.labeler_id == scope.labeler_id)
    labeler_rows = select(b.day, b.labeler_id, b.bin, b.labels).where(*conditions)
    if scope.vendor:
        labeler_rows = labeler_rows.join(Labeler, Labeler.id == b.labeler_id).where(
            Labeler.vendor_id == scope.vendor_id
        )
    whole_days = labeler_rows.cte("whole_day_bins")
    w = whole_days.c
    e = _edge_values(scope).c
    edge_bins = select(e.labeler_id, bin_expression(e.value).label("bin"), e.n).cte("edge_bins")
    if scope.without_labelers:
        # The total and the days from the project's or vendor's histogram, without the labeler.
        table, scope_conditions = scope_bins(scope)
        p = table.c
        scope_rows = select(p.day, p.bin, p.labels).where(*scope_conditions, *scope.inner_days(p.day))
        total_days = scope_rows.subquery("scope_day_bins")
        t = total_days.c
        day_whole = select(t.day, bin_midpoint(t.bin).label("value"), t.labels.label("n"))
        total_whole = select(t.bin, t.labels.label("n"))
    else:
        day_whole = select(w.day, bin_midpoint(w.bin).label("value"), w.labels.label("n"))
        total_whole = select(w.bin, w.labels.label("n"))
    day_values = union_all(day_whole, select(e.day, e.value, e.n)).subquery("day_values")
    total_bins = union_all(total_whole, select(edge_bins.c.bin, edge_bins.c.n)).subquery("total_bins")
    labeler_bins = union_all(select(w.labeler_id, w.bin, w.labels.label("n")), select(*edge_bins.c)).subquery(
        "labeler_bins"
    )

    return union_all(
        _ranked("total", total_bins, [], "bin"),
        _ranked("day", day_values, ["day"], "value"),
        _ranked("labeler", labeler_bins, ["labeler_id"], "bin"),
    )


@cache
def histogram_statement(scope: ScopeShape) -> Any:
    """Where the median and p90 of time per label fall in the histograms of a whole-days scope, overall, per day
    and per labeler: one row per group with its count and the bins of the order statistics (see
    `histogram_ranks`)."""
    b = LabelTimeBin.__table__.c
    conditions = [*scope.in_days(b.day)]
    if scope.project:
        conditions.append(b.project_id == scope.project_id)
    if scope.labeler:
        conditions.append(b.labeler_id == scope.labeler_id)
    source = select(b.day, b.labeler_id, b.bin, b.labels).where(*conditions)
    if scope.vendor:
        source = source.join(Labeler, Labeler.id == b.labeler_id).where(Labeler.vendor_id == scope.vendor_id)
    bins = source.cte("time_bins")
    c = bins.c
    # The total is summed again from the per-day counts: one row per (day, bin), not per (labeler, day, bin).
    if scope.without_labelers:
        table, conditions = scope_bins(scope)
        p = table.c
        days = (
            select(p.day, p.bin, func.sum(p.labels).label("n"))
            .where(*conditions, *scope.in_days(p.day))
            .group_by(p.day, p.bin)
            .cte("day_bins")
        )
    else:
        days = select(c.day, c.bin, func.sum(c.labels).label("n")).group_by(c.day, c.bin).cte("day_bins")
    # PostgreSQL runs a prepared statement with a generic plan after a few executions, and without the values it
    # guesses few bin rows and sorts them all for the window; materialised, they are hashed into groups first.
    labelers = (
        select(c.labeler_id, c.bin, func.sum(c.labels).label("n"))
        .group_by(c.labeler_id, c.bin)
        .cte("labeler_bins")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    totals = select(days.c.bin, func.sum(days.c.n).label("n")).group_by(days.c.bin).subquery("total_bins")

    def ranked(kind: str, counts: Any, names: list[str]) -> Any:
        partition = [counts.c[name] for name in names]
        running = select(*counts.c, *cumulative_counts(counts.c.n, counts.c.bin, partition)).subquery(f"{kind}_running")
        r = running.c
        key_columns = [
            (r[name] if name in names else cast(null(), t)).label(name)
            for name, t in (("day", String), ("labeler_id", Integer))
        ]
        return select(
            literal(kind).label("kind"), *key_columns, *histogram_ranks(r.bin, r.cumulative, r.total)
        ).group_by(*[r[name] for name in names])

    return union_all(
        ranked("total", totals, []), ranked("day", days, ["day"]), ranked("labeler", labelers, ["labeler_id"])
    )


def _spread(row: Any) -> Spread:
    return Spread(
        median=interpolate_bins(row.n, row.p50_lower, row.p50_upper, 50),
        p90=interpolate_bins(row.n, row.p90_lower, row.p90_upper, 90),
    )


def _value_spread(row: Any) -> Spread:
    return Spread(
        median=interpolate_values(row.n, row.p50_lower, row.p50_upper, 50),
        p90=interpolate_values(row.n, row.p90_lower, row.p90_upper, 90),
    )


def _collected(rows: Sequence[Any], spread: Callable[[Any], Spread]) -> LabelPercentiles:
    """The total, day and labeler rows of a percentile statement as spreads."""
    total = Spread()
    by_day: dict[str, Spread] = {}
    by_labeler: dict[int, Spread] = {}
    for row in rows:
        if row.kind == "total":
            # an aggregate over no rows still yields one row, with no count: an empty Spread
            total = spread(row)
        elif row.kind == "day":
            by_day[row.day] = spread(row)
        else:
            by_labeler[row.labeler_id] = spread(row)
    return LabelPercentiles(total=total, by_day=dict(sorted(by_day.items())), by_labeler=by_labeler)


async def _histogram_percentiles(session: AsyncSession, scope: Scope) -> LabelPercentiles:
    rows = (await session.execute(histogram_statement(scope.shape), scope.parameters())).all()
    return _collected(rows, _spread)


def _bin(index: float | None) -> int | None:
    return None if index is None else int(index)


async def fetch_label_percentiles(session: AsyncSession, scope: Scope) -> LabelPercentiles:
    """Median and p90 time per label, overall, per day and per labeler (one statement).

    A window that holds no whole day (an hour, a day cut at both ends, two partial days) is ranked over its labels'
    own times: exact. Otherwise they are read from the per-day histograms (see `server.services.rollups`) for the
    whole days of the window and, for its edges (parts of a day), from the labels' own times, binned the same way
    for the total and the labelers, so they are within `PERCENTILE_RELATIVE_ERROR` of the exact value plus
    `PERCENTILE_ABSOLUTE_ERROR_SECONDS`, and exact for a day cut by the window.
    """
    if scope.whole_days:
        return await _histogram_percentiles(session, scope)
    if not scope.holds_a_whole_day:
        return await _exact_percentiles(session, scope)
    rows = (await session.execute(edge_percentiles_statement(scope.shape), scope.parameters())).all()
    return _collected(rows, _edge_spread)


def _edge_spread(row: Any) -> Spread:
    """A day the window cuts is ranked over times; the total and the labelers over bins (given as floats)."""
    if row.kind == "day":
        return _value_spread(row)
    return Spread(
        median=interpolate_bins(row.n, _bin(row.p50_lower), _bin(row.p50_upper), 50),
        p90=interpolate_bins(row.n, _bin(row.p90_lower), _bin(row.p90_upper), 90),
    )


async def _exact_percentiles(session: AsyncSession, scope: Scope) -> LabelPercentiles:
    rows = (await session.execute(exact_edge_percentiles_statement(scope.shape), scope.parameters())).all()
    return _collected(rows, _value_spread)
