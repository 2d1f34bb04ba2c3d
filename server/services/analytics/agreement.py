"""Consensus agreement: pairwise percent agreement and Krippendorff's alpha, per project and combined, and per
labeler.

Units are consensus tasks (labels_required > 1) with two or more labels in the window. Pairwise percent agreement
is the share of ordered pairs of labels on the same task with equal answers, Σ_u Σ_c n_uc(n_uc-1) / Σ_u m_u(m_u-1).
Krippendorff's alpha for nominal data is 1 - D_o/D_e with observed agreement A_o = (1/n) Σ_u Σ_c n_uc(n_uc-1)/(m_u-1)
and expected agreement A_e = Σ_c n_c(n_c-1) / (n(n-1)), n the number of pairable values.

Alpha is computed within each project, where the answers share one set of categories, and the projects are
combined by adding their disagreements: alpha = 1 - Σ_p n_p·D_o,p / Σ_p n_p·D_e,p (for one project, its own
alpha). Pooling the values of projects whose categories do not overlap would make every pair across projects an
expected disagreement, and alpha look better than in any of them. The combined A_o and A_e are the n-weighted
means of the projects', so alpha = (A_o - A_e)/(1 - A_e) still holds; `by_project` gives each project's figures.

Which units count: for a scope with a vendor or labeler, the units holding at least one label of theirs (every
label of those units counts, theirs against everyone's); otherwise every unit of the project (or of all projects)
in the window. A labeler's agreement is the share of their pairs (their label against each other label on the
task) that agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Float, Integer, cast, false, func, literal, null, select, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Label, Labeler, Task
from server.db.rollup_tables import (
    ConsensusSpan,
    ConsensusSpanLabeler,
    ConsensusSpanMember,
    ConsensusSpanMemberValue,
    ConsensusSpanValue,
    ConsensusTask,
)
from server.db.sql import answer_text, member_of
from server.services.analytics._sql import share
from server.services.analytics.scope import Scope, ScopeShape, day_of

__all__ = [
    "Agreement",
    "LabelerAgreement",
    "ProjectAgreement",
    "agreement_statement",
    "alpha_from",
    "fetch_agreement",
]


@dataclass(frozen=True, slots=True)
class LabelerAgreement:
    labeler_id: int
    labels: int
    agreeing_pairs: int
    pairs: int
    agreement: float | None


@dataclass(frozen=True, slots=True)
class ProjectAgreement:
    project_id: int
    units: int
    values: int
    agreeing_pairs: int
    pairs: int
    pairwise: float | None
    observed: float | None
    expected: float | None
    alpha: float | None


@dataclass(frozen=True, slots=True)
class Agreement:
    units: int = 0  # consensus tasks with two or more labels
    values: int = 0  # pairable labels, Krippendorff's n
    agreeing_pairs: int = 0
    pairs: int = 0
    pairwise: float | None = None
    observed: float | None = None  # A_o, n-weighted over projects
    expected: float | None = None  # A_e, n-weighted over projects
    alpha: float | None = None  # within each project, combined
    by_labeler: tuple[LabelerAgreement, ...] = ()
    by_project: tuple[ProjectAgreement, ...] = ()


# Past this many days a project's window holds more labels than the project has consensus tasks, so the labels
# are found from the tasks (ix_tasks_project_consensus, then the labels by task) rather than from the time index.
_TASKS_FIRST_DAYS = 3


def _tasks_first(scope: Scope) -> bool:
    """Whether the window is long enough for the consensus labels to be found from the project's tasks."""
    if scope.start is None or scope.end is None:
        return True
    return (scope.end - scope.start).total_seconds() > _TASKS_FIRST_DAYS * 86400


def _value_columns(project_id: Any) -> tuple[Any, ...]:
    return (
        Label.task_id.label("task_id"),
        project_id.label("project_id"),
        Label.labeler_id.label("labeler_id"),
        Labeler.vendor_id.label("vendor_id"),
        answer_text(Label.answer).label("category"),
    )


