"""The normalized records every import format produces, and the contract a format implements.

A format turns a file into a stream of `TaskRecord`s (a task to know about, labeled or not), `LabelRecord`s
(one labeler's answer to one task, with its timings, gold flag and reviews) and `Rejection`s (a row that cannot
be read, with its line number and why). Records carry the source's own ids; the importer keys everything by them.

Records are read-only by convention, not frozen: a frozen dataclass sets each field through `object.__setattr__`,
which made building a `LabelRecord` cost about 5.5 us against 0.8 us (a second of a 200,000-row import's parse).
Nothing hashes them or keeps them past their batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Protocol

from server.db.enums import ReviewVerdict

__all__ = ["Format", "LabelRecord", "Record", "Rejection", "ReviewRecord", "TaskRecord"]


@dataclass(slots=True)
class TaskRecord:
    """A task the source knows about; `created_at` None when the source does not say."""

    line: int
    task: str
    payload: str = ""
    created_at: datetime | None = None


@dataclass(slots=True)
class ReviewRecord:
    """A reviewer's verdict on a label; `seconds` 0 when the source does not time reviews."""

    review: str
    reviewer: str
    verdict: ReviewVerdict
    created_at: datetime
    seconds: float = 0.0


@dataclass(slots=True)
class LabelRecord:
    """One labeler's answer to one task.

    `answer` is what agreement and gold accuracy compare (a dict of categorical fields when the source's answer
    is categorical); `result` is the source's own answer, kept as it came. `gold` says this answer is the task's
    ground truth; `gold_answer` gives a task's ground truth that is not itself a label (a crowd platform's gold
    column). `seconds` None means the source did not time the label (stored as 0 and reported).
    `verdict` is a review outcome the source gives without a reviewer or time (it sets the label's status only).
    """

    line: int
    task: str
    label: str
    labeler: str
    answer: Any
    submitted_at: datetime
    seconds: float | None
    result: Any = None
    started_at: datetime | None = None
    gold: bool = False
    gold_answer: Any = None
    vendor: str | None = None
    payload: str = ""
    task_created_at: datetime | None = None
    reviews: tuple[ReviewRecord, ...] = ()
    verdict: ReviewVerdict | None = None
    labeler_name: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not imported: its line number in the file (1-based) and the reason."""

    line: int
    reason: str


Record = TaskRecord | LabelRecord | Rejection


class Format(Protocol):
    """One source format. `read` yields records as it parses (so a large file streams); `notes` collects what the
    whole file lacks (say, an export made without timings), filled in by the time `read` is exhausted;
    `skipped` collects rows read on purpose without importing (cancelled annotations), as (line, reason)."""

    name: str
    default_vendor: str
    notes: list[str]
    skipped: list[tuple[int, str]]

    def read(self, stream: IO[str]) -> Iterator[Record]: ...


@dataclass
class FormatState:
    """The bookkeeping every format shares (`notes`, `skipped`)."""

    notes: list[str] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
