"""Imports split into batches store what one batch stores: consensus tasks cut by a batch boundary, duplicates
across batches, changes that land in a later batch, new and stored tasks side by side in one batch."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import event

from server.db import Database
from server.db.enums import LabelStatus, TaskStatus
from server.db.models import Label, Task
from tests.server.connectors.world import (
    CROWD_CHANNEL_MAPPING,
    CROWD_MAPPING,
    count,
    make_project,
    rollups_match_a_full_rebuild,
    run_import,
    snapshot,
)

pytestmark = pytest.mark.database

MAPPING = CROWD_MAPPING
HEADER = "id,task,worker,started,submitted,answer"


def _row(label: str, task: str, worker: str, submitted: str, answer: str) -> str:
    return f"{label},{task},{worker},{submitted},{submitted},{answer}"


def _csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


# Task c1 is labeled by three workers over two days, its labels far apart in the file; c2 twice on one day.
CONSENSUS = _csv(
    _row("l1", "c1", "w1", "2026-04-01T09:10", "cat"),
    _row("l2", "s1", "w1", "2026-04-01T09:20", "dog"),
    _row("l3", "c2", "w2", "2026-04-01T09:30", "dog"),
    _row("l4", "s2", "w2", "2026-04-01T10:00", "cat"),
    _row("l5", "c1", "w2", "2026-04-01T23:50", "cat"),
    _row("l6", "c2", "w3", "2026-04-01T11:00", "dog"),
    _row("l7", "s3", "w3", "2026-04-02T08:00", "bird"),
    _row("l8", "c1", "w3", "2026-04-02T08:30", "dog"),
)


@pytest.mark.parametrize("batch_size", [5000, 1, 2, 3])
async def test_given_a_consensus_task_cut_by_batch_boundaries_then_tasks_and_rollups_are_as_in_one_batch(
    database: Database, batch_size: int
) -> None:
    await make_project(database)

    report = await run_import(database, "csv", CONSENSUS, mapping=MAPPING, batch_size=batch_size)

    assert (report.created, report.tasks_created, report.rejected) == (8, 5, 0)
    state = await snapshot(database)
    tasks = {row[0]: row[1:4] for row in state["tasks"]}
    assert {key: (status, required) for key, (status, _done, required) in tasks.items()} == {
        "c1": (TaskStatus.DONE, 3),
        "c2": (TaskStatus.DONE, 2),
        "s1": (TaskStatus.DONE, 1),
        "s2": (TaskStatus.DONE, 1),
        "s3": (TaskStatus.DONE, 1),
    }
    assert tasks["c1"][1].isoformat() == "2026-04-02T08:30:00+00:00"  # the third label completes it
    assert tasks["c2"][1].isoformat() == "2026-04-01T11:00:00+00:00"
    assert [(span[1], span[2]) for span in state["spans"]] == [
        ("2026-04-01", "2026-04-01"),
        ("2026-04-01", "2026-04-02"),
    ]
    await rollups_match_a_full_rebuild(database)


async def test_given_a_row_repeated_in_a_later_batch_then_it_is_skipped_and_a_conflicting_one_rejected(
    database: Database,
) -> None:
    await make_project(database)
    content = _csv(
        _row("l1", "t1", "w1", "2026-04-01T09:10", "cat"),
        _row("l2", "t2", "w1", "2026-04-01T09:20", "dog"),
        _row("l3", "t3", "w2", "2026-04-01T09:30", "dog"),
        _row("l1", "t1", "w1", "2026-04-01T09:10", "cat"),
        _row("l1", "t1", "w1", "2026-04-01T09:10", "bird"),
    )

    report = await run_import(database, "csv", content, mapping=MAPPING, batch_size=1)

    assert (report.rows, report.created, report.skipped, report.rejected) == (5, 3, 1, 1)
    assert [(s.line, s.reason) for s in report.skips] == [(5, "duplicate of line 2 (label l1)")]
    assert [(r.line, r.reason) for r in report.rejections] == [
        (6, "label l1 again with other data than on line 2, which is imported")
    ]
    labels = {row[0]: row for row in (await snapshot(database))["labels"]}
    assert labels["l1"][1] == {"answer": "cat"}
    await rollups_match_a_full_rebuild(database)


async def test_given_a_second_label_by_the_same_worker_on_a_new_task_in_a_later_batch_then_it_is_rejected(
    database: Database,
) -> None:
    await make_project(database)
    content = _csv(
        _row("l1", "t1", "w1", "2026-04-01T09:10", "cat"),
        _row("l2", "t1", "w1", "2026-04-01T09:20", "dog"),
        _row("l3", "t2", "w1", "2026-04-01T09:30", "dog"),
        _row("l4", "t2", "w1", "2026-04-01T09:40", "cat"),
    )

    report = await run_import(database, "csv", content, mapping=MAPPING, batch_size=1)

    assert (report.created, report.rejected) == (2, 2)
    assert [r.line for r in report.rejections] == [3, 5]
    assert report.rejections[0].reason == "labeler w1 already has label l1 on task t1"
    assert await count(database, Label) == 2
    await rollups_match_a_full_rebuild(database)


async def test_given_a_newer_file_when_the_changed_row_is_in_a_later_batch_then_only_it_is_updated(
    database: Database,
) -> None:
    await make_project(database)
    await run_import(database, "csv", CONSENSUS, mapping=MAPPING, batch_size=3)
    newer = CONSENSUS.replace(
        _row("l8", "c1", "w3", "2026-04-02T08:30", "dog"), _row("l8", "c1", "w3", "2026-04-03T08:30", "cat")
    )
    newer += _row("l9", "s4", "w1", "2026-04-03T09:00", "cat") + "\n"

    report = await run_import(database, "csv", newer, mapping=MAPPING, batch_size=3)

    assert (report.created, report.updated, report.unchanged, report.tasks_created) == (1, 1, 7, 1)
    state = await snapshot(database)
    labels = {row[0]: row for row in state["labels"]}
    assert labels["l8"][1] == {"answer": "cat"}
    tasks = {row[0]: row for row in state["tasks"]}
    assert tasks["c1"][2].isoformat() == "2026-04-03T08:30:00+00:00"  # completion moved with its last label
    await rollups_match_a_full_rebuild(database)
    again = await run_import(database, "csv", newer, mapping=MAPPING, batch_size=3)
    assert (again.created, again.updated, again.unchanged, again.days_rebuilt) == (0, 0, 9, 0)


def _task(task_id: int, *annotations: dict[str, Any]) -> dict[str, Any]:
    return {"id": task_id, "data": {"text": f"task {task_id}"}, "annotations": list(annotations)}


def _annotation(annotation_id: int, user: int, choice: str, at: str, *reviews: tuple[int, bool, str]) -> dict[str, Any]:
    return {
        "id": annotation_id,
        "completed_by": user,
        "created_at": at,
        "lead_time": 20.0,
        "result": [{"from_name": "s", "to_name": "t", "type": "choices", "value": {"choices": [choice]}}],
        "reviews": [
            {"id": review, "created_by": 90, "accepted": accepted, "created_at": when}
            for review, accepted, when in reviews
        ],
    }


async def test_given_new_and_stored_tasks_in_one_batch_then_labels_and_reviews_land_on_the_right_tasks(
    database: Database,
) -> None:
    await make_project(database)
    first = [_task(1, _annotation(11, 1, "A", "2026-04-01T09:00:00Z", (111, False, "2026-04-01T10:00:00Z")))]
    await run_import(database, "labelstudio", first)
    newer = [
        _task(
            1,
            _annotation(11, 1, "A", "2026-04-01T09:00:00Z", (111, True, "2026-04-01T10:00:00Z")),
            _annotation(12, 2, "A", "2026-04-01T09:05:00Z"),
        ),
        _task(2, _annotation(21, 1, "B", "2026-04-02T09:00:00Z", (211, False, "2026-04-02T10:00:00Z"))),
        _task(3),
    ]

    report = await run_import(database, "labelstudio", newer)

    assert (report.created, report.updated, report.tasks_created) == (2, 1, 2)
    assert (report.reviews_created, report.reviews_updated) == (1, 1)
    state = await snapshot(database)
    labels = {row[0]: row for row in state["labels"]}
    assert labels["11"][2] is LabelStatus.ACCEPTED and labels["21"][2] is LabelStatus.REJECTED
    tasks = {row[0]: row for row in state["tasks"]}
    assert (tasks["1"][1], tasks["1"][3]) == (TaskStatus.DONE, 2)
    assert tasks["2"][1] is TaskStatus.IN_REWORK and tasks["3"][1] is TaskStatus.TO_LABEL
    async with database.session() as session:
        placed = dict(
            (await session.execute(Label.__table__.select().with_only_columns(Label.external_id, Label.task_id))).all()
        )
        ids = dict((await session.execute(Task.__table__.select().with_only_columns(Task.external_id, Task.id))).all())
    assert placed == {"11": ids["1"], "12": ids["1"], "21": ids["2"]}
    assert sorted(row[0] for row in state["reviews"]) == ["111", "211"]
    await rollups_match_a_full_rebuild(database)


async def test_given_an_unchanged_file_when_imported_again_then_no_rollup_is_recounted(database: Database) -> None:
    await make_project(database)
    await run_import(database, "csv", CONSENSUS, mapping=MAPPING, batch_size=3)
    written: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "WITH")):
            written.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        report = await run_import(database, "csv", CONSENSUS, mapping=MAPPING, batch_size=3)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)

    assert (report.unchanged, report.days_rebuilt) == (8, 0)
    assert written == []


def _consensus_export(seed: int, moved: bool) -> str:
    """Tasks of one to four labels from three vendors' workers around midnights, so that spans cover one to three
    days; answers from two categories (ties within a task). `moved` is a newer export: some labels change answer
    or day, which moves their tasks to other spans."""
    rng = random.Random(seed)
    rows = [f"{HEADER},channel"]
    number = 0
    for task in range(40):
        workers = rng.sample(range(12), rng.choice((1, 2, 2, 3, 4)))
        for worker in workers:
            number += 1
            day = rng.randrange(1, 4)
            minute = rng.choice((5, 50, 1430))
            answer = rng.choice(("cat", "dog"))
            if moved and number % 5 == 0:
                day, answer = day + 1, "bird"
            at = f"2026-04-{day:02d}T{minute // 60:02d}:{minute % 60:02d}"
            rows.append(_row(f"l{number}", f"t{task}", f"w{worker}", at, answer) + f",v{worker % 3}")
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("batch_size", [1, 7, 5000])
async def test_given_consensus_tasks_spread_over_batches_then_every_consensus_table_equals_a_full_rebuild(
    database: Database, batch_size: int
) -> None:
    await make_project(database)
    mapping = CROWD_CHANNEL_MAPPING
    await run_import(database, "csv", _consensus_export(3, moved=False), mapping=mapping, batch_size=batch_size)
    first = await snapshot(database)
    await rollups_match_a_full_rebuild(database)
    report = await run_import(database, "csv", _consensus_export(3, moved=True), mapping=mapping, batch_size=5)

    assert report.updated > 0
    assert len(first["span_member_values"]) > len(first["spans"]) > 3
    await rollups_match_a_full_rebuild(database)