def _consensus_values(scope: ScopeShape, *, tasks_first: bool) -> Any:
    """The labels of consensus tasks in the project and window: (task, project, labeler, vendor, answer text)."""
    unit_scope = scope.without_people()
    if unit_scope.project and tasks_first:
        # The same rows as the join below; the shape only steers the planners.
        consensus_tasks = select(Task.id).where(Task.project_id == unit_scope.project_id, Task.labels_required > 1)
        return (
            select(*_value_columns(unit_scope.project_id))
            .select_from(Label)
            .join(Labeler, Labeler.id == Label.labeler_id)
            .where(Label.task_id.in_(consensus_tasks), *unit_scope.in_window(Label.submitted_at))
        )
    return (
        select(*_value_columns(Task.project_id))
        .select_from(Label)
        .join(Task, Task.id == Label.task_id)
        .join(Labeler, Labeler.id == Label.labeler_id)
        .where(Task.labels_required > 1, *unit_scope.labels())
    )


def _inner_bounds(scope: ScopeShape) -> tuple[str | None, str | None]:
    """The bind parameters of the first midnight and last midnight of the whole days inside the window (see
    `ScopeShape.inner_days`): its bounds themselves when it is whole days."""
    if scope.whole_days:
        return scope.start, scope.end
    return (
        None if scope.start is None else f"{scope.start}_up",
        None if scope.end is None else f"{scope.end}_down",
    )


def _partial_consensus_values(scope: ScopeShape) -> Any:
    """The labels in the window of the project's consensus tasks that the span sums cannot answer: those whose
    labels are not all on the whole days inside the window (they cross a window boundary, or touch an edge of a
    window cut inside days) but may have a label in it. Of every project when the scope names none."""
    t = ConsensusTask.__table__.c
    of_project = [t.project_id == scope.project_id] if scope.project else []
    inner_start, inner_end = _inner_bounds(scope)
    crossing = []
    if scope.start is not None and inner_start is not None:
        # Begins before the first whole day, ends on or after the window's first day.
        crossing.append(
            select(t.task_id).where(*of_project, t.first_day < day_of(inner_start), t.last_day >= day_of(scope.start))
        )
    if scope.end is not None and inner_end is not None:
        # Ends on or after the day past the last whole day, begins before the window's end: on the end's own day
        # when the window ends inside it.
        begins = t.first_day < day_of(scope.end) if scope.whole_days else t.first_day <= day_of(scope.end)
        crossing.append(select(t.task_id).where(*of_project, t.last_day >= day_of(inner_end), begins))
    if not crossing:
        tasks: Any = select(t.task_id).where(false())
    else:
        tasks = crossing[0] if len(crossing) == 1 else union(*crossing)
    statement = select(*_value_columns(scope.project_id if scope.project else Task.project_id)).select_from(Label)
    if not scope.project:
        statement = statement.join(Task, Task.id == Label.task_id)
    return statement.join(Labeler, Labeler.id == Label.labeler_id).where(
        member_of(Label.task_id, tasks.scalar_subquery()), *scope.in_window(Label.submitted_at)
    )


