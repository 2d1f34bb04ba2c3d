"""What a labeling tool's webhook says, in the shape its export has, so the importer reads it like a file.

Label Studio sends `{"action", "annotation", "task", "project"}`: ANNOTATION_CREATED and ANNOTATION_UPDATED become a
one-task export with that one annotation; ANNOTATIONS_CREATED (a bulk creation) carries lists of annotations and of
their tasks, in the same order, and becomes an export of those tasks, each with its annotations; ANNOTATIONS_DELETED
names the deleted annotations (`annotations`: objects with an `id`, or bare ids). Labelbox names its topic in the
`X-Labelbox-Event` header: LABEL_CREATED and LABEL_UPDATED carry the label, either as an export v2 row (`data_row`
and `projects`) or as a single label (`id`, `data_row`, `label` as JSON text or an object, `created_by`,
`created_at`, `seconds_to_label`, `project`), which becomes that row; REVIEW_CREATED and REVIEW_UPDATED carry a
review of a stored label (`label.id`, `score` 1 or -1 or `review_action`, `created_by`, `created_at`); LABEL_DELETED
names a label. Every other event is acknowledged and not imported. Nothing here touches the database.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.connectors.labelbox import author
from server.connectors.times import TimeReader
from server.db.connectors import ConnectorSource

__all__ = [
    "HookEvent",
    "PayloadError",
    "labelbox_event",
    "labelbox_review_row",
    "labelstudio_event",
    "parse_body",
    "read_event",
]

_LABELSTUDIO_IMPORTED = frozenset({"ANNOTATION_CREATED", "ANNOTATION_UPDATED"})
_LABELSTUDIO_BULK = "ANNOTATIONS_CREATED"
_LABELSTUDIO_DELETED = frozenset({"ANNOTATIONS_DELETED", "ANNOTATION_DELETED"})
_LABELBOX_IMPORTED = frozenset({"LABEL_CREATED", "LABEL_UPDATED"})
_LABELBOX_REVIEWS = frozenset({"REVIEW_CREATED", "REVIEW_UPDATED"})
_LABELBOX_DELETED = frozenset({"LABEL_DELETED"})
_MAX_EVENT = 100


class PayloadError(ValueError):
    """A body that is JSON but not a webhook of the connector's source; the message names what is wrong."""


@dataclass(frozen=True)
class HookEvent:
    """One delivery, read: `export` is the text the source's import format reads (None: nothing to import, and
    `reason` says why); `deleted` names the labels a deletion event reports; `review` is a Labelbox review to
    attach to the stored label `label` (the receiver reads it, `labelbox_review_row` builds the row)."""

    event: str
    source_project: str | None = None
    export: str | None = None
    reason: str = ""
    deleted: tuple[str, ...] = ()
    label: str | None = None
    review: dict[str, Any] | None = None
    creation: bool = False  # the labels' first version: one already stored is as new or newer and is kept
    review_creation: bool = False  # the review's first version: likewise for a stored review
    # A single label's id and when the source last changed it, where the body says: an update older than one already
    # applied is stale (a retried delivery overtaken by a later edit) and must not replace it.
    version: tuple[str, datetime] | None = None


def parse_body(body: bytes) -> Any:
    """The JSON of a webhook body; ValueError (with why) for anything else, NaN and infinities included (they are
    not JSON, and a non-finite time would reach the database)."""
    try:
        return json.loads(body, parse_constant=_refuse_constant, parse_float=_finite)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is out of range")
    return value


def read_event(
    source: ConnectorSource, payload: Any, topic: str | None, *, source_project: str | None = None
) -> HookEvent:
    """The event a `source` webhook body (parsed JSON) carries; `topic` is Labelbox's event header. A Labelbox
    export v2 row keeps only the labels of `source_project` when it names one."""
    if not isinstance(payload, dict):
        raise PayloadError("body must be a JSON object")
    if source is ConnectorSource.LABELSTUDIO:
        return labelstudio_event(payload)
    return labelbox_event(payload, topic, source_project=source_project)


