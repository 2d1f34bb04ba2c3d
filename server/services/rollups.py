"""Keeping the per-day label rollups (`server.db.rollup_tables`) equal to the labels they sum.

Writers that change a label call `label_changed(session, before, after)` in the same transaction, with the
label's `LabelFacts` before and after the change (None for "no label"); the difference is added to the rollup rows
with an upsert, so concurrent writers to the same row add up instead of overwriting each other. Bulk loads call
`rebuild_rollups`, which recomputes the rows of a project (or of all projects) in SQL with INSERT ... SELECT.

Time per label goes into a fixed log-scale histogram: bin k >= 0 holds times in [FLOOR·RATIO^k, FLOOR·RATIO^(k+1))
and bin -1 holds times below FLOOR (zero included). A percentile read from the histogram places each order
statistic at its bin's `bin_value` (FLOOR/2 for bin -1), the point whose relative error is the same at both ends of
the bin, (RATIO - 1)/(RATIO + 1), or within FLOOR/2 below FLOOR; see `PERCENTILE_RELATIVE_ERROR` and
`PERCENTILE_ABSOLUTE_ERROR_SECONDS`.

The same histograms are also kept without the labeler, per (project, day, bin) (`project_time_bins`,
`project_review_time_bins`) and per (vendor, day, project, bin) (`vendor_time_bins`, `vendor_review_time_bins`), for
a project's or vendor's totals and days: `label_changed` and `review_added` bump them after the
per-labeler rows, and the rebuild statements sum them from the rebuilt per-labeler rows.

Reviews are rolled up the same way (`review_day_rollups`, `review_time_bins`), with the same bins over review times
and therefore the same error bound: `review_label` calls `review_added(session, review_facts(...))` in its
transaction, and `reviewer_labour_added` with the same facts as its last write, and `rebuild_rollups` recomputes
them with the label rollups. A review is never changed or deleted once made, so adding is the only maintenance it
needs.

Consensus agreement is summed per consensus task with two or more labels (`server.db.rollup_tables`, consensus tables):
writers that change the labels of a task, or whether it is a consensus task, read `consensus_facts(session, task)`
before and after the change and call `consensus_changed(session, before, after)` in the same transaction; the
facts are read in SQL (the answers' stored JSON text, the UTC days) so they are the rows `rebuild_rollups` writes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, fields
from datetime import UTC
from typing import Any
from typing import cast as type_cast

from sqlalchemy import (
    Float,
    Integer,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    union,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from server.db.enums import LabelStatus, ReviewVerdict
from server.db.models import Label, Labeler, Review, Task
from server.db.rollup_tables import (
    ConsensusSpan,
    ConsensusSpanLabeler,
    ConsensusSpanMember,
    ConsensusSpanMemberValue,
    ConsensusSpanValue,
    ConsensusTask,
    LabelDayRollup,
    LabelTimeBin,
    ProjectReviewTimeBin,
    ProjectTimeBin,
    ReviewDayRollup,
    ReviewerDayRollup,
    ReviewTimeBin,
    VendorReviewTimeBin,
    VendorTimeBin,
)
from server.db.sql import answer_text, day_bucket, in_days, upsert
from server.db.types import canonical_answer_text
from server.services.completion_rollups import completion_rebuild_statements
from server.services.consensus_rows import consensus_label_source

__all__ = [
    "BIN_FLOOR_SECONDS",
    "BIN_POINT",
    "BIN_RATIO",
    "PERCENTILE_ABSOLUTE_ERROR_SECONDS",
    "PERCENTILE_RELATIVE_ERROR",
    "ConsensusFacts",
    "LabelFacts",
    "ReviewFacts",
    "bin_expression",
    "bin_of",
    "bin_value",
    "consensus_changed",
    "consensus_delete_statements",
    "consensus_facts",
    "consensus_rebuild_statements",
    "has_review",
    "label_changed",
    "label_facts",
    "rebuild_rollups",
    "rebuild_statements",
    "review_added",
    "review_facts",
    "review_rebuild_statements",
    "reviewer_labour_added",
]

BIN_RATIO = 1.04
BIN_FLOOR_SECONDS = 0.01
# |estimate - exact| <= PERCENTILE_RELATIVE_ERROR·exact + PERCENTILE_ABSOLUTE_ERROR_SECONDS
PERCENTILE_RELATIVE_ERROR = (BIN_RATIO - 1.0) / (BIN_RATIO + 1.0)  # 1.961 %, within the 1.98 % the README states
# Where in its bin a time is taken to be, as a multiple of the bin's lower edge: 2·RATIO/(RATIO + 1) is above the
# lower edge and below the upper one by the same share of the time. The geometric midpoint, sqrt(RATIO), is
# sqrt(RATIO) - 1 = 1.9804 % above a time at the lower edge: past the stated 1.98 % by more than the absolute
# allowance for times over about 1,300 s.
BIN_POINT = 2.0 * BIN_RATIO / (BIN_RATIO + 1.0)
PERCENTILE_ABSOLUTE_ERROR_SECONDS = BIN_FLOOR_SECONDS / 2
_LOG_RATIO = math.log(BIN_RATIO)
_ROLLUPS = type_cast(Table, LabelDayRollup.__table__)
_BINS = type_cast(Table, LabelTimeBin.__table__)
_PROJECT_BINS = type_cast(Table, ProjectTimeBin.__table__)
_PROJECT_REVIEW_BINS = type_cast(Table, ProjectReviewTimeBin.__table__)
_VENDOR_BINS = type_cast(Table, VendorTimeBin.__table__)
_VENDOR_REVIEW_BINS = type_cast(Table, VendorReviewTimeBin.__table__)
_REVIEW_ROLLUPS = type_cast(Table, ReviewDayRollup.__table__)
_REVIEW_BINS = type_cast(Table, ReviewTimeBin.__table__)
_REVIEWER_ROLLUPS = type_cast(Table, ReviewerDayRollup.__table__)
_CONSENSUS_TASKS = type_cast(Table, ConsensusTask.__table__)
_CONSENSUS_SPANS = type_cast(Table, ConsensusSpan.__table__)
_CONSENSUS_VALUES = type_cast(Table, ConsensusSpanValue.__table__)
_CONSENSUS_LABELERS = type_cast(Table, ConsensusSpanLabeler.__table__)
_CONSENSUS_MEMBERS = type_cast(Table, ConsensusSpanMember.__table__)
_CONSENSUS_MEMBER_VALUES = type_cast(Table, ConsensusSpanMemberValue.__table__)


def bin_of(seconds: float) -> int:
    """The histogram bin of a time per label or review (the same arithmetic as the SQL in `rebuild_statements`)."""
    if seconds < BIN_FLOOR_SECONDS:
        return -1
    return math.floor(math.log(seconds / BIN_FLOOR_SECONDS) / _LOG_RATIO)


def bin_value(index: int) -> float:
    """The value that stands for every time in a bin: the one whose largest relative error over the bin is least,
    `PERCENTILE_RELATIVE_ERROR` (see `BIN_POINT`)."""
    if index < 0:
        return BIN_FLOOR_SECONDS / 2
    return BIN_FLOOR_SECONDS * BIN_RATIO**index * BIN_POINT


@dataclass(frozen=True, slots=True)
class LabelFacts:
    """What one label adds to its rollup row (the flags are 0 or 1) and to which histogram bin."""

    project_id: int
    labeler_id: int
    day: str
    bin: int
    labels: int
    seconds: float
    rework_seconds: float
    reworked: int
    accepted: int
    first_pass: int
    reviewed_first_pass: int  # first pass, and accepted by a reviewer (not without review)
    decided: int
    benchmarks: int
    benchmarks_correct: int


_SUMS = tuple(f.name for f in fields(LabelFacts) if f.name not in ("project_id", "labeler_id", "day", "bin"))


def label_facts(label: Label, task: Task, *, reviewed: bool) -> LabelFacts:
    """A label's contribution, by the same definitions as the SQL in `rebuild_statements`; `reviewed` says whether
    the label has a review (what tells a reviewer's acceptance from an acceptance without review)."""
    accepted = label.status is LabelStatus.ACCEPTED
    reworked = (label.rework_count or 0) > 0
    benchmark = task.is_benchmark and task.gold_answer is not None and canonical_answer_text(task.gold_answer) != "null"
    correct = benchmark and canonical_answer_text(label.answer) == canonical_answer_text(task.gold_answer)
    return LabelFacts(
        project_id=task.project_id,
        labeler_id=label.labeler_id,
        day=label.submitted_at.astimezone(UTC).strftime("%Y-%m-%d"),
        bin=bin_of(label.seconds_to_label),
        labels=1,
        seconds=float(label.seconds_to_label),
        rework_seconds=float(label.rework_seconds or 0.0),
        reworked=int(reworked),
        accepted=int(accepted),
        first_pass=int(accepted and not reworked),
        reviewed_first_pass=int(accepted and not reworked and reviewed),
        decided=int(label.status is not LabelStatus.SUBMITTED or reworked),
        benchmarks=int(benchmark),
        benchmarks_correct=int(correct),
    )


@dataclass(frozen=True, slots=True)
class _VendorOf:
    """A key value read in the statement that writes it: the labeler's vendor (a labeler's vendor never changes)."""

    labeler_id: int


# Upserts and in-place updates built once per dialect and shape, values bound at execution: building the
# statement anew each time (its `excluded` alias copies every column of the table) cost more CPU than running it.
_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _upsert_statement(
    dialect: str,
    table: Table,
    keys: tuple[str, ...],
    vendor_keys: tuple[str, ...],
    sums: tuple[str, ...],
    prefix: str = "",
) -> Any:
    """`INSERT ... ON CONFLICT (keys) DO UPDATE SET sum = sum + excluded.sum`, parameters `<prefix>k_<key>`,
    `<prefix>s_<sum>`; a key in `vendor_keys` is the vendor of the labeler bound to it."""
    cache_key = ("upsert", dialect, table.name, keys, vendor_keys, sums, prefix)
    statement = _STATEMENTS.get(cache_key)
    if statement is None:
        values: dict[str, Any] = {}
        for name in keys:
            if name in vendor_keys:
                labeler = bindparam(f"{prefix}k_{name}", type_=Labeler.__table__.c.id.type)
                values[name] = select(Labeler.vendor_id).where(Labeler.id == labeler).scalar_subquery()
            else:
                values[name] = bindparam(f"{prefix}k_{name}", type_=table.c[name].type)
        values.update({name: bindparam(f"{prefix}s_{name}", type_=table.c[name].type) for name in sums})
        insert_ = upsert(dialect, table).values(values)
        statement = insert_.on_conflict_do_update(
            index_elements=list(keys), set_={name: table.c[name] + insert_.excluded[name] for name in sums}
        )
        _STATEMENTS[cache_key] = statement
    return statement


@dataclass(frozen=True, slots=True)
class _Bump:
    """Add `sums` to the row of `table` at `key`, creating it when missing."""

    table: Table
    key: dict[str, Any]
    sums: dict[str, Any]

    @property
    def shape(self) -> tuple[Table, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        vendor_keys = tuple(name for name, value in self.key.items() if isinstance(value, _VendorOf))
        return self.table, tuple(self.key), vendor_keys, tuple(self.sums)

    def parameters(self, prefix: str = "") -> dict[str, Any]:
        bound = {
            f"{prefix}k_{name}": value.labeler_id if isinstance(value, _VendorOf) else value
            for name, value in self.key.items()
        }
        bound.update({f"{prefix}s_{name}": value for name, value in self.sums.items()})
        return bound


async def _bump(session: AsyncSession, table: Table, key: dict[str, Any], sums: dict[str, Any]) -> None:
    """Add `sums` to the row of `table` at `key`, creating it when missing."""
    await _bump_all(session, [_Bump(table, key, sums)])


def _combined_upsert(
    dialect: str, shapes: tuple[tuple[Table, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...]
) -> Any:
    """The upserts of `shapes` as one PostgreSQL statement: all but the last as data-modifying WITH queries of the
    last, the parameters of the i-th prefixed `b<i>_`."""
    cache_key = ("combined", dialect, tuple((table.name, *rest) for table, *rest in shapes))
    statement = _STATEMENTS.get(cache_key)
    if statement is None:
        parts = [_upsert_statement(dialect, *shape, prefix=f"b{index}_") for index, shape in enumerate(shapes)]
        *earlier, last = parts
        statement = last.add_cte(*(part.cte(f"bump_{index}") for index, part in enumerate(earlier)))
        _STATEMENTS[cache_key] = statement
    return statement


async def _bump_all(session: AsyncSession, bumps: list[_Bump]) -> None:
    """Make each of `bumps`, in order.

    On PostgreSQL each run of consecutive bumps of different tables is one statement (the upserts as WITH queries
    of the last): one round trip instead of one per bump, each of which costs the client SQLAlchemy's and the
    driver's work and the server a message exchange. Different tables, so a statement never names one row twice
    (PostgreSQL refuses that: "cannot affect row a second time"); different rows, so the sums are the same in any
    order. The workflow's writers bump in the same shapes, so they run the same statements and take those rows'
    locks in one order. SQLite cannot write in WITH queries: one statement per bump.
    """
    dialect = session.get_bind().dialect.name
    combine = dialect == "postgresql"
    runs: list[list[_Bump]] = []
    for bump in bumps:
        if combine and runs and all(bump.table is not other.table for other in runs[-1]):
            runs[-1].append(bump)
        else:
            runs.append([bump])
    for run in runs:
        if len(run) == 1:
            table, keys, vendor_keys, sums = run[0].shape
            await session.execute(_upsert_statement(dialect, table, keys, vendor_keys, sums), run[0].parameters())
            continue
        parameters: dict[str, Any] = {}
        for index, member in enumerate(run):
            parameters.update(member.parameters(f"b{index}_"))
        await session.execute(_combined_upsert(dialect, tuple(member.shape for member in run)), parameters)


def _update_statement(table: Table, keys: tuple[str, ...], sums: tuple[str, ...]) -> Any:
    """`UPDATE table SET sum = sum + :d_<sum> WHERE key = :k_<key> ...`."""
    cache_key = ("update", table.name, keys, sums)
    statement = _STATEMENTS.get(cache_key)
    if statement is None:
        statement = (
            table.update()
            .where(*[table.c[name] == bindparam(f"k_{name}", type_=table.c[name].type) for name in keys])
            .values({name: table.c[name] + bindparam(f"d_{name}", type_=table.c[name].type) for name in sums})
        )
        _STATEMENTS[cache_key] = statement
    return statement


def _label_bumps(facts: LabelFacts, sign: int) -> list[_Bump]:
    key = {"project_id": facts.project_id, "labeler_id": facts.labeler_id, "day": facts.day}
    return [
        _Bump(_ROLLUPS, key, {name: sign * getattr(facts, name) for name in _SUMS}),
        _Bump(_BINS, {**key, "bin": facts.bin}, {"labels": sign}),
    ]


def _project_bin_bumps(before: LabelFacts | None, after: LabelFacts | None) -> list[_Bump]:
    """Move one label between the project-grain and vendor-grain histogram rows. Every writer of a project bumps
    the same few rows, so they are bumped last and in key order: two writers never wait for each other's rows
    crosswise."""
    deltas: Counter[tuple[int, int, str, int]] = Counter()
    if before is not None:
        deltas[(before.project_id, before.labeler_id, before.day, before.bin)] -= 1
    if after is not None:
        deltas[(after.project_id, after.labeler_id, after.day, after.bin)] += 1
    bumps: list[_Bump] = []
    for (project_id, labeler_id, day, bin_index), delta in sorted(deltas.items()):
        if delta:
            key = {"project_id": project_id, "day": day, "bin": bin_index}
            bumps.append(_Bump(_PROJECT_BINS, key, {"labels": delta}))
            bumps.append(_Bump(_VENDOR_BINS, {**key, "vendor_id": _VendorOf(labeler_id)}, {"labels": delta}))
    return bumps


async def label_changed(session: AsyncSession, before: LabelFacts | None, after: LabelFacts | None) -> None:
    """Move the rollups from a label's `before` facts to its `after` facts (either may be None)."""
    if before == after:
        return
    if (
        before is not None
        and after is not None
        and (before.project_id, before.labeler_id, before.day, before.bin)
        == (
            after.project_id,
            after.labeler_id,
            after.day,
            after.bin,
        )
    ):
        delta = {name: getattr(after, name) - getattr(before, name) for name in _SUMS}
        changed = tuple(name for name, value in delta.items() if value)
        if not changed:
            return
        key = {"project_id": after.project_id, "labeler_id": after.labeler_id, "day": after.day}
        parameters = {f"k_{name}": value for name, value in key.items()}
        parameters.update({f"d_{name}": delta[name] for name in changed})
        await session.execute(_update_statement(_ROLLUPS, tuple(key), changed), parameters)
        return
    bumps = [
        *([] if before is None else _label_bumps(before, -1)),
        *([] if after is None else _label_bumps(after, 1)),
        *_project_bin_bumps(before, after),
    ]
    await _bump_all(session, bumps)


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """What one review adds to its rollup row (thumbs_up is 0 or 1) and to which histogram bin."""

    project_id: int
    labeler_id: int  # the label's author
    reviewer_id: int  # whose labour it was (`reviewer_day_rollups`)
    day: str
    bin: int
    seconds: float
    thumbs_up: int


def review_facts(review: Review, label: Label, task: Task) -> ReviewFacts:
    """A review's contribution, by the same definitions as the SQL in `rebuild_statements`."""
    return ReviewFacts(
        project_id=task.project_id,
        labeler_id=label.labeler_id,
        day=review.created_at.astimezone(UTC).strftime("%Y-%m-%d"),
        bin=bin_of(review.seconds_to_review),
        seconds=float(review.seconds_to_review),
        thumbs_up=int(review.verdict is ReviewVerdict.THUMBS_UP),
        reviewer_id=review.reviewer_id,
    )


async def review_added(session: AsyncSession, facts: ReviewFacts) -> None:
    """Count a new review in the review rollups."""
    key = {"project_id": facts.project_id, "labeler_id": facts.labeler_id, "day": facts.day}
    project_key = {"project_id": facts.project_id, "day": facts.day, "bin": facts.bin}
    vendor_key = {**project_key, "vendor_id": _VendorOf(facts.labeler_id)}
    bumps = [
        _Bump(_REVIEW_ROLLUPS, key, {"reviews": 1, "thumbs_up": facts.thumbs_up, "seconds": facts.seconds}),
        _Bump(_REVIEW_BINS, {**key, "bin": facts.bin}, {"reviews": 1}),
        _Bump(_PROJECT_REVIEW_BINS, project_key, {"reviews": 1}),
        _Bump(_VENDOR_REVIEW_BINS, vendor_key, {"reviews": 1}),
    ]
    await _bump_all(session, bumps)


async def reviewer_labour_added(session: AsyncSession, facts: ReviewFacts) -> None:
    """Count a new review in its reviewer's day row. Writers call it last in the transaction: one reviewer's
    reviews all bump one row, so its lock is held for the shortest time (and after every other rollup row)."""
    by_reviewer = {"project_id": facts.project_id, "reviewer_id": facts.reviewer_id, "day": facts.day}
    await _bump(session, _REVIEWER_ROLLUPS, by_reviewer, {"reviews": 1, "seconds": facts.seconds})


def bin_expression(seconds: Any) -> Any:
    """`bin_of` in SQL: the histogram bin of a time column, as the rollups file it."""
    floor = literal(BIN_FLOOR_SECONDS, Float())
    index = func.floor(func.ln(seconds / floor) / literal(_LOG_RATIO, Float()))
    return case((seconds < floor, -1), else_=cast(index, Integer))


def review_rebuild_statements(project_id: int | None = None, days: Collection[str] | None = None) -> list[Any]:
    """DELETE and INSERT ... SELECT statements that recompute the review rollups (per labeler and per reviewer) of
    one project, or of all; with `days`, only the project's rows of those UTC days."""
    if days is not None and not days:
        return []

    source = select().select_from(Review).join(Label, Label.id == Review.label_id).join(Task, Task.id == Label.task_id)
    if days is not None:
        source = source.where(_of_project(project_id), in_days(Review.created_at, _days_of(project_id, days)))
    elif project_id is not None:
        source = source.where(Task.project_id == project_id)
    keys = [Task.project_id, Label.labeler_id, day_bucket(Review.created_at)]
    sums = source.add_columns(
        *keys,
        func.count(),
        func.sum(case((Review.verdict == ReviewVerdict.THUMBS_UP, 1), else_=0)),
        func.sum(Review.seconds_to_review),
    ).group_by(*keys)
    bin_index = bin_expression(Review.seconds_to_review)
    bins = source.add_columns(*keys, bin_index, func.count()).group_by(*keys, bin_index)
    key_names = ["project_id", "labeler_id", "day"]
    deletes = [_delete(table, project_id, days) for table in (_REVIEW_ROLLUPS, _REVIEW_BINS, _REVIEWER_ROLLUPS)]
    reviewer_keys = [Task.project_id, Review.reviewer_id, day_bucket(Review.created_at)]
    labour = source.add_columns(*reviewer_keys, func.count(), func.sum(Review.seconds_to_review)).group_by(
        *reviewer_keys
    )
    return [
        *deletes,
        insert(_REVIEW_ROLLUPS).from_select([*key_names, "reviews", "thumbs_up", "seconds"], sums),
        insert(_REVIEW_BINS).from_select([*key_names, "bin", "reviews"], bins),
        insert(_REVIEWER_ROLLUPS).from_select(["project_id", "reviewer_id", "day", "reviews", "seconds"], labour),
        *_project_bins_statements(_REVIEW_BINS, _PROJECT_REVIEW_BINS, _VENDOR_REVIEW_BINS, "reviews", project_id, days),
    ]


def has_review(label_id: Any) -> Any:
    """Whether the label `label_id` has a review."""
    return select(Review.id).where(Review.label_id == label_id).exists()


def rebuild_statements(
    project_id: int | None = None, days: Collection[str] | None = None, *, histograms: bool = True
) -> list[Any]:
    """DELETE and INSERT ... SELECT statements that recompute the label rollups of one project, or of all; with
    `days`, only the project's rows of those UTC days (of submission). Without `histograms`, the day rows only
    (for a writer that moves the time-per-label histograms by its own differences)."""
    if days is not None and not days:
        return []

    def flag(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    day = day_bucket(Label.submitted_at)
    is_benchmark = and_(Task.is_benchmark, Task.gold_answer.is_not(None), answer_text(Task.gold_answer) != "null")
    accepted = Label.status == LabelStatus.ACCEPTED
    source = select().select_from(Label).join(Task, Task.id == Label.task_id)
    if days is not None:
        source = source.where(_of_project(project_id), in_days(Label.submitted_at, _days_of(project_id, days)))
    elif project_id is not None:
        source = source.where(Task.project_id == project_id)
    keys = [Task.project_id, Label.labeler_id, day]
    sums = source.add_columns(
        *keys,
        func.count(),
        func.sum(Label.seconds_to_label),
        func.sum(Label.rework_seconds),
        flag(Label.rework_count > 0),
        flag(accepted),
        flag(and_(accepted, Label.rework_count == 0)),
        flag(and_(accepted, Label.rework_count == 0, has_review(Label.id))),
        flag(or_(Label.status != LabelStatus.SUBMITTED, Label.rework_count > 0)),
        flag(is_benchmark),
        flag(and_(is_benchmark, answer_text(Label.answer) == answer_text(Task.gold_answer))),
    ).group_by(*keys)
    bin_index = bin_expression(Label.seconds_to_label)
    bins = source.add_columns(*keys, bin_index, func.count()).group_by(*keys, bin_index)
    rollups, histogram = _ROLLUPS, _BINS
    statements: list[Any] = [
        _delete(rollups, project_id, days),
        insert(rollups).from_select(["project_id", "labeler_id", "day", *_SUMS], sums),
    ]
    if not histograms:
        return statements
    statements.append(_delete(histogram, project_id, days))
    statements.append(insert(histogram).from_select(["project_id", "labeler_id", "day", "bin", "labels"], bins))
    statements += _project_bins_statements(_BINS, _PROJECT_BINS, _VENDOR_BINS, "labels", project_id, days)
    return statements


def _project_bins_statements(
    source: Table,
    target: Table,
    vendor_target: Table,
    count: str,
    project_id: int | None,
    days: Collection[str] | None,
) -> list[Any]:
    """Recompute the project-grain histogram `target` and its vendor-grain twin `vendor_target` from the
    per-labeler histogram `source` (already rebuilt over the same project and days): the labelers' rows summed per
    (project, day, bin) and per (vendor, project, day, bin)."""
    within: list[Any] = []
    if project_id is not None:
        within.append(source.c.project_id == project_id)
    if days is not None:
        within.append(source.c.day.in_(sorted(days)))
    keys = [source.c.project_id, source.c.day, source.c.bin]
    summed = select(*keys, func.sum(source.c[count])).where(*within).group_by(*keys)
    vendor_keys = [Labeler.vendor_id, *keys]
    by_vendor = (
        select(*vendor_keys, func.sum(source.c[count]))
        .join_from(source, Labeler, Labeler.id == source.c.labeler_id)
        .where(*within)
        .group_by(*vendor_keys)
    )
    return [
        _delete(target, project_id, days),
        insert(target).from_select(["project_id", "day", "bin", count], summed),
        _delete(vendor_target, project_id, days),
        insert(vendor_target).from_select(["vendor_id", "project_id", "day", "bin", count], by_vendor),
    ]


@dataclass(frozen=True, slots=True)
class ConsensusFacts:
    """What one consensus task with two or more labels adds to the consensus tables."""

    task_id: int
    project_id: int
    first_day: str
    last_day: str
    labels: int  # m
    agreeing: int  # Σ_c n_c(n_c-1)
    values: tuple[tuple[str, int], ...]  # (answer text, labels), sorted
    labelers: tuple[tuple[int, int, int, int], ...]  # (labeler, labels, agreeing pairs, pairs), sorted
    members: tuple[tuple[str, int], ...] = ()  # ('labeler', id) and ('vendor', id) of those with a label, sorted


async def consensus_facts(session: AsyncSession, task: Task) -> ConsensusFacts | None:
    """The task's consensus facts from its labels as the database holds them (pending changes flushed); None
    when it is no consensus task or holds fewer than two labels. Reads nothing for a task of one label."""

    if task.labels_required <= 1:
        return None
    await session.flush()
    rows = (
        await session.execute(
            select(Label.labeler_id, day_bucket(Label.submitted_at), answer_text(Label.answer), Labeler.vendor_id)
            .join(Labeler, Labeler.id == Label.labeler_id)
            .where(Label.task_id == task.id)
        )
    ).all()
    m = len(rows)
    if m < 2:
        return None
    counts = Counter(str(row[2]) for row in rows)
    labelers: dict[int, tuple[int, int, int]] = {}
    for labeler_id, _day, category, _vendor in rows:
        labels, agreeing, pairs = labelers.get(labeler_id, (0, 0, 0))
        labelers[labeler_id] = (labels + 1, agreeing + counts[str(category)] - 1, pairs + m - 1)
    days = [str(row[1]) for row in rows]
    return ConsensusFacts(
        task_id=task.id,
        project_id=task.project_id,
        first_day=min(days),
        last_day=max(days),
        labels=m,
        agreeing=sum(n * (n - 1) for n in counts.values()),
        values=tuple(sorted(counts.items())),
        labelers=tuple(sorted((labeler, *sums) for labeler, sums in labelers.items())),
        members=tuple(sorted({("labeler", int(row[0])) for row in rows} | {("vendor", int(row[3])) for row in rows})),
    )


async def _add_consensus(session: AsyncSession, facts: ConsensusFacts, sign: int) -> None:
    span = {"project_id": facts.project_id, "first_day": facts.first_day, "last_day": facts.last_day}
    await _bump(
        session, _CONSENSUS_SPANS, {**span, "labels": facts.labels}, {"units": sign, "agreeing": sign * facts.agreeing}
    )
    for category, labels in facts.values:
        await _bump(session, _CONSENSUS_VALUES, {**span, "category": category}, {"labels": sign * labels})
    for labeler_id, labels, agreeing, pairs in facts.labelers:
        await _bump(
            session,
            _CONSENSUS_LABELERS,
            {**span, "labeler_id": labeler_id},
            {"labels": sign * labels, "agreeing": sign * agreeing, "pairs": sign * pairs},
        )
    for kind, member_id in facts.members:
        member = {**span, "kind": kind, "member_id": member_id}
        await _bump(
            session,
            _CONSENSUS_MEMBERS,
            {**member, "labels": facts.labels},
            {"units": sign, "agreeing": sign * facts.agreeing},
        )
        for category, labels in facts.values:
            await _bump(session, _CONSENSUS_MEMBER_VALUES, {**member, "category": category}, {"labels": sign * labels})


async def consensus_changed(session: AsyncSession, before: ConsensusFacts | None, after: ConsensusFacts | None) -> None:
    """Move the consensus tables from a task's `before` facts to its `after` facts (either may be None)."""
    if before == after:
        return
    tasks = _CONSENSUS_TASKS
    if before is not None:
        await _add_consensus(session, before, -1)
        await session.execute(tasks.delete().where(tasks.c.task_id == before.task_id))
    if after is not None:
        await _add_consensus(session, after, 1)
        await session.execute(
            tasks.insert().values(
                task_id=after.task_id, project_id=after.project_id, first_day=after.first_day, last_day=after.last_day
            )
        )


def consensus_rebuild_statements(
    project_id: int | None = None,
    spans: Collection[tuple[str, str]] | None = None,
    tasks: Collection[int] | None = None,
) -> list[Any]:
    """DELETE and INSERT ... SELECT statements that recompute the consensus tables of one project, or of all; with
    `spans` ((first_day, last_day) pairs), only the project's rows of those spans. A change to some tasks' labels
    needs the spans the tasks had before and have after it. `tasks`, when given with `spans`, limits the labels
    read to those tasks: it must hold every task whose span is one of `spans` after the change."""
    if spans is not None:
        if project_id is None:
            raise ValueError("recomputing some spans needs the project")
        spans = sorted(set(spans))

    source = consensus_label_source(project_id, tasks if spans is not None else None)
    values = source.cte("consensus_labels")
    v = values.c
    units = (
        select(
            v.task_id,
            v.project_id,
            func.min(v.day).label("first_day"),
            func.max(v.day).label("last_day"),
            func.count().label("m"),
        )
        .group_by(v.task_id, v.project_id)
        .having(func.count() >= 2, *([] if spans is None else [tuple_(func.min(v.day), func.max(v.day)).in_(spans)]))
        .cte("consensus_units")
    )
    u = units.c
    cells = (
        select(v.task_id, v.category, func.count().label("n")).group_by(v.task_id, v.category).cte("consensus_cells")
    )
    c = cells.c
    agreeing = (
        select(c.task_id, func.sum(c.n * (c.n - 1)).label("agreeing")).group_by(c.task_id).cte("consensus_agreeing")
    )
    # Each label with its task's span and counts, by window functions (no join back to the per-task groups).
    by_label = select(
        v.project_id,
        v.labeler_id,
        func.min(v.day).over(partition_by=v.task_id).label("first_day"),
        func.max(v.day).over(partition_by=v.task_id).label("last_day"),
        func.count().over(partition_by=v.task_id).label("m"),
        func.count().over(partition_by=[v.task_id, v.category]).label("n"),
    ).subquery("consensus_by_label")
    # Each task's members: its labelers, and its labelers' vendors once each.
    members = union(
        select(v.task_id, literal("labeler").label("kind"), v.labeler_id.label("member_id")),
        select(v.task_id, literal("vendor").label("kind"), v.vendor_id.label("member_id")),
    ).cte("consensus_members")
    mb = members.c
    span = [u.project_id, u.first_day, u.last_day]
    span_names = ["project_id", "first_day", "last_day"]
    in_spans: list[Any] = []
    if spans is not None:
        if not spans:
            return []
        in_spans = [tuple_(by_label.c.first_day, by_label.c.last_day).in_(spans)]
    return [
        *consensus_delete_statements(project_id, spans),
        insert(_CONSENSUS_TASKS).from_select(["task_id", *span_names], select(u.task_id, *span)),
        insert(_CONSENSUS_SPANS).from_select(
            [*span_names, "labels", "units", "agreeing"],
            select(*span, u.m, func.count(), func.sum(agreeing.c.agreeing))
            .join_from(units, agreeing, agreeing.c.task_id == u.task_id)
            .group_by(*span, u.m),
        ),
        insert(_CONSENSUS_VALUES).from_select(
            [*span_names, "category", "labels"],
            select(*span, c.category, func.sum(c.n))
            .join_from(units, cells, c.task_id == u.task_id)
            .group_by(*span, c.category),
        ),
        insert(_CONSENSUS_LABELERS).from_select(
            [*span_names, "labeler_id", "labels", "agreeing", "pairs"],
            select(by_label.c.project_id, by_label.c.first_day, by_label.c.last_day, by_label.c.labeler_id)
            .add_columns(func.count(), func.sum(by_label.c.n - 1), func.sum(by_label.c.m - 1))
            .where(by_label.c.m >= 2, *in_spans)
            .group_by(by_label.c.project_id, by_label.c.first_day, by_label.c.last_day, by_label.c.labeler_id),
        ),
        insert(_CONSENSUS_MEMBERS).from_select(
            [*span_names, "labels", "kind", "member_id", "units", "agreeing"],
            select(*span, u.m, mb.kind, mb.member_id, func.count(), func.sum(agreeing.c.agreeing))
            .join_from(units, agreeing, agreeing.c.task_id == u.task_id)
            .join(members, mb.task_id == u.task_id)
            .group_by(*span, u.m, mb.kind, mb.member_id),
        ),
        insert(_CONSENSUS_MEMBER_VALUES).from_select(
            [*span_names, "kind", "member_id", "category", "labels"],
            select(*span, mb.kind, mb.member_id, c.category, func.sum(c.n))
            .join_from(units, members, mb.task_id == u.task_id)
            .join(cells, c.task_id == u.task_id)
            .group_by(*span, mb.kind, mb.member_id, c.category),
        ),
    ]


_CONSENSUS_TABLES = (
    _CONSENSUS_TASKS,
    _CONSENSUS_SPANS,
    _CONSENSUS_VALUES,
    _CONSENSUS_LABELERS,
    _CONSENSUS_MEMBERS,
    _CONSENSUS_MEMBER_VALUES,
)


def consensus_delete_statements(
    project_id: int | None = None, spans: Collection[tuple[str, str]] | None = None
) -> list[Any]:
    """DELETE statements that empty the consensus tables of one project, or of all; with `spans`, only the
    project's rows of those spans."""
    if spans is None:
        return [
            delete(table) if project_id is None else delete(table).where(table.c.project_id == project_id)
            for table in _CONSENSUS_TABLES
        ]
    if project_id is None:
        raise ValueError("recomputing some spans needs the project")
    ordered = sorted(set(spans))
    return [
        delete(table).where(table.c.project_id == project_id, tuple_(table.c.first_day, table.c.last_day).in_(ordered))
        for table in _CONSENSUS_TABLES
    ]


def _of_project(project_id: int | None) -> Any:
    """The project condition of a recount of some days or tasks, written so no planner starts from the project's
    tasks (`+ 0` keeps SQLite off the project index): the days' or tasks' own index reads far fewer rows."""
    return (Task.project_id + 0) == project_id


def _days_of(project_id: int | None, days: Collection[str]) -> Collection[str]:
    if project_id is None:
        raise ValueError("recomputing some days needs the project")
    return days


def _delete(table: Table, project_id: int | None, days: Collection[str] | None) -> Any:
    if project_id is None:
        return delete(table)
    statement = delete(table).where(table.c.project_id == project_id)
    return statement if days is None else statement.where(table.c.day.in_(sorted(days)))


async def rebuild_rollups(session: AsyncSession | AsyncConnection, project_id: int | None = None) -> None:
    """Recompute the rollups of one project (or of all) from its labels, reviews and tasks, and its consensus
    tables, in the caller's transaction."""
    for statement in [
        *rebuild_statements(project_id),
        *review_rebuild_statements(project_id),
        *consensus_rebuild_statements(project_id),
        *completion_rebuild_statements(project_id),
    ]:
        await session.execute(statement)
