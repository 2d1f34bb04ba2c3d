"""Label Studio JSON exports, built from the format's public documentation (labelstud.io/guide/task_format and
export), into a project: idempotent, updated by newer exports, messy files reported row by row."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import select

from server.connectors.labelstudio import comparable_answer
from server.db import Database
from server.db.enums import LabelStatus, TaskStatus
from server.db.models import Label, Labeler, Review, Task
from server.services.analytics import Scope, fetch_agreement
from tests.server.connectors.world import (
    count,
    make_project,
    rollups_match_a_full_rebuild,
    run_import,
    snapshot,
)
from tests.server.test_analytics_answer_forms import parsed_agreement


def _annotation(
    annotation_id: int, user: Any, choice: str | list[str], *, at: str, lead: float | None = 12.5, **extra: Any
) -> dict[str, Any]:
    annotation: dict[str, Any] = {
        "id": annotation_id,
        "completed_by": user,
        "result": [
            {
                "from_name": "sentiment",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": choice if isinstance(choice, list) else [choice]},
                "id": f"r{annotation_id}",
            }
        ],
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": at,
        "updated_at": at,
        "task": 0,
    }
    if lead is not None:
        annotation["lead_time"] = lead
    annotation.update(extra)
    return annotation


def _export() -> list[dict[str, Any]]:
    return [
        {
            "id": 1,
            "data": {"text": "I love it"},
            "created_at": "2026-03-02T08:00:00.000000Z",
            "annotations": [
                _annotation(101, 10, "Positive", at="2026-03-02T09:15:00.123456Z"),
                _annotation(102, {"id": 11, "email": "ana@example.com"}, "Positive", at="2026-03-02T10:00:00+02:00"),
            ],
        },
        {
            "id": 2,
            "data": {"text": "Meh"},
            "created_at": "2026-03-02T08:00:00Z",
            "annotations": [
                _annotation(201, 10, "Neutral", at="2026-03-03T23:59:00Z", ground_truth=True),
                _annotation(202, 11, "Negative", at="2026-03-04T00:01:00Z", lead=40.0),
            ],
        },
        {"id": 3, "data": {"text": "Not labeled yet"}, "created_at": "2026-03-02T08:00:00Z", "annotations": []},
    ]


pytestmark = pytest.mark.database


async def test_given_an_export_when_imported_then_tasks_labels_labelers_and_rollups_are_stored(
    database: Database,
) -> None:
    await make_project(database)

    report = await run_import(database, "labelstudio", _export())

    assert (report.rows, report.created, report.rejected, report.skipped) == (4, 4, 0, 0)
    assert (report.tasks_created, report.labelers_created) == (3, 2)
    state = await snapshot(database)
    labels = {row[0]: row for row in state["labels"]}
    assert labels["101"][1] == {"sentiment": "Positive"}
    assert labels["102"][3].isoformat() == "2026-03-02T08:00:00+00:00"  # +02:00 read as UTC
    assert labels["202"][4] == 40.0
    tasks = {row[0]: row for row in state["tasks"]}
    assert tasks["1"][1] is TaskStatus.DONE and tasks["1"][3] == 2  # two labels: a consensus task
    assert tasks["2"][4] is True and tasks["2"][5] == {"sentiment": "Neutral"}  # ground truth is gold
    assert tasks["3"][1] is TaskStatus.TO_LABEL
    assert {row[1] for row in state["labelers"]} == {"10", "ana@example.com"}
    assert {row[2] for row in state["label_rollups"]} == {"2026-03-02", "2026-03-03", "2026-03-04"}
    assert state["spans"], "two-label tasks feed agreement"
    await rollups_match_a_full_rebuild(database)


async def test_given_an_imported_export_when_imported_again_then_nothing_changes(database: Database) -> None:
    await make_project(database)
    await run_import(database, "labelstudio", _export())
    before = await snapshot(database)

    report = await run_import(database, "labelstudio", _export())

    assert (report.created, report.updated, report.unchanged, report.days_rebuilt) == (0, 0, 4, 0)
    assert (report.tasks_created, report.tasks_updated, report.labelers_created) == (0, 0, 0)
    assert await snapshot(database) == before


async def test_given_a_newer_export_when_imported_then_changed_labels_are_updated_and_rollups_follow(
    database: Database,
) -> None:
    await make_project(database)
    await run_import(database, "labelstudio", _export())
    newer = _export()
    newer[1]["annotations"][1] = _annotation(202, 11, "Neutral", at="2026-03-04T00:01:00Z", lead=55.0)
    newer[2]["annotations"] = [_annotation(301, 12, "Positive", at="2026-03-05T12:00:00Z")]

    report = await run_import(database, "labelstudio", newer)

    assert (report.created, report.updated, report.unchanged) == (1, 1, 3)
    assert report.days_rebuilt == 3  # 03-03 and 03-04 (task 2), 03-05 (task 3); 03-02 untouched
    state = await snapshot(database)
    labels = {row[0]: row for row in state["labels"]}
    assert labels["202"][1] == {"sentiment": "Neutral"} and labels["202"][4] == 55.0
    assert await count(database, Label) == 5
    await rollups_match_a_full_rebuild(database)


async def test_given_a_messy_export_when_imported_then_bad_rows_are_rejected_with_their_position(
    database: Database,
) -> None:
    await make_project(database)
    messy = _export()
    messy[0]["annotations"].append(_annotation(103, None, "Positive", at="2026-03-02T09:00:00Z"))  # no author
    messy[0]["annotations"].append(_annotation(104, 12, "Negative", at="2026-03-02T09:00:00Z", was_cancelled=True))
    messy[1]["annotations"].append(_annotation(203, 13, "Neutral", at="not a time"))
    messy[1]["annotations"].append(_annotation(204, 14, "Neutral", at="2026-03-03T10:00:00", lead=None))  # naive
    messy.append(copy.deepcopy(messy[0]))  # the same task exported twice
    messy.append({"data": {"text": "no id"}})
    messy[2]["annotations"].append(_annotation(302, 10, ["B", "A"], at="2026-03-02T09:00:00Z"))

    report = await run_import(database, "labelstudio", messy)

    reasons = {(r.line, r.reason) for r in report.rejections}
    assert (1, "task 1 annotation 103: completed_by missing") in reasons
    assert any(line == 2 and "not an ISO 8601 timestamp" in reason for line, reason in reasons)
    assert (5, "task without an `id`") in reasons
    skipped = {(s.line, s.reason) for s in report.skips}
    assert (1, "task 1 annotation 104: cancelled (skipped by the labeler)") in skipped
    assert any(line == 4 and "duplicate of line 1" in reason for line, reason in skipped)
    assert report.notes == ["1 annotations have no lead_time: imported with 0 seconds to label"]
    assert report.created == 6
    state = await snapshot(database)
    labels = {row[0]: row for row in state["labels"]}
    assert labels["302"][1] == {"sentiment": ["A", "B"]}  # several choices: a sorted list
    assert labels["204"][3].isoformat() == "2026-03-03T10:00:00+00:00" and labels["204"][4] == 0.0
    await rollups_match_a_full_rebuild(database)


async def test_given_a_dry_run_when_imported_then_the_report_is_full_and_nothing_is_written(database: Database) -> None:
    await make_project(database)

    report = await run_import(database, "labelstudio", _export(), dry_run=True)

    assert report.created == 4 and report.dry_run
    assert await count(database, Task) == 0 and await count(database, Labeler) == 0


async def test_given_reviews_when_imported_then_the_latest_verdict_sets_the_status(database: Database) -> None:
    await make_project(database)
    export = _export()
    export[0]["annotations"][0]["reviews"] = [
        {"id": 9001, "created_by": 50, "accepted": False, "created_at": "2026-03-02T11:00:00Z"},
        {"id": 9002, "created_by": 50, "accepted": True, "created_at": "2026-03-02T12:00:00Z"},
    ]
    export[0]["annotations"][1]["reviews"] = [
        {"id": 9003, "created_by": 50, "accepted": False, "created_at": "2026-03-02T11:30:00Z"}
    ]

    report = await run_import(database, "labelstudio", export, batch_size=1)

    assert report.reviews_created == 3
    state = await snapshot(database)
    labels = {row[0]: row for row in state["labels"]}
    assert (labels["101"][2], labels["101"][5]) == (LabelStatus.ACCEPTED, 1)
    assert (labels["102"][2], labels["102"][5]) == (LabelStatus.REJECTED, 0)
    assert {row[0]: row for row in state["tasks"]}["1"][1] is TaskStatus.IN_REWORK
    assert await count(database, Review) == 3
    await rollups_match_a_full_rebuild(database)
    again = await run_import(database, "labelstudio", export, batch_size=1)
    assert (again.reviews_created, again.reviews_updated, again.updated) == (0, 0, 0)


async def test_given_reviewed_labels_when_an_export_without_reviews_is_imported_then_nothing_changes(
    database: Database,
) -> None:
    # An export made without reviews says nothing about them: the stored reviews still decide the labels' status.
    await make_project(database)
    export = _export()
    export[0]["annotations"][1]["reviews"] = [
        {"id": 9003, "created_by": 50, "accepted": False, "created_at": "2026-03-02T11:30:00Z"}
    ]
    await run_import(database, "labelstudio", export)
    before = await snapshot(database)

    again = await run_import(database, "labelstudio", _export())

    assert (again.updated, again.reviews_created, again.reviews_updated) == (0, 0, 0)
    assert await snapshot(database) == before
    assert {row[0]: row for row in before["labels"]}["102"][2] is LabelStatus.REJECTED


_REGION = {"x": 10, "y": 5}  # a classification drawn on a region of the item


@pytest.mark.parametrize(
    ("result", "answer"),
    [
        ([{"from_name": "s", "type": "choices", "value": {"choices": ["Positive"]}}], {"s": "Positive"}),
        ([{"from_name": "s", "type": "choices", "value": {"choices": ["b", "a"]}}], {"s": ["a", "b"]}),
        ([{"from_name": "r", "type": "rating", "value": {"rating": 4}}], {"r": 4}),
        ([{"from_name": "r", "type": "choices", "value": {"choices": [4]}}], {"r": "4"}),  # one choice, not a string
        (
            [{"from_name": "t", "type": "taxonomy", "value": {"taxonomy": [["Animal", "Cat"]]}}],
            {"t": '["Animal", "Cat"]'},
        ),
        (
            [{"from_name": "t", "type": "taxonomy", "value": {"taxonomy": [["Animal", "Dog"], ["Animal", "Cat"]]}}],
            {"t": ['["Animal", "Cat"]', '["Animal", "Dog"]']},
        ),
        ([{"type": "choices", "value": {"choices": ["only"]}}], {"choices": "only"}),
        ([{"from_name": "s", "type": "choices", "value": {"choices": ["x"], **_REGION}}], None),
        ([{"from_name": "s", "type": "choices", "value": {"choices": ["x"], "start": 1}}], None),
        ([{"from_name": "s", "type": "choices", "value": {"choices": ["x"], "points": []}}], None),
        ([{"from_name": "b", "type": "rectanglelabels", "value": {"rectanglelabels": ["Cat"], **_REGION}}], None),
        ([], {}),
        ("free text", None),
    ],
)
def test_given_a_result_then_its_comparable_answer_holds_the_categorical_items(result: Any, answer: Any) -> None:
    # None: nothing categorical at the task's level, the result itself is the answer.
    assert comparable_answer(result) == (result if answer is None else answer)


def _items(sentiment: str, topics: list[str], rating: float, *, reverse: bool) -> list[dict[str, Any]]:
    """A result of three categorical items; `reverse` lists them (and the topics) the other way round."""
    items = [
        {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [sentiment]}},
        {"from_name": "topic", "to_name": "text", "type": "choices", "value": {"choices": topics}},
        {"from_name": "stars", "to_name": "text", "type": "rating", "value": {"rating": rating}},
    ]
    if reverse:
        items[1]["value"] = {"choices": list(reversed(topics))}
    return list(reversed(items)) if reverse else items


async def test_given_annotators_listing_the_same_choices_in_other_orders_then_they_agree(database: Database) -> None:
    # given two annotators per task, the second listing the result's items and choices the other way round (and
    # the rating as 4.0), agreeing on the first task and not on the sentiment of the second
    project = await make_project(database)
    export = _export()[:2]
    for number, task in enumerate(export):
        second = "Positive" if number == 0 else "Negative"
        task["annotations"][0]["result"] = _items("Positive", ["sport", "news"], 4, reverse=False)
        task["annotations"][1]["result"] = _items(second, ["sport", "news"], 4.0, reverse=True)
        task["annotations"][0]["ground_truth"] = task["annotations"][1]["ground_truth"] = False

    await run_import(database, "labelstudio", export)

    # then agreement is that of the parsed answers: the first task's two labels agree, the second's do not
    async with database.session() as session:
        agreement = await fetch_agreement(session, Scope(project_id=project))
        stored = (await session.execute(select(Label.task_id, Label.answer).order_by(Label.task_id, Label.id))).all()
    units: dict[int, list[Any]] = {}
    for task_id, answer in stored:
        units.setdefault(task_id, []).append(answer)
    pairwise, alpha = parsed_agreement(list(units.values()))
    assert pairwise == 0.5
    assert (agreement.units, agreement.values) == (2, 4)
    assert agreement.pairwise == pytest.approx(pairwise, rel=1e-12)
    assert agreement.alpha == pytest.approx(alpha, rel=1e-12)
    await rollups_match_a_full_rebuild(database)
