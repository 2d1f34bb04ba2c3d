"""The labeling workflow over GraphQL: submit, review (thumbs up / down), rework; labels and reviews queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.db import Database
from server.services import completion_rollups, rollups
from tests.server.engine_events import driver_crossings, statements_run
from tests.server.graphql_client import Workspace, build_workspace, expect_data, mutate_ok

SUBMIT_LABEL = """
mutation($input: SubmitLabelInput!) {
  submitLabel(input: $input) {
    __typename
    ... on LabelPayload { label { id status secondsToLabel answer labeler { name } } task { status } }
    ... on UserError { message field }
  }
}
"""
REVIEW_LABEL = """
mutation($input: ReviewLabelInput!) {
  reviewLabel(input: $input) {
    __typename
    ... on ReviewPayload { review { verdict comment reviewer { name } } label { status } task { status } }
    ... on InvalidTransitionError { current target }
    ... on UserError { message field }
  }
}
"""
REWORK_LABEL = """
mutation($input: ReworkLabelInput!) {
  reworkLabel(input: $input) {
    __typename
    ... on LabelPayload { label { status reworkCount reworkSeconds answer } task { status } }
    ... on InvalidTransitionError { current target }
    ... on UserError { message field }
  }
}
"""
LABELS = """
query($filter: LabelFilter) {
  labels(filter: $filter) { totalCount edges { node { status task { externalId } reviews { verdict } } } }
}
"""
REVIEWS = """
query($filter: ReviewFilter) { reviews(filter: $filter) { totalCount edges { node { verdict label { status } } } } }
"""


def _submission(workspace: Workspace, *, task: int = 0, labeler: int = 0, minutes_ago: int = 10) -> dict[str, Any]:
    submitted = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {
        "taskId": workspace.tasks[task],
        "labelerId": workspace.labelers[labeler],
        "answer": {"class": "car"},
        "startedAt": (submitted - timedelta(seconds=90)).isoformat(),
        "submittedAt": submitted.isoformat(),
    }


async def _submitted_label(database: Database, workspace: Workspace) -> str:
    payload = await mutate_ok(database, SUBMIT_LABEL, {"input": _submission(workspace)}, "submitLabel")
    return str(payload["label"]["id"])


async def test_submit_label_sends_the_task_to_review(database: Database) -> None:
    # given a project that reviews every label
    workspace = await build_workspace(database)
    # when a member submits a label
    payload = await mutate_ok(database, SUBMIT_LABEL, {"input": _submission(workspace)}, "submitLabel")
    # then the label awaits review and so does the task
    assert payload["label"]["status"] == "SUBMITTED"
    assert payload["label"]["secondsToLabel"] == 90.0
    assert payload["label"]["labeler"] == {"name": "Labeler 0"}
    assert payload["task"] == {"status": "IN_REVIEW"}


async def test_submit_label_bad_inputs(database: Database) -> None:
    workspace = await build_workspace(database)
    backwards = {**_submission(workspace), "startedAt": datetime.now(UTC).isoformat()}
    unknown_task = {**_submission(workspace), "taskId": "VGFzazo5OTk="}
    negative = {**_submission(workspace), "secondsToLabel": -1.0}
    results = [
        (await expect_data(database, SUBMIT_LABEL, {"input": values}))["submitLabel"]
        for values in (backwards, unknown_task, negative)
    ]
    assert [(result["__typename"], result["field"]) for result in results] == [
        ("ValidationError", "input.submittedAt"),
        ("NotFoundError", "input.taskId"),
        ("ValidationError", "input.secondsToLabel"),
    ]


async def test_second_label_by_the_same_labeler_is_a_conflict(database: Database) -> None:
    workspace = await build_workspace(database)
    await _submitted_label(database, workspace)
    data = await expect_data(database, SUBMIT_LABEL, {"input": _submission(workspace, minutes_ago=5)})
    assert data["submitLabel"]["__typename"] == "ConflictError"


async def test_thumbs_up_accepts_the_label_and_completes_the_task(database: Database) -> None:
    # given a submitted label
    workspace = await build_workspace(database)
    label = await _submitted_label(database, workspace)
    # when another member reviews it with a thumbs up
    review = {"labelId": label, "reviewerId": workspace.labelers[1], "verdict": "THUMBS_UP", "secondsToReview": 20}
    payload = await mutate_ok(database, REVIEW_LABEL, {"input": review}, "reviewLabel")
    # then the label is accepted and the task done
    assert payload["review"]["verdict"] == "THUMBS_UP"
    assert payload["review"]["reviewer"] == {"name": "Labeler 1"}
    assert payload["label"] == {"status": "ACCEPTED"}
    assert payload["task"] == {"status": "DONE"}


async def test_thumbs_down_sends_the_task_to_rework_and_rework_resubmits(database: Database) -> None:
    # given a label rejected with a comment
    workspace = await build_workspace(database)
    label = await _submitted_label(database, workspace)
    review = {
        "labelId": label,
        "reviewerId": workspace.labelers[1],
        "verdict": "THUMBS_DOWN",
        "secondsToReview": 30,
        "comment": "box too loose",
    }
    rejected = await mutate_ok(database, REVIEW_LABEL, {"input": review}, "reviewLabel")
    assert rejected["label"] == {"status": "REJECTED"}
    assert rejected["task"] == {"status": "IN_REWORK"}
    # when the author reworks it
    rework = {"labelId": label, "labelerId": workspace.labelers[0], "answer": {"class": "bus"}, "reworkSeconds": 45}
    payload = await mutate_ok(database, REWORK_LABEL, {"input": rework}, "reworkLabel")
    # then it is back in review with the rework counted
    assert payload["label"] == {
        "status": "SUBMITTED",
        "reworkCount": 1,
        "reworkSeconds": 45.0,
        "answer": {"class": "bus"},
    }
    assert payload["task"] == {"status": "IN_REVIEW"}
    # and the review history is queryable through labels and reviews
    labels = await expect_data(database, LABELS, {"filter": {"taskId": workspace.tasks[0]}})
    assert labels["labels"]["edges"][0]["node"]["reviews"] == [{"verdict": "THUMBS_DOWN"}]
    reviews = await expect_data(database, REVIEWS, {"filter": {"verdict": "THUMBS_DOWN"}})
    assert reviews["reviews"]["totalCount"] == 1


async def test_thumbs_down_needs_a_comment(database: Database) -> None:
    workspace = await build_workspace(database)
    label = await _submitted_label(database, workspace)
    review = {"labelId": label, "reviewerId": workspace.labelers[1], "verdict": "THUMBS_DOWN", "secondsToReview": 5}
    data = await expect_data(database, REVIEW_LABEL, {"input": review})
    assert data["reviewLabel"]["__typename"] == "ValidationError"
    assert data["reviewLabel"]["field"] == "input.comment"


async def test_reviewing_an_accepted_label_is_an_invalid_transition(database: Database) -> None:
    workspace = await build_workspace(database)
    label = await _submitted_label(database, workspace)
    review = {"labelId": label, "reviewerId": workspace.labelers[1], "verdict": "THUMBS_UP", "secondsToReview": 5}
    await mutate_ok(database, REVIEW_LABEL, {"input": review}, "reviewLabel")
    data = await expect_data(database, REVIEW_LABEL, {"input": review})
    assert data["reviewLabel"]["__typename"] == "InvalidTransitionError"
    assert data["reviewLabel"]["current"] == "ACCEPTED"


async def test_review_unknown_label_and_negative_time(database: Database) -> None:
    workspace = await build_workspace(database)
    label = await _submitted_label(database, workspace)
    unknown = {
        "labelId": "TGFiZWw6OTk5",
        "reviewerId": workspace.labelers[1],
        "verdict": "THUMBS_UP",
        "secondsToReview": 5,
    }
    negative = {"labelId": label, "reviewerId": workspace.labelers[1], "verdict": "THUMBS_UP", "secondsToReview": -5}
    missing = (await expect_data(database, REVIEW_LABEL, {"input": unknown}))["reviewLabel"]
    assert (missing["__typename"], missing["field"]) == ("NotFoundError", "input.labelId")
    assert "Label" in missing["message"], missing
    refused = (await expect_data(database, REVIEW_LABEL, {"input": negative}))["reviewLabel"]
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.secondsToReview")


async def test_reworking_a_label_that_was_not_rejected_is_refused(database: Database) -> None:
    workspace = await build_workspace(database)
    label = await _submitted_label(database, workspace)
    rework = {"labelId": label, "labelerId": workspace.labelers[0], "answer": 1, "reworkSeconds": 10}
    data = await expect_data(database, REWORK_LABEL, {"input": rework})
    assert data["reworkLabel"]["__typename"] == "InvalidTransitionError"
    assert (data["reworkLabel"]["current"], data["reworkLabel"]["target"]) == ("SUBMITTED", "SUBMITTED")


async def test_labels_filter_by_labeler_status_and_time_window(database: Database) -> None:
    # given labels submitted an hour and ten minutes ago by different labelers
    workspace = await build_workspace(database, tasks=2)
    await mutate_ok(database, SUBMIT_LABEL, {"input": _submission(workspace, task=0, minutes_ago=60)}, "submitLabel")
    await mutate_ok(
        database, SUBMIT_LABEL, {"input": _submission(workspace, task=1, labeler=1, minutes_ago=10)}, "submitLabel"
    )
    recent = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
    # then each filter picks its label
    by_window = await expect_data(database, LABELS, {"filter": {"submittedAfter": recent}})
    by_labeler = await expect_data(database, LABELS, {"filter": {"labelerId": workspace.labelers[0]}})
    by_status = await expect_data(database, LABELS, {"filter": {"status": ["ACCEPTED"]}})
    by_project = await expect_data(database, LABELS, {"filter": {"projectId": workspace.project}})
    assert [e["node"]["task"]["externalId"] for e in by_window["labels"]["edges"]] == ["asset-1"]
    assert [e["node"]["task"]["externalId"] for e in by_labeler["labels"]["edges"]] == ["asset-0"]
    assert by_status["labels"]["totalCount"] == 0
    assert by_project["labels"]["totalCount"] == 2


UPDATE_LABELS_REQUIRED = """
mutation($input: UpdateTaskInput!) {
  updateTask(input: $input) {
    __typename
    ... on TaskPayload { task { status labelsRequired } }
    ... on UserError { message field }
  }
}
"""


async def test_raising_labels_required_reopens_a_done_task(database: Database) -> None:
    # given a task completed by one accepted label
    workspace = await build_workspace(database)
    label = await _submitted_label(database, workspace)
    review = {"labelId": label, "reviewerId": workspace.labelers[1], "verdict": "THUMBS_UP", "secondsToReview": 20}
    await mutate_ok(database, REVIEW_LABEL, {"input": review}, "reviewLabel")
    # when the task is changed to need two labels (consensus)
    changes = {"id": workspace.tasks[0], "labelsRequired": 2}
    payload = await mutate_ok(database, UPDATE_LABELS_REQUIRED, {"input": changes}, "updateTask")
    # then it goes back to the queue for its second label
    assert payload["task"] == {"status": "TO_LABEL", "labelsRequired": 2}


async def test_lowering_labels_required_below_the_labels_held_is_a_conflict(database: Database) -> None:
    # given a consensus task holding two submitted labels
    workspace = await build_workspace(database)
    task = workspace.tasks[0]
    await mutate_ok(database, UPDATE_LABELS_REQUIRED, {"input": {"id": task, "labelsRequired": 2}}, "updateTask")
    for labeler in (0, 1):
        submission = _submission(workspace, labeler=labeler)
        await mutate_ok(database, SUBMIT_LABEL, {"input": submission}, "submitLabel")
    # when it is changed to need only one label
    data = await expect_data(database, UPDATE_LABELS_REQUIRED, {"input": {"id": task, "labelsRequired": 1}})
    # then the change is refused, naming the field, and nothing changes
    assert data["updateTask"]["__typename"] == "ConflictError"
    assert data["updateTask"]["field"] == "input.labelsRequired"
    unchanged = await expect_data(database, UPDATE_LABELS_REQUIRED, {"input": {"id": task}})
    assert unchanged["updateTask"]["task"] == {"status": "IN_REVIEW", "labelsRequired": 2}


async def _submit_then_review(database: Database) -> tuple[list[str], list[str], dict[str, Any]]:
    """The statements a label's submission ran, those of its thumbs-up review, and the review's payload."""
    workspace = await build_workspace(database)
    with statements_run(database) as submitted:
        label = await _submitted_label(database, workspace)
    review = {"labelId": label, "reviewerId": workspace.labelers[1], "verdict": "THUMBS_UP", "secondsToReview": 20}
    with statements_run(database) as reviewed:
        payload = await mutate_ok(database, REVIEW_LABEL, {"input": review}, "reviewLabel")
    return submitted, reviewed, payload


async def test_a_submission_and_its_review_read_what_they_check_once(database: Database) -> None:
    # given a workspace, when a label is submitted, then reviewed
    submitted, reviewed, payload = await _submit_then_review(database)
    # then each checks its labeler's stage, vendor and membership in one statement, without reading the vendor or
    # the membership apart
    for statements in (submitted, reviewed):
        apart = [s for s in statements if s.startswith(("SELECT vendors.", "SELECT project_memberships."))]
        assert apart == [], statements
    # and the submission read its task's labels once, settling the task's status from them and the new one
    task_labels = [s for s in submitted if s.startswith("SELECT labels.") and "WHERE labels.task_id" in s]
    assert len(task_labels) == 1, submitted
    # and the review read the label row and the task row once each (the task found through the label, under its
    # lock), and answered from them
    label_reads = [s for s in reviewed if s.startswith("SELECT labels.id, labels.task_id")]
    task_reads = [s for s in reviewed if s.startswith("SELECT tasks.id, tasks.project_id")]
    assert (len(label_reads), len(task_reads)) == (1, 1), reviewed
    assert (payload["label"], payload["task"]) == ({"status": "ACCEPTED"}, {"status": "DONE"})


async def test_a_submission_and_its_review_read_the_project_with_the_task_lock_and_bump_rollups_together(
    database: Database,
) -> None:
    # given a workspace, when a label is submitted, then reviewed
    submitted, reviewed, payload = await _submit_then_review(database)
    for statements in (submitted, reviewed):
        # then the project is read by the statement that locks the task (which locks the task alone), not apart
        locks = [s for s in statements if s.startswith("SELECT tasks.") and "FOR UPDATE" in s]
        if database.dialect == "postgresql":
            assert len(locks) == 1 and "JOIN projects" in locks[0] and "FOR UPDATE OF tasks" in locks[0], locks
        assert not [s for s in statements if s.startswith("SELECT projects.id, projects.name")], statements
        # and on PostgreSQL the label's (or review's) four rollup rows are bumped by one statement
        # (the reviewer's day row and the completion count come later, on their own)
        later = ("INSERT INTO reviewer_day_rollups", "INSERT INTO task_day_rollups")
        upserts = [s for s in statements if "ON CONFLICT" in s and not s.startswith(later)]
        assert len(upserts) == (1 if database.dialect == "postgresql" else 4), upserts
    assert (payload["label"], payload["task"]) == ({"status": "ACCEPTED"}, {"status": "DONE"})


async def test_on_sqlite_a_submission_and_its_review_cross_to_the_driver_only_to_take_the_lock_and_commit(
    database: Database,
) -> None:
    if database.dialect != "sqlite":
        pytest.skip("aiosqlite's thread is SQLite's")
    # given a workspace, its connection warmed up
    workspace = await build_workspace(database)
    # when a label is submitted, then reviewed
    with driver_crossings() as submitted:
        label = await _submitted_label(database, workspace)
    review = {"labelId": label, "reviewerId": workspace.labelers[1], "verdict": "THUMBS_UP", "secondsToReview": 20}
    with driver_crossings() as reviewed, statements_run(database) as review_statements:
        payload = await mutate_ok(database, REVIEW_LABEL, {"input": review}, "reviewLabel")
    # then each crosses to the driver's thread for the statement that takes the write lock and for the commit (the
    # reads before the lock, the writes after it and the audit entry run on the loop's thread), and once more after
    # the commit, for the payload's labeler read by its DataLoader in a session of its own (15 and 19 crossings
    # without the short transaction)
    assert len(submitted) <= 3, submitted
    assert len(reviewed) <= 3, reviewed
    assert len(review_statements) > 10  # far more statements than crossings
    assert (payload["label"], payload["task"]) == ({"status": "ACCEPTED"}, {"status": "DONE"})


async def test_a_review_settles_its_task_from_the_labels_read_under_the_lock_in_one_update(database: Database) -> None:
    # given a submitted label
    workspace = await build_workspace(database)
    label = await _submitted_label(database, workspace)
    review = {"labelId": label, "reviewerId": workspace.labelers[1], "verdict": "THUMBS_UP", "secondsToReview": 20}
    # when it is reviewed, completing its task
    with statements_run(database) as reviewed:
        payload = await mutate_ok(database, REVIEW_LABEL, {"input": review}, "reviewLabel")
    # then the task's labels are read once (the label among them), not again to settle the task
    label_reads = [s for s in reviewed if s.startswith("SELECT labels.")]
    assert len(label_reads) == 1, reviewed
    # and the task's status and completion are written in one UPDATE (besides SQLite's lock, which sets id=id)
    task_writes = [s for s in reviewed if s.startswith("UPDATE tasks SET") and not s.startswith("UPDATE tasks SET id=")]
    assert len(task_writes) == 1, task_writes
    assert "status" in task_writes[0] and "completed_at" in task_writes[0]
    assert (payload["label"], payload["task"]) == ({"status": "ACCEPTED"}, {"status": "DONE"})


async def test_rollup_statements_are_built_once_per_shape_and_reused_by_later_writes(database: Database) -> None:
    # given two tasks, each labeled and reviewed by different people, so every rollup key differs between them
    workspace = await build_workspace(database, labelers=3)
    built: list[tuple[dict[Any, Any], dict[Any, Any]]] = []
    for task, (labeler, reviewer) in enumerate([(0, 1), (2, 0)]):
        submission = _submission(workspace, task=task, labeler=labeler)
        label = (await mutate_ok(database, SUBMIT_LABEL, {"input": submission}, "submitLabel"))["label"]["id"]
        review = {"labelId": label, "reviewerId": workspace.labelers[reviewer], "verdict": "THUMBS_UP"}
        payload = await mutate_ok(database, REVIEW_LABEL, {"input": {**review, "secondsToReview": 20}}, "reviewLabel")
        assert payload["task"] == {"status": "DONE"}
        built.append((dict(rollups._STATEMENTS), dict(completion_rollups._STATEMENTS)))
    # then the second task's writes used the statements the first one built: none new, none rebuilt
    for first, second in zip(built[0], built[1], strict=True):
        assert first.keys() == second.keys()
        assert all(second[key] is statement for key, statement in first.items())