def _text_id(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise PayloadError(f"{where} must be an id (a string or an integer), got {value!r:.60}")
    return str(value)


def _event_name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_EVENT:
        raise PayloadError(f"{where} must name the event, got {value!r:.60}")
    return value.strip().upper()


def _object(payload: dict[str, Any], key: str, event: str) -> dict[str, Any]:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise PayloadError(f"{event}: `{key}` must be an object")
    return value


# -- Label Studio -----------------------------------------------------------------------------------------------


def labelstudio_event(payload: dict[str, Any]) -> HookEvent:
    event = _event_name(payload.get("action"), "action")
    project = payload.get("project")
    source_project = None
    if isinstance(project, dict) and project.get("id") is not None:
        source_project = _text_id(project["id"], "project.id")
    if event in _LABELSTUDIO_IMPORTED:
        annotation = _object(payload, "annotation", event)
        task = _object(payload, "task", event)
        if source_project is None and isinstance(task.get("project"), int | str):
            source_project = _text_id(task["project"], "task.project")
        export = json.dumps([{**task, "annotations": [annotation]}])
        version = _version(annotation.get("id"), annotation.get("updated_at"))
        return HookEvent(event, source_project, export=export, creation=event == "ANNOTATION_CREATED", version=version)
    if event == _LABELSTUDIO_BULK:
        tasks = _bulk_tasks(payload)
        if source_project is None:
            projects = {task["project"] for task in tasks if isinstance(task.get("project"), int | str)}
            source_project = _text_id(projects.pop(), "task[].project") if len(projects) == 1 else None
        return HookEvent(event, source_project, export=json.dumps(tasks), creation=True)
    if event in _LABELSTUDIO_DELETED:
        items = payload.get("annotations", [payload.get("annotation")] if "annotation" in payload else None)
        if not isinstance(items, list):
            raise PayloadError(f"{event}: `annotations` must be a list of annotations or ids")
        deleted = tuple(
            _text_id(item.get("id") if isinstance(item, dict) else item, f"annotations[{index}].id")
            for index, item in enumerate(items)
        )
        return HookEvent(event, source_project, deleted=deleted, reason=_kept(len(deleted), "annotation"))
    return HookEvent(event, source_project, reason=f"event {event} carries no labels: acknowledged, not imported")


def _bulk_tasks(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """ANNOTATIONS_CREATED's parallel lists as export tasks: each task once, with every annotation made on it."""
    annotations, tasks = payload.get("annotation"), payload.get("task")
    if not isinstance(annotations, list) or not isinstance(tasks, list) or len(annotations) != len(tasks):
        raise PayloadError(f"{_LABELSTUDIO_BULK}: `annotation` and `task` must be lists of the same length")
    grouped: dict[str, dict[str, Any]] = {}
    for index, (annotation, task) in enumerate(zip(annotations, tasks, strict=True)):
        if not isinstance(annotation, dict) or not isinstance(task, dict):
            raise PayloadError(f"{_LABELSTUDIO_BULK}: annotation[{index}] and task[{index}] must be objects")
        key = _text_id(task.get("id"), f"task[{index}].id")
        grouped.setdefault(key, {**task, "annotations": []})["annotations"].append(annotation)
    return list(grouped.values())


def _kept(count: int, noun: str) -> str:
    return (
        f"{count} deleted {noun}(s) kept: imports never delete labels (their work was done and paid for); "
        "recorded and skipped"
    )


# -- Labelbox ---------------------------------------------------------------------------------------------------


def labelbox_event(payload: dict[str, Any], topic: str | None, *, source_project: str | None = None) -> HookEvent:
    event = _event_name(topic if topic else payload.get("event", payload.get("topic")), "the X-Labelbox-Event header")
    if event in _LABELBOX_IMPORTED:
        creation = event == "LABEL_CREATED"
        if isinstance(payload.get("data_row"), dict) and isinstance(payload.get("projects"), dict):
            projects = payload["projects"]
            if source_project in projects:
                # A row lists every project its data row is in: import the connector's only.
                row = {**payload, "projects": {source_project: projects[source_project]}}
                return HookEvent(
                    event, source_project, export=json.dumps(row), creation=creation, version=_row_version(row)
                )
            return HookEvent(
                event,
                next(iter(projects), None),
                export=json.dumps(payload),
                creation=creation,
                version=_row_version(payload),
            )
        row, source_project = _label_row(payload, event)
        version = _version(payload.get("id"), payload.get("updated_at"))
        return HookEvent(event, source_project, export=json.dumps(row), creation=creation, version=version)
    if event in _LABELBOX_REVIEWS:
        label = payload.get("label")
        label_id = _text_id(label.get("id") if isinstance(label, dict) else payload.get("label_id"), "label.id")
        review = _review(payload, event)
        first = event == "REVIEW_CREATED"
        return HookEvent(event, _project_of(payload), label=label_id, review=review, review_creation=first)
    if event in _LABELBOX_DELETED:
        label_id = _text_id(payload.get("id"), "id")
        return HookEvent(event, _project_of(payload), deleted=(label_id,), reason=_kept(1, "label"))
    return HookEvent(event, _project_of(payload), reason=f"event {event} carries no labels: acknowledged, not imported")


def _version(label: Any, updated_at: Any) -> tuple[str, datetime] | None:
    """(label id, when the source last changed it), or None when the body does not say (or says it unreadably: the
    time orders deliveries, it is not imported, so a bad one only loses the ordering)."""
    if isinstance(label, bool) or not isinstance(label, str | int) or not str(label).strip():
        return None
    try:
        return str(label), TimeReader()(updated_at)  # a reader per call: it refuses times a day past its creation
    except ValueError:
        return None


def _row_version(row: dict[str, Any]) -> tuple[str, datetime] | None:
    """The version of an export v2 row's label, when the row holds exactly one (with `label_details.updated_at`)."""
    labels = [
        label
        for project in row["projects"].values()
        if isinstance(project, dict) and isinstance(project.get("labels"), list)
        for label in project["labels"]
    ]
    if len(labels) != 1 or not isinstance(labels[0], dict) or not isinstance(labels[0].get("label_details"), dict):
        return None
    return _version(labels[0].get("id"), labels[0]["label_details"].get("updated_at"))


def _project_of(payload: dict[str, Any]) -> str | None:
    project = payload.get("project")
    if isinstance(project, dict) and project.get("id") is not None:
        return _text_id(project["id"], "project.id")
    return None


def _label_row(payload: dict[str, Any], event: str) -> tuple[dict[str, Any], str | None]:
    """A single-label webhook as the export v2 row of its data row."""
    label_id = _text_id(payload.get("id"), "id")
    data_row = _object(payload, "data_row", event)
    content = payload.get("label", {})
    if isinstance(content, str):
        try:
            content = json.loads(content) if content.strip() else {}
        except json.JSONDecodeError as error:
            raise PayloadError(f"{event}: `label` is not JSON text: {error.msg}") from None
    if not isinstance(content, dict):
        raise PayloadError(f"{event}: `label` must be an object or JSON text of one")
    source_project = _project_of(payload)
    details = {"created_by": author(payload.get("created_by")), "created_at": payload.get("created_at")}
    label: dict[str, Any] = {"id": label_id, "annotations": _annotations(content), "label_details": details}
    if payload.get("seconds_to_label") is not None:
        label["performance_details"] = {"seconds_to_label": payload["seconds_to_label"]}
    if payload.get("is_benchmark_reference"):
        label["is_benchmark_reference"] = True
    row = {
        "data_row": {
            "id": data_row.get("id"),
            "global_key": data_row.get("global_key") or data_row.get("external_id"),
            "row_data": data_row.get("row_data"),
        },
        "projects": {source_project or "webhook": {"labels": [label]}},
    }
    return row, source_project


def _annotations(content: dict[str, Any]) -> dict[str, Any]:
    """A label's classifications in the export v2 form: the older `answer` / `answers` become radio, text and
    checklist answers; classifications already in the v2 form pass as they are."""
    classifications = []
    for item in content.get("classifications") or []:
        if not isinstance(item, dict):
            continue
        converted = {key: item[key] for key in ("name", "value", "feature_id") if key in item}
        converted.setdefault("name", item.get("title"))
        if isinstance(item.get("answer"), dict):
            converted["radio_answer"] = _option(item["answer"])
        elif isinstance(item.get("answer"), str):
            converted["text_answer"] = {"content": item["answer"]}
        elif isinstance(item.get("answers"), list):
            converted["checklist_answers"] = [_option(o) for o in item["answers"] if isinstance(o, dict)]
        else:
            converted = item
        classifications.append(converted)
    return {**content, "classifications": classifications}


def _option(option: dict[str, Any]) -> dict[str, Any]:
    return {"name": option.get("title", option.get("name")), "value": option.get("value")}


def _review(payload: dict[str, Any], event: str) -> dict[str, Any]:
    action = payload.get("review_action")
    if action is None:
        score = payload.get("score")
        if score not in (1, -1):
            raise PayloadError(f"{event}: `score` must be 1 (approve) or -1 (reject), got {score!r:.60}")
        action = "Approve" if score == 1 else "Reject"
    return {
        "id": _text_id(payload.get("id"), "id"),
        "review_action": action,
        "reviewed_by": author(payload.get("created_by", payload.get("reviewed_by"))),
        "reviewed_at": payload.get("created_at", payload.get("reviewed_at")),
    }


def labelbox_review_row(
    *,
    task: str,
    payload: str,
    label: str,
    labeler: str,
    submitted_at: str,
    seconds: float,
    result: Any,
    review: dict[str, Any],
) -> str:
    """The export v2 row of a stored label with one more review: the importer keeps the label as it is and adds
    (or updates) the review, recounting the label's status."""
    row = {
        "data_row": {"id": task, "row_data": payload},
        "projects": {
            "webhook": {
                "labels": [
                    {
                        "id": label,
                        "annotations": result if isinstance(result, dict) else {},
                        "label_details": {"created_by": labeler, "created_at": submitted_at, "reviews": [review]},
                        "performance_details": {"seconds_to_create": seconds},
                    }
                ]
            }
        },
    }
    return json.dumps(row)
