"""Labelbox export v2: NDJSON, one data row per line.

Read per line: `data_row` (`id`, `global_key`, `row_data`; `details.created_at` when exported) and, for every
project under `projects`, its `labels[]`: `id`, `annotations.classifications[]` (`radio_answer`,
`checklist_answers`, `text_answer`: the comparable answer `{classification value: answer value}`), `label_details`
(`created_at`, `created_by`, `reviews[]` with `id`, `reviewed_by`, `reviewed_at`, `review_action`),
`performance_details` (`seconds_to_create`, else `seconds_to_label`; `seconds_to_review` is shared among the
label's reviews; `skipped`: the labeler skipped the row, not imported and reported as skipped) and
`is_benchmark_reference` (gold). An export made without `label_details` still imports its
tasks (its labels have no author or time and are skipped); one without `performance_details` imports its labels
with 0 seconds. Both say so in the report's notes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from server.connectors.json_reading import read_json
from server.connectors.records import (
    FormatState,
    LabelRecord,
    Record,
    Rejection,
    ReviewRecord,
    TaskRecord,
    flag,
    non_finite,
    source_id,
)
from server.connectors.records import seconds as seconds_of
from server.connectors.times import TimeReader
from server.db.enums import ReviewVerdict

__all__ = ["LabelboxFormat", "author", "comparable_answer"]

_APPROVE = {"approve", "approved", "accept", "accepted", "1", "+1"}
_REJECT = {"reject", "rejected", "decline", "-1"}


class LabelboxFormat(FormatState):
    name = "labelbox"
    default_vendor = "Labelbox"

    def __init__(self, naive_zone: str = "UTC") -> None:
        super().__init__()
        self._time = TimeReader(None, naive_zone)
        self._without_details = 0
        self._suspect = False  # whether the row being read may hold NaN or infinities (checked per label then)
        self._untimed = 0

    def read(self, stream: IO[str]) -> Iterator[Record]:
        yield from self._rows(stream)
        if self._without_details:
            self.notes.append(
                f"export made without label_details: {self._without_details} labels have no author or time and "
                "were not imported (their tasks were); export with label_details to import them"
            )
        if self._untimed:
            self.notes.append(
                f"export made without performance_details: {self._untimed} labels imported with 0 seconds to label"
            )

    def _rows(self, stream: IO[str]) -> Iterator[Record]:
        """NDJSON, one row a line; a file that is one JSON document instead (a list of rows, as older exports and
        `json.dump` write, or one row spread over lines) is read whole, its rows placed by their position."""
        lines = iter(stream)
        first = True  # no non-blank line read yet
        for number, line in enumerate(lines, start=1):
            if number == 1:
                line = line.removeprefix("\ufeff")  # a byte order mark, left by an editor or a pasted file
            if not line.strip():
                continue
            if first:
                first = False
                try:
                    row, strict = read_json(line)
                    self._suspect = not strict
                except json.JSONDecodeError as error:
                    # One document over several lines, or a bad first row.
                    yield from self._document(number, line, lines, error.msg)
                    return
                if isinstance(row, list):  # a JSON list of rows on one line
                    yield from self._listed(row)
                else:
                    yield from self.row_records(number, row)
                continue
            yield from self._line(number, line)

    def _document(self, number: int, first: str, rest: Iterator[str], first_error: str) -> Iterator[Record]:
        """The file from line `number` on, read as one JSON document; if it is not one, its lines are read as NDJSON
        after all (a broken first row) unless the first line is a lone bracket, which only a document starts with."""
        lines = [first, *rest]
        try:
            text = "".join(lines)
            document, strict = read_json(text)
            self._suspect = not strict
        except json.JSONDecodeError as error:
            if first.strip() in ("[", "{"):
                line = number + error.lineno - 1
                yield Rejection(line, f"not JSON: {error.msg} (line {line} column {error.colno})")
                return
            yield Rejection(number, f"not JSON: {first_error}")
            for offset, line_text in enumerate(lines[1:], start=1):
                yield from self._line(number + offset, line_text)
            return
        if isinstance(document, list):
            yield from self._listed(document)
        else:
            yield from self.row_records(number, document)

    def _line(self, number: int, line: str) -> Iterator[Record]:
        if not line.strip():
            return
        try:
            row, strict = read_json(line)
            self._suspect = not strict
        except json.JSONDecodeError as error:
            yield Rejection(number, f"not JSON: {error.msg}")
            return
        yield from self.row_records(number, row)

    def _listed(self, rows: list[Any]) -> Iterator[Record]:
        for position, row in enumerate(rows, start=1):
            yield from self.row_records(position, row)

    def row_records(self, number: int, row: Any) -> Iterator[Record]:
        data_row = row.get("data_row") if isinstance(row, dict) else None
        if not isinstance(data_row, dict) or not data_row.get("id"):
            yield Rejection(number, "line without `data_row.id`")
            return
        try:
            task = source_id(data_row["id"], "data_row.id")
        except ValueError as error:
            yield Rejection(number, str(error))
            return
        payload = str(data_row.get("row_data") or data_row.get("global_key") or "")[:2000]
        details = row.get("data_row_details") or data_row.get("details") or {}
        if not isinstance(details, dict):
            yield Rejection(number, f"data row {task}: `details` must be an object, got {details!r:.60}")
            return
        try:
            created = self._time(details["created_at"]) if details.get("created_at") else None
        except ValueError as error:
            yield Rejection(number, f"data row {task}: created_at {error}")
            return
        yield TaskRecord(number, task, payload, created)
        projects = row.get("projects") or {}
        if not isinstance(projects, dict):
            yield Rejection(number, f"data row {task}: `projects` is not an object")
            return
        for key, project in projects.items():
            labels = (project or {}).get("labels") if isinstance(project, dict | None) else None
            if not isinstance(labels, list | None):
                yield Rejection(number, f"data row {task}: `projects.{key}.labels` is not a list")
                continue
            if not isinstance(project, dict | None):
                yield Rejection(number, f"data row {task}: `projects.{key}` is not an object")
                continue
            for label in labels or []:
                record = self._label(number, task, payload, created, label)
                if record is not None:
                    yield record

    def _label(self, number: int, task: str, payload: str, created: Any, label: Any) -> LabelRecord | Rejection | None:
        if not isinstance(label, dict) or not label.get("id"):
            return Rejection(number, f"data row {task}: label without an `id`")
        try:
            label_id = source_id(label["id"], "label id")
        except ValueError as error:
            return Rejection(number, f"data row {task}: {error}")
        where = f"data row {task} label {label_id}"
        details = label.get("label_details")
        if not isinstance(details, dict):
            self._without_details += 1
            self.skipped.append((number, f"{where}: no label_details (author and time unknown)"))
            return None
        if not details.get("created_by"):
            return Rejection(number, f"{where}: label_details.created_by missing")
        if not details.get("created_at"):
            return Rejection(number, f"{where}: label_details.created_at missing")
        performance = label.get("performance_details")
        try:
            labeler = source_id(author(details["created_by"]), "label_details.created_by")
            seconds: float | None = None
            review_seconds = 0.0
            if isinstance(performance, dict):
                if "seconds_to_create" in performance:
                    seconds = seconds_of(performance["seconds_to_create"], "seconds_to_create")
                else:
                    seconds = seconds_of(performance.get("seconds_to_label"), "seconds_to_label")
                review_seconds = seconds_of(performance.get("seconds_to_review"), "seconds_to_review") or 0.0
                if flag(performance.get("skipped"), "performance_details.skipped"):
                    self.skipped.append((number, f"{where}: skipped by the labeler"))
                    return None
            elif performance is not None:
                raise ValueError(f"performance_details must be an object, got {performance!r:.60}")
            submitted = self._time(details["created_at"])
            raw_reviews = details.get("reviews") or []
            if not isinstance(raw_reviews, list):
                raise ValueError(f"label_details.reviews must be a list, got {raw_reviews!r:.60}")
            if raw_reviews:
                share = review_seconds / len(raw_reviews)
                reviews = tuple(self._review(review, share) for review in raw_reviews)
            else:
                reviews = ()
        except (ValueError, TypeError, KeyError) as error:
            return Rejection(number, f"{where}: {error}")
        annotations = label.get("annotations") or {}
        try:
            gold = flag(label.get("is_benchmark_reference"), "is_benchmark_reference") or flag(
                details.get("is_benchmark_reference"), "label_details.is_benchmark_reference"
            )
        except ValueError as error:
            return Rejection(number, f"{where}: {error}")
        if self._suspect and (reason := non_finite(annotations, "annotations")) is not None:
            return Rejection(number, f"{where}: {reason}")
        if seconds is None:
            self._untimed += 1
        return LabelRecord(
            line=number,
            task=task,
            label=label_id,
            labeler=labeler,
            answer=comparable_answer(annotations),
            result=annotations,
            submitted_at=submitted,
            seconds=seconds,
            gold=gold,
            payload=payload,
            task_created_at=created,
            reviews=reviews,
        )

    def _review(self, review: Any, seconds: float) -> ReviewRecord:
        if not isinstance(review, dict) or not review.get("id"):
            raise ValueError("review without an `id`")
        action = str(review.get("review_action", review.get("score", ""))).strip().lower()
        if action in _APPROVE:
            verdict = ReviewVerdict.THUMBS_UP
        elif action in _REJECT:
            verdict = ReviewVerdict.THUMBS_DOWN
        else:
            raise ValueError(f"review {review['id']}: review_action must be Approve or Reject, got {action!r}")
        reviewer = review.get("reviewed_by") or review.get("created_by")
        when = review.get("reviewed_at") or review.get("created_at")
        if not reviewer or not when:
            raise ValueError(f"review {review['id']}: reviewed_by and reviewed_at are required")
        review_id = source_id(review["id"], "review id")
        try:
            at = self._time(when)
        except ValueError as error:
            raise ValueError(f"review {review_id}: reviewed_at {error}") from None
        return ReviewRecord(review_id, source_id(author(reviewer), "reviewed_by"), verdict, at, seconds)


def author(value: Any) -> Any:
    """Labelbox names people by email: an object `{id, email}` gives its email (else its id)."""
    if isinstance(value, dict):
        return value.get("email") or value.get("id")
    return value


def comparable_answer(annotations: Any) -> Any:
    """`{classification: answer}` from the global classifications (a checklist: a sorted list), else the
    annotations as exported."""
    classifications = annotations.get("classifications") if isinstance(annotations, dict) else None
    answer: dict[str, Any] = {}
    for item in classifications or ():
        if type(item) is not dict:
            continue
        field = item.get("value") or item.get("name") or item.get("feature_id")
        if type(field) is not str:
            field = str(field)
        if type(radio := item.get("radio_answer")) is dict:
            answer[field] = _option(radio)
        elif type(checklist := item.get("checklist_answers")) is list:
            answer[field] = sorted(_option(option) for option in checklist if type(option) is dict)
        elif type(text := item.get("text_answer")) is dict:
            answer[field] = str(text.get("content", ""))
    if answer or not annotations:
        return answer
    return annotations


def _option(option: dict[str, Any]) -> str:
    value = option.get("value") or option.get("name") or ""
    return value if type(value) is str else str(value)
