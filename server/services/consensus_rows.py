"""The rows of the consensus tables, counted in Python from the labels of some consensus tasks.

`consensus_rebuild_statements` counts them in SQL with INSERT ... SELECT over common table expressions; on SQLite
that recount, repeated for every batch of an import, cost more than writing the labels themselves. A batch already
knows which tasks it touched, so it reads their labels once (`consensus_label_source`, the same rows the SQL
recount reads), counts here and writes plain rows. Both paths give the same rows: the import tests compare them
with a full rebuild.
"""

from __future__ import annotations

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
        found = by_task.get(label[0])
        if found is None:
            by_task[label[0]] = [label]
        else:
            found.append(label)
    wanted = None if spans is None else set(spans)
    out = ConsensusRows()
    # The sums go per span first, under short keys: this loop runs for every label of every task counted.
    per_span: dict[_Span, _SpanSums] = {}
    for task_id, rows in by_task.items():
        m = len(rows)
        if m < 2:
            continue
        days = [row[4] for row in rows]
        first, last = min(days), max(days)
        if wanted is not None and (first, last) not in wanted:
            continue
        span = (rows[0][1], first, last)
        out.tasks.append((task_id, *span))
        sums = per_span.get(span)
        if sums is None:
            sums = per_span[span] = _SpanSums()
        cells: dict[str, int] = {}
        for row in rows:
            cells[row[5]] = cells.get(row[5], 0) + 1
        agreeing = sum(n * (n - 1) for n in cells.values())
        units = sums.units.get(m)
        sums.units[m] = (1, agreeing) if units is None else (units[0] + 1, units[1] + agreeing)
        values = sums.values
        for category, n in cells.items():
            values[category] = values.get(category, 0) + n
        labelers = sums.labelers
        # A member counts once per task however many of its labels the task holds; its values are the task's.
        members = {("labeler", row[2]) for row in rows}
        for row in rows:
            members.add(("vendor", row[3]))
            before = labelers.get(row[2])
            agree = cells[row[5]] - 1
            labelers[row[2]] = (
                (1, agree, m - 1) if before is None else (before[0] + 1, before[1] + agree, before[2] + m - 1)
            )
        member_units, member_values = sums.members, sums.member_values
        for member in members:
            key = (m, *member)
            counted = member_units.get(key)
            member_units[key] = (1, agreeing) if counted is None else (counted[0] + 1, counted[1] + agreeing)
            for category, n in cells.items():
                value_key = (*member, category)
                member_values[value_key] = member_values.get(value_key, 0) + n
    for span, sums in per_span.items():
        out.spans.extend((*span, m, units, agreeing) for m, (units, agreeing) in sums.units.items())
        out.values.extend((*span, category, n) for category, n in sums.values.items())
        out.labelers.extend((*span, labeler, *totals) for labeler, totals in sums.labelers.items())
        out.members.extend((*span, *key, *totals) for key, totals in sums.members.items())
        out.member_values.extend((*span, *key, n) for key, n in sums.member_values.items())
    return out


@dataclass
class _SpanSums:
    """One span's sums while counting, keyed by what each table adds to the span's key."""

    units: dict[int, tuple[int, int]] = field(default_factory=dict)  # m -> (units, agreeing)
    values: dict[str, int] = field(default_factory=dict)  # category -> labels
    labelers: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # -> (labels, agreeing, pairs)
    members: dict[tuple[int, str, int], tuple[int, int]] = field(default_factory=dict)  # (m, kind, id) -> ...
    member_values: dict[tuple[str, int, str], int] = field(default_factory=dict)  # (kind, id, category) -> labels
