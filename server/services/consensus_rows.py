"""The rows of the consensus tables, counted in Python from the labels of some consensus tasks.

`consensus_rebuild_statements` counts them in SQL with INSERT ... SELECT over common table expressions; on SQLite
that recount, repeated for every batch of an import, cost more than writing the labels themselves. A batch already
knows which tasks it touched, so it reads their labels once (`consensus_label_source`, the same rows the SQL
recount reads), counts here and writes plain rows. Both paths give the same rows: the import tests compare them
with a full rebuild.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Select, Table, select

from server.db.models import Label, Labeler, Task
from server.db.rollup_tables import (
    ConsensusSpan,
    ConsensusSpanLabeler,
    ConsensusSpanMember,
    ConsensusSpanMemberValue,
    ConsensusSpanValue,
    ConsensusTask,
)
from server.db.sql import answer_text, day_bucket

__all__ = ["ConsensusLabel", "ConsensusRows", "consensus_label_source", "count_consensus_rows"]

# One label of a consensus task: (task id, project id, labeler id, vendor id, UTC day, answer text).
ConsensusLabel = tuple[int, int, int, int, str, str]
_Span = tuple[int, str, str]  # (project id, first day, last day)


def consensus_label_source(
    project_id: int | None = None, tasks: Collection[int] | None = None
) -> Select[int, int, int, int, str, str]:
    """The labels of consensus tasks, one row each in `ConsensusLabel`'s order: of all projects, of one, or of
    some of one project's tasks."""
    source = (
        select(
            Label.task_id.label("task_id"),
            Task.project_id.label("project_id"),
            Label.labeler_id.label("labeler_id"),
            Labeler.vendor_id.label("vendor_id"),
            day_bucket(Label.submitted_at).label("day"),
            answer_text(Label.answer).label("category"),
        )
        .join(Task, Task.id == Label.task_id)
        .join(Labeler, Labeler.id == Label.labeler_id)
        .where(Task.labels_required > 1)
    )
    if tasks is not None:
        # `+ 0` keeps SQLite off the project index: the tasks' own index reads far fewer rows.
        return source.where((Task.project_id + 0) == project_id, Label.task_id.in_(sorted(tasks)))
    return source if project_id is None else source.where(Task.project_id == project_id)


@dataclass
class ConsensusRows:
    """Rows for each consensus table, as tuples in the column order the names beside them give."""

    # (task_id, project_id, first_day, last_day)
    tasks: list[tuple[int, int, str, str]] = field(default_factory=list)
    # (project_id, first_day, last_day, labels, units, agreeing)
    spans: list[tuple[int, str, str, int, int, int]] = field(default_factory=list)
    # (project_id, first_day, last_day, category, labels)
    values: list[tuple[int, str, str, str, int]] = field(default_factory=list)
    # (project_id, first_day, last_day, labeler_id, labels, agreeing, pairs)
    labelers: list[tuple[int, str, str, int, int, int, int]] = field(default_factory=list)
    # (project_id, first_day, last_day, labels, kind, member_id, units, agreeing)
    members: list[tuple[int, str, str, int, str, int, int, int]] = field(default_factory=list)
    # (project_id, first_day, last_day, kind, member_id, category, labels)
    member_values: list[tuple[int, str, str, str, int, str, int]] = field(default_factory=list)

    def by_table(self) -> list[tuple[Table, tuple[str, ...], list[tuple[Any, ...]]]]:
        """Each table, its columns in the order of the rows' values, and its rows."""
        return [
            (_table(ConsensusTask), ("task_id", *_SPAN), list(self.tasks)),
            (_table(ConsensusSpan), (*_SPAN, "labels", "units", "agreeing"), list(self.spans)),
            (_table(ConsensusSpanValue), (*_SPAN, "category", "labels"), list(self.values)),
            (_table(ConsensusSpanLabeler), (*_SPAN, "labeler_id", "labels", "agreeing", "pairs"), list(self.labelers)),
            (
                _table(ConsensusSpanMember),
                (*_SPAN, "labels", "kind", "member_id", "units", "agreeing"),
                list(self.members),
            ),
            (
                _table(ConsensusSpanMemberValue),
                (*_SPAN, "kind", "member_id", "category", "labels"),
                list(self.member_values),
            ),
        ]


_SPAN = ("project_id", "first_day", "last_day")


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def count_consensus_rows(
    labels: Iterable[ConsensusLabel], spans: Collection[tuple[str, str]] | None = None
) -> ConsensusRows:
    """The consensus tables' rows of the tasks among `labels` with two or more labels (all of each such task's
    labels must be given), limited to the tasks whose (first day, last day) is one of `spans` when given: the
    definitions of `consensus_rebuild_statements`."""
    by_task: dict[int, list[ConsensusLabel]] = {}
    for label in labels:
        by_task.setdefault(label[0], []).append(label)
    wanted = None if spans is None else set(spans)
    span_units: Counter[tuple[int, str, str, int]] = Counter()
    span_agreeing: Counter[tuple[int, str, str, int]] = Counter()
    values: Counter[tuple[int, str, str, str]] = Counter()
    labelers: dict[tuple[int, str, str, int], list[int]] = {}
    member_units: Counter[tuple[int, str, str, int, str, int]] = Counter()
    member_agreeing: Counter[tuple[int, str, str, int, str, int]] = Counter()
    member_values: Counter[tuple[int, str, str, str, int, str]] = Counter()
    out = ConsensusRows()
    for task_id, rows in by_task.items():
        m = len(rows)
        if m < 2:
            continue
        days = [row[4] for row in rows]
        project_id, first, last = rows[0][1], min(days), max(days)
        if wanted is not None and (first, last) not in wanted:
            continue
        out.tasks.append((task_id, project_id, first, last))
        span: _Span = (project_id, first, last)
        cells = Counter(row[5] for row in rows)
        agreeing = sum(n * (n - 1) for n in cells.values())
        span_units[(*span, m)] += 1
        span_agreeing[(*span, m)] += agreeing
        for category, n in cells.items():
            values[(*span, category)] += n
        for row in rows:
            sums = labelers.setdefault((*span, row[2]), [0, 0, 0])
            sums[0] += 1
            sums[1] += cells[row[5]] - 1
            sums[2] += m - 1
        # A member counts once per task however many of its labels the task holds; its values are the task's.
        members = {("labeler", row[2]) for row in rows} | {("vendor", row[3]) for row in rows}
        for kind, member_id in members:
            member_units[(*span, m, kind, member_id)] += 1
            member_agreeing[(*span, m, kind, member_id)] += agreeing
            for category, n in cells.items():
                member_values[(*span, kind, member_id, category)] += n
    out.spans = [(*key, units, span_agreeing[key]) for key, units in span_units.items()]
    out.values = [(*key, n) for key, n in values.items()]
    out.labelers = [(*key, sums[0], sums[1], sums[2]) for key, sums in labelers.items()]
    out.members = [(*key, units, member_agreeing[key]) for key, units in member_units.items()]
    out.member_values = [(*key, n) for key, n in member_values.items()]
    return out
