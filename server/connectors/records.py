"""The normalized records every import format produces, and the contract a format implements.

A format turns a file into a stream of `TaskRecord`s (a task to know about, labeled or not), `LabelRecord`s
(one labeler's answer to one task, with its timings, gold flag and reviews) and `Rejection`s (a row that cannot
be read, with its line number and why). Records carry the source's own ids; the importer keys everything by them.

Records are read-only by convention, not frozen: a frozen dataclass sets each field through `object.__setattr__`,
which made building a `LabelRecord` cost about 5.5 us against 0.8 us (a second of a 200,000-row import's parse).
Nothing hashes them or keeps them past their batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Protocol

from server.db.enums import ReviewVerdict
from server.services.workflow.common import MAX_SECONDS

__all__ = [
    "MAX_SECONDS",
    "Format",
    "LabelRecord",
    "Record",
    "Rejection",
    "ReviewRecord",
    "TaskRecord",
    "flag",
    "id_problem",
    "non_finite",
    "person_key",
    "problem",
    "seconds",
    "source_id",
]

MAX_ID_LENGTH = 200  # the external id columns' width
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


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


def seconds(value: Any, field: str) -> float | None:
    """A duration as the source gives it (None when it does not); ValueError naming `field` for anything but a
    number of seconds from 0 to `MAX_SECONDS` (booleans, text, NaN and infinities included)."""
    if type(value) is float and 0.0 <= value <= MAX_SECONDS:  # the common case, first (NaN fails the range)
        return value
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_SECONDS:
        raise ValueError(f"{field} must be a number of seconds from 0 to {MAX_SECONDS}, got {value!r:.60}")
    return float(value)


def source_id(value: Any, field: str) -> str:
    """An id as the source gives it: text or an integer (not a boolean, a fraction, a list or an object)."""
    if type(value) is str and value and not value.isspace():  # the common case, first
        return value
    if isinstance(value, bool) or not isinstance(value, str | int) or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{field} must be an id (text or an integer), got {value!r:.60}")
    return str(value)


def problem(record: TaskRecord | LabelRecord) -> str | None:
    """Why a record cannot be stored as it is (None: it can): ids the id columns cannot hold (longer than
    `MAX_ID_LENGTH`, a NUL character, which PostgreSQL text refuses, or half of a UTF-16 surrogate pair, which
    UTF-8 cannot encode), or a duration out of range. Its free text (payload, labeler name) is cleaned in place
    instead, and people named by e-mail are keyed by `person_key`. Runs on every record: the common case (short
    ASCII ids) costs a few string tests."""
    if isinstance(record, TaskRecord):
        if _unusual(record.payload):
            record.payload = _clean(record.payload)
        return id_problem(record.task, "task id")
    task, label, labeler = record.task, record.label, record.labeler
    if (
        len(task) > MAX_ID_LENGTH
        or len(label) > MAX_ID_LENGTH
        or len(labeler) > MAX_ID_LENGTH
        or _unusual(f"{task}{label}{labeler}")
    ):
        for value, what in ((task, "task id"), (label, "label id"), (labeler, "labeler id")):
            if (reason := id_problem(value, what)) is not None:
                return reason
    if record.vendor is not None and (reason := id_problem(record.vendor, "vendor")) is not None:
        return reason
    if record.seconds is not None and not 0 <= record.seconds <= MAX_SECONDS:
        return f"seconds to label must be from 0 to {MAX_SECONDS}, got {record.seconds!r}"
    for review in record.reviews:
        for value, what in ((review.review, "review id"), (review.reviewer, "reviewer id")):
            if (reason := id_problem(value, what)) is not None:
                return reason
        if not 0 <= review.seconds <= MAX_SECONDS:
            return f"review {review.review}: seconds to review must be from 0 to {MAX_SECONDS}, got {review.seconds!r}"
        review.reviewer = person_key(review.reviewer)
    if _unusual(record.payload):
        record.payload = _clean(record.payload)
    if record.labeler_name is not None and _unusual(record.labeler_name):
        record.labeler_name = _clean(record.labeler_name) or None
    if (key := person_key(labeler)) != labeler:
        record.labeler_name = record.labeler_name or labeler  # shown as the source wrote it
        record.labeler = key
    return None


def _unusual(text: str) -> bool:
    """Whether `text` may hold a NUL or an unpaired surrogate (plain ASCII text without NUL holds neither)."""
    return "\x00" in text or not text.isascii()


def person_key(external: str) -> str:
    """The key of a labeler or reviewer: an e-mail address without case (Ann@Example.com and ann@example.com are one
    person, as mail systems treat them), any other id as the source gives it."""
    return external.lower() if "@" in external else external


def id_problem(value: str, what: str) -> str | None:
    """Why `value` cannot be stored as an id (or a vendor's name): too long, a NUL, an unpaired surrogate."""
    if len(value) > MAX_ID_LENGTH:
        return f"{what} {value[:40]!r}... is longer than {MAX_ID_LENGTH} characters"
    if "\x00" in value:
        return f"{what} {value!r:.60} holds a NUL character"
    if not value.isascii() and not _encodable(value):
        return f"{what} {value!r:.60} holds an unpaired UTF-16 surrogate (not a character)"
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _clean(text: str) -> str:
    """`text` without NUL characters and unpaired surrogates (a database's text cannot hold them)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if text.isascii() or _encodable(text):
        return text
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def flag(value: Any, field: str) -> bool:
    """A yes/no field: JSON booleans, 0 and 1, or their text ("false" is no); ValueError naming `field` otherwise."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
    raise ValueError(f"{field} must be true or false, got {value!r:.60}")


def non_finite(value: Any, field: str) -> str | None:
    """Why `value` (read from JSON) cannot be stored as JSON: it holds NaN or an infinity, which Python's JSON reader
    takes (1e400 is infinite) and no database's JSON holds; None when it can."""
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return f"{field} holds NaN or an infinite number, which JSON cannot store"
    return None
