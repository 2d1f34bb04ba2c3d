"""The rows an import compares and writes: a label's and a task's stored state, and the rules deriving a label's
status from its reviews and a task's completion from its labels."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from server.connectors.records import LabelRecord
from server.db.enums import LabelStatus, ReviewVerdict, TaskStatus

__all__ = [
    "LABEL_COLUMNS",
    "LabelState",
    "TaskState",
    "completion",
    "day",
    "differs",
    "label_status",
    "label_values",
    "started",
]

_VERDICT_STATUS = {ReviewVerdict.THUMBS_UP: LabelStatus.ACCEPTED, ReviewVerdict.THUMBS_DOWN: LabelStatus.REJECTED}


def day(moment: datetime) -> str:
    """The UTC day of a moment, as `day_bucket` writes it."""
    return _day_text((moment if moment.tzinfo is UTC else moment.astimezone(UTC)).toordinal())


@lru_cache(maxsize=4096)
def _day_text(ordinal: int) -> str:
    # An import asks for the day of every label it settles, over a few dozen distinct days: formatting each day
    # once (a cached lookup of its ordinal) costs a third of `date().isoformat()` per call.
    return date.fromordinal(ordinal).isoformat()


@dataclass(slots=True)  # one per label of a batch: slots make it cheaper to build and read
class LabelState:
    """A label as stored (or about to be), with what decides its status."""

    id: int | None
    task_id: int
    labeler_id: int
    external_id: str | None
    answer: Any
    source_result: Any
    status: LabelStatus
    started_at: datetime
    submitted_at: datetime
    seconds: float
    rework_count: int
    #: The guideline version in force when the label was started (none where the project has no versions).
    guideline_version_id: int | None = None


@dataclass(slots=True)
class TaskState:
    id: int
    external_id: str
    payload_ref: str
    created_at: datetime
    labels_required: int
    status: TaskStatus
    completed_at: datetime | None
    is_benchmark: bool
    gold_answer: Any


def started(record: LabelRecord) -> datetime:
    if record.started_at is not None:
        return record.started_at
    return record.submitted_at - timedelta(0, record.seconds or 0.0)  # (days, seconds): a keyword call costs more


def label_status(
    reviews: Collection[tuple[ReviewVerdict, datetime]], verdict: ReviewVerdict | None
) -> tuple[LabelStatus, int]:
    """A label's status and rework count from its reviews (the latest decides; each thumbs down before it sent
    the label to rework once), else from a bare verdict, else accepted without review."""
    if not reviews:  # most imported labels: no sort to set up
        return (_VERDICT_STATUS[verdict] if verdict else LabelStatus.ACCEPTED), 0
    ordered = sorted(reviews, key=lambda review: review[1])
    downs = sum(1 for v, _at in ordered if v is ReviewVerdict.THUMBS_DOWN)
    last = ordered[-1][0]
    return _VERDICT_STATUS[last], downs - (1 if last is ReviewVerdict.THUMBS_DOWN else 0)


def completion(labels: list[LabelState], required: int) -> datetime | None:
    """When the `required`-th accepted label was submitted (the source's review times are not the completion's)."""
    if len(labels) == 1:  # most tasks: nothing to sort
        only = labels[0]
        return only.submitted_at if required == 1 and only.status is LabelStatus.ACCEPTED else None
    accepted = sorted(s.submitted_at for s in labels if s.status is LabelStatus.ACCEPTED)
    return accepted[required - 1] if len(accepted) >= required else None


def differs(before: LabelState, after: LabelState) -> bool:
    return (
        before.answer != after.answer
        or before.source_result != after.source_result
        or before.status is not after.status
        or before.started_at != after.started_at
        or before.submitted_at != after.submitted_at
        or before.seconds != after.seconds
        or before.rework_count != after.rework_count
        or before.labeler_id != after.labeler_id
        or before.guideline_version_id != after.guideline_version_id
    )


LABEL_COLUMNS = (
    "task_id",
    "labeler_id",
    "external_id",
    "answer",
    "source_result",
    "status",
    "started_at",
    "submitted_at",
    "seconds_to_label",
    "rework_count",
    "guideline_version_id",
)


def label_values(state: LabelState) -> tuple[Any, ...]:
    """A label's stored values, in the order of `LABEL_COLUMNS`."""
    return (
        state.task_id,
        state.labeler_id,
        state.external_id,
        state.answer,
        state.source_result,
        state.status,
        state.started_at,
        state.submitted_at,
        state.seconds,
        state.rework_count,
        state.guideline_version_id,
    )
