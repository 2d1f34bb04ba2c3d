"""Labelbox export v2 NDJSON, built from the format's public documentation (data_row, projects.<id>.labels with
label_details, performance_details and classifications), including exports made without the details."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.db import Database
from server.db.enums import LabelStatus, ReviewVerdict
from tests.server.connectors.world import make_project, rollups_match_a_full_rebuild, run_import, snapshot

pytestmark = pytest.mark.database


def _label(
    label_id: str,
    author: str,
    answer: str,
    *,
    at: str,
    seconds: float | None = 30.0,
    reviews: list[dict[str, Any]] | None = None,
    details: bool = True,
    benchmark: bool = False,
) -> dict[str, Any]:
    label: dict[str, Any] = {
        "label_kind": "Default",
        "version": 1,
        "id": label_id,
        "annotations": {
            "objects": [],
            "classifications": [
                {
                    "feature_id": "f1",
                    "name": "Is it a cat?",
                    "value": "is_it_a_cat",
                    "radio_answer": {
                        "feature_id": "f2",
                        "name": answer.title(),
                        "value": answer,
                        "classifications": [],
                    },
                },
                {
                    "feature_id": "f3",
                    "name": "Tags",
                    "value": "tags",
                    "checklist_answers": [{"name": "Blurry", "value": "blurry"}, {"name": "Dark", "value": "dark"}],
                },
            ],
            "relationships": [],
        },
    }
    if details:
        label["label_details"] = {
            "created_at": at,
            "updated_at": at,
            "created_by": author,
            "content_last_updated_at": at,
            "reviews": reviews or [],
        }
    if seconds is not None:
        label["performance_details"] = {
            "seconds_to_create": seconds,
            "seconds_to_review": 8.0,
            "skipped": False,
            "seconds_to_label": seconds + 8.0,
            "consensus_score": None,
        }
    if benchmark:
        label["is_benchmark_reference"] = True
    return label


def _row(data_row: str, *labels: dict[str, Any]) -> str:
    return json.dumps(
        {
            "data_row": {
                "id": data_row,
                "global_key": f"{data_row}.jpg",
                "row_data": f"https://example.com/{data_row}",
            },
            "media_attributes": {"mime_type": "image/jpeg"},
            "projects": {"clproject1": {"name": "Cats", "labels": list(labels), "project_details": {}}},
        }
    )


def _export(**overrides: Any) -> str:
    review = {
        "id": "rv1",
        "reviewed_by": "rita@example.com",
        "reviewed_at": "2026-04-01T12:00:00Z",
        "review_action": "Reject",
    }
    return "\n".join(
        [
            _row(
                "dr1",
                _label(
                    "lb1", "ana@example.com", "yes", at="2026-04-01T10:00:00.000+00:00", reviews=[review], **overrides
                ),
                _label("lb2", "bo@example.com", "yes", at="2026-04-01T11:00:00.000+00:00", **overrides),
            ),
            _row(
                "dr2",
                _label("lb3", "bo@example.com", "no", at="2026-04-02T09:00:00.000+00:00", benchmark=True, **overrides),
            ),
            "",
        ]
    )


async def test_given_a_full_export_when_imported_then_answers_timings_reviews_and_gold_are_stored(
    database: Database,
) -> None:
    await make_project(database)

    report = await run_import(database, "labelbox", _export())

    assert (report.rows, report.created, report.rejected, report.notes) == (3, 3, 0, [])
    state = await snapshot(database)
    labels = {row[0]: row for row in state["labels"]}
    assert labels["lb1"][1] == {"is_it_a_cat": "yes", "tags": ["blurry", "dark"]}
    assert labels["lb1"][2] is LabelStatus.REJECTED and labels["lb2"][2] is LabelStatus.ACCEPTED
    assert labels["lb3"][4] == 30.0
    assert state["reviews"] == [("rv1", ReviewVerdict.THUMBS_DOWN)]
    tasks = {row[0]: row for row in state["tasks"]}
    assert tasks["dr2"][4] is True and tasks["dr2"][5] == labels["lb3"][1]
    await rollups_match_a_full_rebuild(database)
    again = await run_import(database, "labelbox", _export())
    assert (again.created, again.updated, again.unchanged, again.days_rebuilt) == (0, 0, 3, 0)


async def test_given_an_export_without_performance_details_then_labels_import_untimed_and_the_report_says_so(
    database: Database,
) -> None:
    await make_project(database)

    report = await run_import(database, "labelbox", _export(seconds=None))

    assert report.created == 3
    assert report.notes == ["export made without performance_details: 3 labels imported with 0 seconds to label"]


async def test_given_an_export_without_label_details_then_tasks_import_and_labels_are_skipped_with_a_note(
    database: Database,
) -> None:
    await make_project(database)

    report = await run_import(database, "labelbox", _export(details=False))

    assert (report.created, report.skipped, report.tasks_created) == (0, 3, 2)
    assert "export made without label_details: 3 labels" in report.notes[0]


async def test_given_broken_lines_then_each_is_rejected_with_its_line_number(database: Database) -> None:
    await make_project(database)
    bad_review = {
        "id": "rv9",
        "reviewed_by": "rita@example.com",
        "reviewed_at": "2026-04-01T12:00:00Z",
        "review_action": "Maybe",
    }
    lines = [
        "{not json",
        json.dumps({"projects": {}}),
        _row("dr5", _label("lb5", "ana@example.com", "yes", at="2026-04-01T10:00:00Z", reviews=[bad_review])),
        _row("dr6", _label("lb6", "ana@example.com", "yes", at="2026-04-01T10:00:00Z", seconds=-3)),
    ]

    report = await run_import(database, "labelbox", "\n".join(lines))

    reasons = {r.line: r.reason for r in report.rejections}
    assert reasons[1].startswith("not JSON")
    assert reasons[2] == "line without `data_row.id`"
    assert "review_action must be Approve or Reject, got 'maybe'" in reasons[3]
    assert "seconds_to_create must be a number of seconds from 0 to 31622400, got -3" in reasons[4]
