"""Labelers whose speed is out of the norm for their cohort, shown with their quality.

The unit is a labeler's tenure week on a project, tenure counted from the labeler's PRODUCTION stage event (see
`tenure.production_start`); x is the labeler's mean time per label that week, over weeks with at least `min_labels`
labels. The cohort is every labeler on the same project in the same tenure week, except that weeks from
`PLATEAU_WEEK` on are one cohort: the learning curve has flattened by then (tau of 1.5 to 2 weeks leaves under 5% of
the gain after six weeks), so veterans are compared with each other however long ago they started, instead of each
sitting alone in a cohort of one week of tenure nobody else shares. The robust z-score is 0.6745·(x - median)/MAD,
with the cohort's median and median absolute deviation (medians by linear interpolation, see `_sql.percentile`); it
is undefined when the MAD is zero. |z| > 3.5 (Iglewicz and Hoaglin's cut-off) marks an outlier: negative is faster
than the cohort, positive slower. Benchmark accuracy and first-pass acceptance of the same week, and the labeler's
approval rate over the window, sit beside it so that "fast" can be told from "careless".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Float, Row, and_, case, cast, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import LabelStatus
from server.db.models import Label, Task
from server.db.rollup_tables import LabelDayRollup
from server.db.sql import answer_text, day_number, day_text_number
from server.services.analytics._labels import labels_in_scope, rollups_in_scope
from server.services.analytics._sql import percentile, share
from server.services.analytics.scope import Scope, ScopeShape, number
from server.services.analytics.tenure import production_start

__all__ = [
    "PLATEAU_WEEK",
    "OutlierRow",
    "fetch_outlier_rows",
    "fetch_outliers",
    "outliers_from",
    "outliers_statement",
]

ROBUST_Z_CUTOFF = 3.5
# Tenure weeks from this one on are pooled into one cohort (the week reported is this one): past the learning
# plateau a labeler's speed no longer depends on tenure.
PLATEAU_WEEK = 6


@dataclass(frozen=True, slots=True)
class OutlierRow:
    project_id: int
    labeler_id: int
    tenure_week: int  # weeks since PRODUCTION; PLATEAU_WEEK stands for that week and every later one
    labels: int
    mean_seconds: float
    cohort_size: int
    cohort_median_seconds: float
    cohort_mad_seconds: float
    robust_z: float | None
    is_outlier: bool
    direction: str | None  # FAST, SLOW or None
    benchmark_accuracy: float | None
    first_pass_acceptance: float | None
    approval_rate: float | None


def _labeler_days(scope: ScopeShape) -> Any:
    """Per (project, labeler, day): labels, seconds and the quality counts; from the per-day rollups for the whole
    days of the window, and from the labels for its edges (parts of a day) when it is cut inside days."""
    r = LabelDayRollup.__table__.c
    days = rollups_in_scope(
        scope,
        r.project_id.label("project_id"),
        r.labeler_id.label("labeler_id"),
        day_text_number(r.day).label("day_num"),
        r.labels.label("n"),
        r.seconds.label("seconds"),
        r.benchmarks.label("bench"),
        r.benchmarks_correct.label("bench_ok"),
        r.first_pass.label("first_pass"),
        r.decided.label("decided"),
    )
    if scope.whole_days:
        return days
    is_benchmark = and_(Task.is_benchmark, Task.gold_answer.is_not(None), answer_text(Task.gold_answer) != "null")
    edges = labels_in_scope(
        scope,
        Task.project_id.label("project_id"),
        Label.labeler_id.label("labeler_id"),
        day_number(Label.submitted_at).label("day_num"),
        func.count().label("n"),
        func.sum(Label.seconds_to_label).label("seconds"),
        func.sum(case((is_benchmark, 1), else_=0)).label("bench"),
        func.sum(
            case((and_(is_benchmark, answer_text(Label.answer) == answer_text(Task.gold_answer)), 1), else_=0)
        ).label("bench_ok"),
        func.sum(case((and_(Label.status == LabelStatus.ACCEPTED, Label.rework_count == 0), 1), else_=0)).label(
            "first_pass"
        ),
        func.sum(case((or_(Label.status != LabelStatus.SUBMITTED, Label.rework_count > 0), 1), else_=0)).label(
            "decided"
        ),
        edges=True,
    ).group_by(Task.project_id, Label.labeler_id, day_number(Label.submitted_at))
    return union_all(days, edges)


def whole(column: Any) -> Any:
    """SUM of counts as a bigint: PostgreSQL sums bigints (a COUNT) to numeric, which reaches Python as Decimal."""
    return cast(func.sum(column), BigInteger)


@cache
def outliers_statement(scope: ScopeShape, *, only_outliers: bool = False) -> Any:
    """Labeler-weeks with their cohort statistics; the minimum labels of a week is the `min_labels` parameter."""
    grouped = _labeler_days(scope).cte("labeler_days")
    g = grouped.c
    firsts = (
        select(g.labeler_id, day_number(production_start(g.labeler_id)).label("first_day"))
        .group_by(g.labeler_id)
        .cte("labeler_firsts")
    )
    tenure_days = g.day_num - firsts.c.first_day
    # Floor division: both dialects truncate integer division towards zero, which would fold the six days before
    # PRODUCTION (labels made before it, e.g. imported) into tenure week 0.
    tenure_week = case((tenure_days >= 0, tenure_days // 7), else_=-((6 - tenure_days) // 7))
    week = case((tenure_week >= PLATEAU_WEEK, PLATEAU_WEEK), else_=tenure_week)
    weekly = (
        select(
            g.project_id,
            g.labeler_id,
            week.label("week"),
            whole(g.n).label("n"),
            (cast(func.sum(g.seconds), Float) / whole(g.n)).label("x"),
            whole(g.bench).label("bench"),
            whole(g.bench_ok).label("bench_ok"),
            whole(g.first_pass).label("first_pass"),
            whole(g.decided).label("decided"),
        )
        .join_from(grouped, firsts, firsts.c.labeler_id == g.labeler_id)
        .group_by(g.project_id, g.labeler_id, week)
        .having(func.sum(g.n) >= number("min_labels"))
        .cte("labeler_weeks")
    )
    w = weekly.c
    cohort = [w.project_id, w.week]

    def ranked_median(value: Any, source: Any, name: str) -> Any:
        ordered = {"partition_by": cohort, "order_by": value}
        ranked = (
            select(
                w.project_id,
                w.week,
                value.label("value"),
                func.row_number().over(**ordered).label("rank"),
                func.count().over(partition_by=cohort).label("n"),
            )
            .select_from(source)
            .subquery(f"{name}_ranked")
        )
        r = ranked.c
        return (
            select(
                r.project_id,
                r.week,
                func.max(r.n).label("size"),
                percentile(r.value, r.rank, r.n, 50).label("median"),
            )
            .group_by(r.project_id, r.week)
            .cte(name)
        )

    medians = ranked_median(w.x, weekly, "cohort_medians")
    deviation = func.abs(w.x - medians.c.median)
    deviations_source = weekly.join(medians, and_(medians.c.project_id == w.project_id, medians.c.week == w.week))
    mads = ranked_median(deviation, deviations_source, "cohort_mads")
    z = case((mads.c.median > 0, 0.6745 * (w.x - medians.c.median) / mads.c.median))
    statement = (
        select(
            w.project_id,
            w.labeler_id,
            w.week,
            w.n,
            w.x,
            medians.c.size,
            medians.c.median,
            mads.c.median.label("mad"),
            z.label("z"),
            w.bench,
            w.bench_ok,
            w.first_pass,
            w.decided,
        )
        .select_from(weekly)
        .join(medians, and_(medians.c.project_id == w.project_id, medians.c.week == w.week))
        .join(mads, and_(mads.c.project_id == w.project_id, mads.c.week == w.week))
        .order_by(w.project_id, w.week, w.labeler_id)
    )
    if only_outliers:
        statement = statement.where(mads.c.median > 0, func.abs(z) > ROBUST_Z_CUTOFF)
    return statement


async def fetch_outliers(
    session: AsyncSession,
    scope: Scope,
    *,
    approval: dict[int, float | None] | None = None,
    min_labels: int = 10,
    only_outliers: bool = False,
) -> list[OutlierRow]:
    """Every labeler-week with its robust z-score (one statement); `approval` maps labeler to approval rate."""
    rows = await fetch_outlier_rows(session, scope, min_labels=min_labels, only_outliers=only_outliers)
    return outliers_from(rows, approval or {})


async def fetch_outlier_rows(
    session: AsyncSession, scope: Scope, *, min_labels: int = 10, only_outliers: bool = False
) -> Sequence[Row[Any]]:
    """The labeler-weeks as the statement gives them (see `outliers_from`)."""
    statement = outliers_statement(scope.shape, only_outliers=only_outliers)
    return (await session.execute(statement, {**scope.parameters(), "min_labels": min_labels})).all()


def outliers_from(rows: Sequence[Row[Any]], approval: dict[int, float | None]) -> list[OutlierRow]:
    """The labeler-weeks of `fetch_outlier_rows`, flagged, with each labeler's approval rate from `approval`."""
    result: list[OutlierRow] = []
    for row in rows:
        z = None if row.z is None else float(row.z)
        is_outlier = z is not None and abs(z) > ROBUST_Z_CUTOFF
        result.append(
            OutlierRow(
                project_id=row.project_id,
                labeler_id=row.labeler_id,
                tenure_week=int(row.week),
                labels=int(row.n),
                mean_seconds=float(row.x),
                cohort_size=int(row.size),
                cohort_median_seconds=float(row.median),
                cohort_mad_seconds=float(row.mad),
                robust_z=z,
                is_outlier=is_outlier,
                direction=None if not is_outlier or z is None else ("FAST" if z < 0 else "SLOW"),
                benchmark_accuracy=share(row.bench_ok, row.bench),
                first_pass_acceptance=share(row.first_pass, row.decided),
                approval_rate=approval.get(row.labeler_id),
            )
        )
    return result