def _span_rows(scope: ScopeShape) -> tuple[Any, list[Any]]:
    """The category counts and the rows of the spans that lie on the whole days inside the window (every label of
    their tasks is in the window): every span of the project, or with a labeler or vendor, the spans' tasks that
    hold one of their labels (`consensus_span_members`), and the labelers' own pairs."""
    inner_start, inner_end = _inner_bounds(scope)

    def contained(table: Any) -> list[Any]:
        conditions = [table.c.project_id == scope.project_id] if scope.project else []
        if inner_start is not None:
            conditions.append(table.c.first_day >= day_of(inner_start))
        if inner_end is not None:
            conditions.append(table.c.last_day < day_of(inner_end))
        return conditions

    span_table: Any = ConsensusSpan.__table__
    value_table: Any = ConsensusSpanValue.__table__
    people = scope.vendor or scope.labeler
    if people:
        span_table, value_table = ConsensusSpanMember.__table__, ConsensusSpanMemberValue.__table__

    def member(table: Any) -> list[Any]:
        """The rows of the scope's labeler (else vendor) in a member table; none without people."""
        if not people:
            return []
        kind, member_id = ("labeler", scope.labeler_id) if scope.labeler else ("vendor", scope.vendor_id)
        conditions = [table.c.kind == kind, table.c.member_id == member_id]
        if scope.labeler and scope.vendor:
            # The labeler's units count only if the labeler is the vendor's (else the scope holds no label).
            conditions.append(
                select(Labeler.id).where(Labeler.id == scope.labeler_id, Labeler.vendor_id == scope.vendor_id).exists()
            )
        return conditions

    sp = span_table.c
    lb = ConsensusSpanLabeler.__table__.c
    no_labeler = cast(null(), Integer).label("labeler_id")
    categories = select(
        value_table.c.project_id.label("project_id"),
        value_table.c.category.label("category"),
        value_table.c.labels.label("n"),
    ).where(*contained(value_table), *member(value_table))
    labeler_filters = []
    labeler_source: Any = ConsensusSpanLabeler.__table__
    if scope.labeler:
        labeler_filters.append(lb.labeler_id == scope.labeler_id)
    if scope.vendor:
        labeler_source = labeler_source.join(Labeler, Labeler.id == lb.labeler_id)
        labeler_filters.append(Labeler.vendor_id == scope.vendor_id)
    rows = [
        select(
            literal("units").label("kind"),
            sp.project_id.label("project_id"),
            no_labeler,
            func.sum(sp.units).label("a"),
            func.sum(sp.units * sp.labels).label("b"),
            cast(func.sum(sp.units * sp.labels * (sp.labels - 1)), Float).label("c"),
        )
        .where(*contained(span_table), *member(span_table))
        .group_by(sp.project_id),
        select(
            literal("pairs").label("kind"),
            sp.project_id.label("project_id"),
            no_labeler,
            func.sum(sp.agreeing).label("a"),
            cast(null(), Integer).label("b"),
            func.sum(cast(sp.agreeing, Float) / (sp.labels - 1)).label("c"),
        )
        .where(*contained(span_table), *member(span_table))
        .group_by(sp.project_id),
        select(
            literal("labeler").label("kind"),
            cast(null(), Integer).label("project_id"),
            lb.labeler_id.label("labeler_id"),
            func.sum(lb.agreeing).label("a"),
            func.sum(lb.pairs).label("b"),
            cast(func.sum(lb.labels), Float).label("c"),
        )
        .select_from(labeler_source)
        .where(*contained(ConsensusSpanLabeler.__table__), *labeler_filters)
        .group_by(lb.labeler_id),
    ]
    return categories, rows


