"""Label Studio's JSON export: a list of tasks, each with `annotations`.

Read per annotation: `id`, `completed_by` (a user id, or an object with `id` and `email`), `created_at` (when it
was submitted), `lead_time` (seconds spent), `was_cancelled` (a skip: not imported, reported as skipped),
`ground_truth` (the answer is the task's gold), `result` (kept as the label's result; its `choices` and `rating`
items become the comparable answer `{from_name: choice}`, several choices a sorted list) and, where the export
carries them, `reviews` (`id`, `created_by` or `reviewed_by`, `accepted`, `created_at`).
The JSON has no line numbers: a rejected annotation is placed by its task's position in the list (1-based).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
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
    seconds,
    source_id,
)
from server.connectors.times import TimeReader
from server.db.enums import ReviewVerdict

__all__ = ["LabelStudioFormat", "comparable_answer"]

_CATEGORICAL = {"choices": "choices", "rating": "rating", "taxonomy": "taxonomy"}


class LabelStudioFormat(FormatState):
    name = "labelstudio"
    default_vendor = "Label Studio"

    def __init__(self, naive_zone: str = "UTC") -> None:
        super().__init__()
        self._time = TimeReader(None, naive_zone)
        self._suspect = False  # whether results may hold NaN or infinities (checked per annotation then)

    def read(self, stream: IO[str]) -> Iterator[Record]:
        text = stream.read().removeprefix("\ufeff")  # a byte order mark, left by an editor or a pasted file
        if not text.strip():
            yield Rejection(1, "empty file: a Label Studio JSON export is a list of tasks")
            return
        try:
            tasks, strict = read_json(text)
            self._suspect = not strict
        except json.JSONDecodeError as error:
            yield Rejection(error.lineno, f"not JSON: {error.msg} (line {error.lineno} column {error.colno})")
            return
        del text
        if isinstance(tasks, dict):  # a single task, or a webhook-style {"task": ...}
            tasks = [tasks.get("task", tasks)]
        if not isinstance(tasks, list):
            yield Rejection(1, "a Label Studio JSON export is a list of tasks")
            return
        untimed = 0
        for position, task in enumerate(tasks, start=1):
            for record in self.task_records(position, task):
                if isinstance(record, LabelRecord) and record.seconds is None:
                    untimed += 1
                yield record
        if untimed:
            self.notes.append(f"{untimed} annotations have no lead_time: imported with 0 seconds to label")

    def task_records(self, position: int, task: Any) -> Iterator[Record]:
        """The records of one exported task (the webhook receivers reuse this for one task)."""
        if not isinstance(task, dict) or task.get("id") is None:
            yield Rejection(position, "task without an `id`")
            return
        try:
            task_id = source_id(task["id"], "task id")
        except ValueError as error:
            yield Rejection(position, str(error))
            return
        payload = _payload(task.get("data"))
        try:
            created = self._time(task["created_at"]) if task.get("created_at") else None
        except ValueError as error:
            yield Rejection(position, f"task {task_id}: created_at {error}")
            return
        yield TaskRecord(position, task_id, payload, created)
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list):
            yield Rejection(position, f"task {task_id}: `annotations` is not a list")
            return
        for annotation in annotations:
            record = self.annotation_record(position, task_id, payload, created, annotation)
            if record is not None:
                yield record

    def annotation_record(
        self, position: int, task_id: str, payload: str, created: Any, annotation: Any
    ) -> LabelRecord | Rejection | None:
        if not isinstance(annotation, dict) or (annotation_id := annotation.get("id")) is None:
            return Rejection(position, f"task {task_id}: annotation without an `id`")
        try:
            label_id = source_id(annotation_id, "annotation id")
        except ValueError as error:
            return Rejection(position, f"task {task_id}: {error}")
        try:
            cancelled = flag(annotation.get("was_cancelled"), "was_cancelled")
        except ValueError as error:
            return Rejection(position, f"{_where(task_id, annotation_id)}: {error}")
        if cancelled:
            self.skipped.append((position, f"{_where(task_id, annotation_id)}: cancelled (skipped by the labeler)"))
            return None
        try:
            labeler, name = _user(annotation.get("completed_by"))
        except ValueError as error:
            return Rejection(position, f"{_where(task_id, annotation_id)}: {error}")
        if labeler is None:
            return Rejection(position, f"{_where(task_id, annotation_id)}: completed_by missing")
        created_at = annotation.get("created_at")
        if not created_at:
            return Rejection(position, f"{_where(task_id, annotation_id)}: created_at missing")
        try:
            submitted = self._time(created_at)
            lead_time = seconds(annotation.get("lead_time"), "lead_time")
            reviews = self._reviews(annotation.get("reviews"))
            gold = flag(annotation.get("ground_truth"), "ground_truth")
        except (ValueError, TypeError, KeyError) as error:
            return Rejection(position, f"{_where(task_id, annotation_id)}: {error}")
        result = annotation.get("result") or []
        if self._suspect and (reason := non_finite(result, "result")) is not None:
            return Rejection(position, f"{_where(task_id, annotation_id)}: {reason}")
        return LabelRecord(
            line=position,
            task=task_id,
            label=label_id,
            labeler=labeler,
            labeler_name=name,
            answer=comparable_answer(result),
            result=result,
            submitted_at=submitted,
            # Worked out here, in the reading thread, rather than by `state.started` in the importing one.
            started_at=submitted - timedelta(0, lead_time or 0.0),
            seconds=lead_time,
            gold=gold,
            payload=payload,
            task_created_at=created,
            reviews=reviews,
        )

    def _reviews(self, reviews: Any) -> tuple[ReviewRecord, ...]:
        if not reviews:
            return ()
        if not isinstance(reviews, list):
            raise ValueError(f"reviews must be a list, got {reviews!r:.60}")
        return tuple(self._review(review) for review in reviews)

    def _review(self, review: Any) -> ReviewRecord:
        if not isinstance(review, dict) or review.get("id") is None:
            raise ValueError("review without an `id`")
        reviewer, _name = _user(review.get("created_by", review.get("reviewed_by")), "created_by")
        if reviewer is None:
            raise ValueError(f"review {review['id']}: created_by missing")
        if "accepted" not in review or not review.get("created_at"):
            raise ValueError(f"review {review['id']}: `accepted` and `created_at` are required")
        accepted = flag(review["accepted"], f"review {review['id']}: accepted")
        verdict = ReviewVerdict.THUMBS_UP if accepted else ReviewVerdict.THUMBS_DOWN
        review_id = source_id(review["id"], "review id")
        return ReviewRecord(review_id, reviewer, verdict, self._time(review["created_at"]))


def _where(task_id: str, annotation_id: Any) -> str:
    # Put together only for a message: an f-string per annotation cost more than all its checks.
    return f"task {task_id} annotation {annotation_id}"


def _user(value: Any, field: str = "completed_by") -> tuple[str | None, str | None]:
    """(external id, display name) of a `completed_by`: a user id, or an object with `id` and maybe `email`;
    (None, None) when it is missing, ValueError when it is neither."""
    if isinstance(value, dict):
        email = value.get("email")
        name = email if isinstance(email, str) and email.strip() else None
        if value.get("id") is None:
            return (name, name) if name else (None, None)
        return source_id(value["id"], f"{field}.id"), name
    if value is None or value == "":
        return None, None
    return source_id(value, field), None


def _payload(data: Any) -> str:
    if isinstance(data, dict):
        for value in data.values():
            if isinstance(value, str):
                return value[:2000]
    return ""


def comparable_answer(result: Any) -> Any:
    """`{from_name: choice}` for the categorical items of a result (several choices: a sorted list), else the
    result itself."""
    if not isinstance(result, list):
        return result
    answer: dict[str, Any] = {}
    for item in result:
        if not isinstance(item, dict) or not isinstance(value := item.get("value"), dict):
            continue
        key = _CATEGORICAL.get(str(item.get("type")))
        if key is None or key not in value or "x" in value or "start" in value or "points" in value:
            continue  # region-level classifications belong to their region, not to the task
        field = str(item.get("from_name", key))
        chosen = value[key]
        if isinstance(chosen, list):
            if len(chosen) == 1 and type(chosen[0]) is str:  # most answers: one choice, nothing to sort or convert
                answer[field] = chosen[0]
                continue
            flat = sorted(json.dumps(c) if isinstance(c, list) else str(c) for c in chosen)
            answer[field] = flat[0] if len(flat) == 1 else flat
        else:
            answer[field] = chosen
    if answer or not result:
        return answer
    return result
