"""Labelbox export v2: NDJSON, one data row per line.

Read per line: `data_row` (`id`, `global_key`, `row_data`; `details.created_at` when exported) and, for every
project under `projects`, its `labels[]`: `id`, `annotations.classifications[]` (`radio_answer`,
`checklist_answers`, `text_answer`: the comparable answer `{classification value: answer value}`), `label_details`
(`created_at`, `created_by`, `reviews[]` with `id`, `reviewed_by`, `reviewed_at`, `review_action`),
`performance_details` (`seconds_to_create`, else `seconds_to_label`; `seconds_to_review` is shared among the
label's reviews) and `is_benchmark_reference` (gold). An export made without `label_details` still imports its
tasks (its labels have no author or time and are skipped); one without `performance_details` imports its labels
with 0 seconds. Both say so in the report's notes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from server.connectors.json_reading import loads
from server.connectors.records import FormatState, LabelRecord, Record, Rejection, ReviewRecord, TaskRecord
from server.connectors.times import TimeReader
from server.db.enums import ReviewVerdict

__all__ = ["LabelboxFormat", "comparable_answer"]

_APPROVE = {"approve", "approved", "accept", "accepted", "1", "+1"}
_REJECT = {"reject", "rejected", "decline", "-1"}


class LabelboxFormat(FormatState):
    name = "labelbox"
    default_vendor = "Labelbox"

    def __init__(self, naive_zone: str = "UTC") -> None:
        super().__init__()
        self._time = TimeReader(None, naive_zone)
        self._without_details = 0
        self._untimed = 0

    def read(self, stream: IO[str]) -> Iterator[Record]:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                row = loads(line)
            except json.JSONDecodeError as error:
                yield Rejection(number, f"not JSON: {error.msg}")
                continue
            yield from self.row_records(number, row)
        if self._without_details:
            self.notes.append(
                f"export made without label_details: {self._without_details} labels have no author or time and "
                "were not imported (their tasks were); export with label_details to import them"
            )
        if self._untimed:
            self.notes.append(
                f"export made without performance_details: {self._untimed} labels imported with 0 seconds to label"
            )

    def row_records(self, number: int, row: Any) -> Iterator[Record]:
        data_row = row.get("data_row") if isinstance(row, dict) else None
        if not isinstance(data_row, dict) or not data_row.get("id"):
            yield Rejection(number, "line without `data_row.id`")
            return
        task = str(data_row["id"])
        payload = str(data_row.get("row_data") or data_row.get("global_key") or "")[:2000]
        details = row.get("data_row_details") or data_row.get("details") or {}
        try:
            created = self._time(str(details["created_at"])) if details.get("created_at") else None
        except ValueError as error:
            yield Rejection(number, f"data row {task}: created_at {error}")
            return
        yield TaskRecord(number, task, payload, created)
        projects = row.get("projects") or {}
        if not isinstance(projects, dict):
            yield Rejection(number, f"data row {task}: `projects` is not an object")
            return
        for project in projects.values():
            for label in (project or {}).get("labels") or []:
                record = self._label(number, task, payload, created, label)
                if record is not None:
                    yield record

    def _label(self, number: int, task: str, payload: str, created: Any, label: Any) -> LabelRecord | Rejection | None:
        if not isinstance(label, dict) or not label.get("id"):
            return Rejection(number, f"data row {task}: label without an `id`")
        where = f"data row {task} label {label['id']}"
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
        seconds: float | None = None
        review_seconds = 0.0
        if isinstance(performance, dict):
            raw = performance.get("seconds_to_create", performance.get("seconds_to_label"))
            if raw is not None:
                if not isinstance(raw, int | float) or raw < 0:
                    return Rejection(number, f"{where}: seconds_to_create must be seconds >= 0, got {raw!r}")
                seconds = float(raw)
            raw_review = performance.get("seconds_to_review")
            review_seconds = float(raw_review) if isinstance(raw_review, int | float) and raw_review > 0 else 0.0
        if seconds is None:
            self._untimed += 1
        try:
            submitted = self._time(str(details["created_at"]))
            raw_reviews = details.get("reviews") or []
            share = review_seconds / len(raw_reviews) if raw_reviews else 0.0
            reviews = tuple(self._review(review, share) for review in raw_reviews)
        except (ValueError, TypeError, KeyError) as error:
            return Rejection(number, f"{where}: {error}")
        annotations = label.get("annotations") or {}
        gold = bool(label.get("is_benchmark_reference") or details.get("is_benchmark_reference"))
        return LabelRecord(
            line=number,
            task=task,
            label=str(label["id"]),
            labeler=str(details["created_by"]),
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
        return ReviewRecord(str(review["id"]), str(reviewer), verdict, self._time(str(when)), seconds)


def comparable_answer(annotations: Any) -> Any:
    """`{classification: answer}` from the global classifications (a checklist: a sorted list), else the
    annotations as exported."""
    classifications = annotations.get("classifications") if isinstance(annotations, dict) else None
    answer: dict[str, Any] = {}
    for item in classifications or []:
        if not isinstance(item, dict):
            continue
        field = str(item.get("value") or item.get("name") or item.get("feature_id"))
        if isinstance(item.get("radio_answer"), dict):
            answer[field] = _option(item["radio_answer"])
        elif isinstance(item.get("checklist_answers"), list):
            answer[field] = sorted(_option(option) for option in item["checklist_answers"] if isinstance(option, dict))
        elif isinstance(item.get("text_answer"), dict):
            answer[field] = str(item["text_answer"].get("content", ""))
    if answer or not annotations:
        return answer
    return annotations


def _option(option: dict[str, Any]) -> str:
    return str(option.get("value") or option.get("name") or "")