@cache
def agreement_statement(scope: ScopeShape, *, tasks_first: bool) -> Any:
    """Rows of partial agreement sums (kinds 'units', 'pairs', 'expected' per project, 'labeler' per labeler; rows
    of one kind and key add up).

    For a project, with no vendor or labeler, the consensus tasks whose labels all fall on the whole days inside
    the window are read from the span sums (`server.db.rollup_tables`), and only the tasks whose labels cross a window
    boundary from their labels; with a vendor or labeler, the same from the span sums of their units
    (`consensus_span_members`). Only a scope of everything reads every unit from the labels."""
    people = scope.vendor or scope.labeler
    spans = scope.project or people
    source = _partial_consensus_values(scope) if spans else _consensus_values(scope, tasks_first=tasks_first)
    values = source.cte("consensus_values")
    if people:
        conditions = []
        if scope.vendor:
            conditions.append(values.c.vendor_id == scope.vendor_id)
        if scope.labeler:
            conditions.append(values.c.labeler_id == scope.labeler_id)
        theirs = select(values.c.task_id).where(*conditions)
        values = select(*values.c).where(values.c.task_id.in_(theirs)).cte("consensus_member_values")
    v = values.c
    # Each label with its task's label count (m) and its answer's count on the task (n_uc), by window functions:
    # joining per-task groups back to the labels leaves PostgreSQL guessing a handful of rows for each side (the
    # tasks come from an array of ids) and looping over one for every row of the other.
    counted = select(
        *v,
        func.count().over(partition_by=v.task_id).label("m"),
        func.count().over(partition_by=[v.task_id, v.category]).label("n_uc"),
    ).subquery("consensus_counted_labels")
    k = counted.c
    counted_units = select(*k).where(k.m >= 2).cte("consensus_counted")
    k = counted_units.c
    units = (
        select(k.task_id, func.max(k.project_id).label("project_id"), func.max(k.m).label("m"))
        .group_by(k.task_id)
        .cte("consensus_units")
    )
    paired = (
        select(k.project_id, k.category, func.max(k.n_uc).label("n_uc"), func.max(k.m).label("m"))
        .group_by(k.task_id, k.project_id, k.category)
        .cte("consensus_paired")
    )
    p = paired.c
    category_counts: Any = select(p.project_id, p.category.label("category"), p.n_uc.label("n"))
    span_rows: list[Any] = []
    if spans:
        span_categories, span_rows = _span_rows(scope)
        category_counts = union_all(category_counts, span_categories)
    category_cte = category_counts.cte("consensus_categories")
    categories = (
        select(category_cte.c.project_id, func.sum(category_cte.c.n).label("n_c"))
        .group_by(category_cte.c.project_id, category_cte.c.category)
        .subquery("category_totals")
    )

    def row(kind: str, project: Any, labeler: Any, a: Any, b: Any, c: Any) -> list[Any]:
        return [
            literal(kind).label("kind"),
            project.label("project_id"),
            labeler.label("labeler_id"),
            a.label("a"),
            b.label("b"),
            cast(c, Float).label("c"),
        ]

    no_id = cast(null(), Integer)
    labeler_filters = []
    if scope.vendor:
        labeler_filters.append(k.vendor_id == scope.vendor_id)
    if scope.labeler:
        labeler_filters.append(k.labeler_id == scope.labeler_id)
    m = units.c.m
    return union_all(
        select(*row("units", units.c.project_id, no_id, func.count(), func.sum(m), func.sum(m * (m - 1)))).group_by(
            units.c.project_id
        ),
        select(
            *row(
                "pairs",
                p.project_id,
                no_id,
                func.sum(p.n_uc * (p.n_uc - 1)),
                cast(null(), Integer),
                func.sum(cast(p.n_uc * (p.n_uc - 1), Float) / (p.m - 1)),
            )
        ).group_by(p.project_id),
        select(
            *row(
                "expected",
                categories.c.project_id,
                no_id,
                func.sum(categories.c.n_c * (categories.c.n_c - 1)),
                cast(null(), Integer),
                null(),
            )
        ).group_by(categories.c.project_id),
        select(*row("labeler", no_id, k.labeler_id, func.sum(k.n_uc - 1), func.sum(k.m - 1), func.count()))
        .where(*labeler_filters)
        .group_by(k.labeler_id),
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


@dataclass
class _Sums:
    units: int = 0
    values: int = 0
    pairs: int = 0
    agreeing: int = 0
    observed_sum: float = 0.0
    expected_sum: int = 0


def _combined(projects: list[ProjectAgreement]) -> tuple[float | None, float | None, float | None]:
    """(A_o, A_e, alpha) of projects combined: disagreements added with weights n_p (see the module docstring)."""
    weighed = [item for item in projects if item.observed is not None and item.expected is not None]
    n = sum(item.values for item in weighed)
    if not n:
        return None, None, None
    observed = sum(item.values * (item.observed or 0.0) for item in weighed) / n
    expected = sum(item.values * (item.expected or 0.0) for item in weighed) / n
    if expected >= 1.0:
        return observed, expected, None
    return observed, expected, (observed - expected) / (1.0 - expected)


async def fetch_agreement(session: AsyncSession, scope: Scope) -> Agreement:
    """Consensus agreement over the scope (one statement)."""
    sums: dict[int, _Sums] = {}
    labelers: dict[int, tuple[int, int, int]] = {}
    statement = agreement_statement(scope.shape, tasks_first=_tasks_first(scope))
    for row in (await session.execute(statement, scope.parameters())).all():
        if row.kind == "labeler":
            labels, a, b = labelers.get(row.labeler_id, (0, 0, 0))
            labelers[row.labeler_id] = (labels + int(row.c), a + int(row.a), b + int(row.b))
            continue
        if row.project_id is None:
            continue  # an aggregate over no spans
        project = sums.setdefault(int(row.project_id), _Sums())
        if row.kind == "units":
            project.units += int(row.a or 0)
            project.values += int(row.b or 0)
            project.pairs += int(row.c or 0)
        elif row.kind == "pairs":
            project.agreeing += int(row.a or 0)
            project.observed_sum += float(row.c or 0.0)
        else:
            project.expected_sum += int(row.a or 0)
    projects = []
    for project_id, item in sorted(sums.items()):
        if not item.units:
            continue
        observed, expected, alpha = alpha_from(item.values, item.observed_sum, item.expected_sum)
        projects.append(
            ProjectAgreement(
                project_id=project_id,
                units=item.units,
                values=item.values,
                agreeing_pairs=item.agreeing,
                pairs=item.pairs,
                pairwise=share(item.agreeing, item.pairs),
                observed=observed,
                expected=expected,
                alpha=alpha,
            )
        )
    observed, expected, alpha = _combined(projects)
    agreeing = sum(item.agreeing_pairs for item in projects)
    pairs = sum(item.pairs for item in projects)
    return Agreement(
        units=sum(item.units for item in projects),
        values=sum(item.values for item in projects),
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
        by_project=tuple(projects),
    )
