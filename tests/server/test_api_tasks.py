"""Task operations over GraphQL: create one or in bulk (all or nothing), update, archive, benchmarks."""

from __future__ import annotations

import pytest

from server.db import Database
from tests.server.graphql_client import build_workspace, create_project, expect_data, mutate_ok

CREATE_TASK = """
mutation($input: CreateTaskInput!) {
  createTask(input: $input) {
    __typename
    ... on TaskPayload { task { id externalId status priority labelsRequired project { name } } }
    ... on UserError { message field }
  }
}
"""
CREATE_TASKS = """
mutation($input: CreateTasksInput!) {
  createTasks(input: $input) {
    __typename
    ... on TasksPayload { tasks { externalId } }
    ... on UserError { message field }
  }
}
"""
UPDATE_TASK = """
mutation($input: UpdateTaskInput!) {
  updateTask(input: $input) {
    __typename
    ... on TaskPayload { task { priority dueAt labelsRequired } }
    ... on UserError { message field }
  }
}
"""
ARCHIVE_TASK = """
mutation($id: ID!) {
  archiveTask(id: $id) { __typename ... on TaskPayload { task { archivedAt } } ... on UserError { message } }
}
"""
MARK_BENCHMARK = """
mutation($input: MarkBenchmarkInput!) {
  markBenchmark(input: $input) {
    __typename
    ... on TaskPayload { task { isBenchmark goldAnswer } }
    ... on UserError { message field }
  }
}
"""
UNMARK_BENCHMARK = """
mutation($taskId: ID!) {
  unmarkBenchmark(taskId: $taskId) {
    __typename ... on TaskPayload { task { isBenchmark goldAnswer } } ... on UserError { message }
  }
}
"""
LIST_TASKS = """
query($filter: TaskFilter, $includeArchived: Boolean! = false, $orderBy: TaskOrder) {
  tasks(filter: $filter, includeArchived: $includeArchived, orderBy: $orderBy) {
    totalCount edges { node { externalId } }
  }
}
"""


async def test_create_one_task(database: Database) -> None:
    project = await create_project(database, "Street scenes")
    task = {"externalId": "img-1", "priority": 5, "labelsRequired": 2, "dueAt": "2035-01-01T00:00:00Z"}
    payload = await mutate_ok(database, CREATE_TASK, {"input": {"projectId": project, "task": task}}, "createTask")
    assert payload["task"]["status"] == "TO_LABEL"
    assert payload["task"]["priority"] == 5
    assert payload["task"]["project"] == {"name": "Street scenes"}


async def test_create_task_errors_name_the_single_task_input(database: Database) -> None:
    project = await create_project(database, "Street scenes")
    task = {"externalId": "img-1", "labelsRequired": 0}
    data = await expect_data(database, CREATE_TASK, {"input": {"projectId": project, "task": task}})
    assert data["createTask"]["__typename"] == "ValidationError"
    assert data["createTask"]["field"] == "input.task.labelsRequired"


async def test_bulk_create_adds_every_task(database: Database) -> None:
    project = await create_project(database, "Street scenes")
    items = [{"externalId": f"img-{i}"} for i in range(25)]
    payload = await mutate_ok(database, CREATE_TASKS, {"input": {"projectId": project, "tasks": items}}, "createTasks")
    assert len(payload["tasks"]) == 25
    assert (await expect_data(database, LIST_TASKS))["tasks"]["totalCount"] == 25


@pytest.mark.parametrize(
    ("bad", "typename", "field"),
    [
        ({"externalId": "img-1"}, "ConflictError", "input.tasks[3].externalId"),
        ({"externalId": " "}, "ValidationError", "input.tasks[3].externalId"),
        (
            {"externalId": "late", "createdAt": "2030-01-02T00:00:00Z", "dueAt": "2030-01-01T00:00:00Z"},
            "ValidationError",
            "input.tasks[3].dueAt",
        ),
        ({"externalId": "none", "labelsRequired": 0}, "ValidationError", "input.tasks[3].labelsRequired"),
    ],
)
async def test_failing_bulk_create_leaves_no_rows(
    database: Database, bad: dict[str, object], typename: str, field: str
) -> None:
    # given a bulk of tasks whose fourth item is bad
    project = await create_project(database, "Street scenes")
    items = [{"externalId": f"img-{i}"} for i in range(3)] + [bad] + [{"externalId": "img-9"}]
    # when they are created together
    data = await expect_data(database, CREATE_TASKS, {"input": {"projectId": project, "tasks": items}})
    # then the error names the item, and no task at all was written
    assert data["createTasks"]["__typename"] == typename
    assert data["createTasks"]["field"] == field
    assert (await expect_data(database, LIST_TASKS, {"includeArchived": True}))["tasks"]["totalCount"] == 0


async def test_bulk_create_refuses_an_external_id_already_in_the_project(database: Database) -> None:
    project = await create_project(database, "Street scenes")
    await mutate_ok(
        database, CREATE_TASKS, {"input": {"projectId": project, "tasks": [{"externalId": "a"}]}}, "createTasks"
    )
    items = [{"externalId": "b"}, {"externalId": "a"}]
    data = await expect_data(database, CREATE_TASKS, {"input": {"projectId": project, "tasks": items}})
    assert data["createTasks"]["__typename"] == "ConflictError"
    assert data["createTasks"]["field"] == "input.tasks[1].externalId"
    assert (await expect_data(database, LIST_TASKS))["tasks"]["totalCount"] == 1


async def test_bulk_create_needs_at_least_one_task_and_a_known_open_project(database: Database) -> None:
    project = await create_project(database, "Done", status="COMPLETED")
    empty = await expect_data(database, CREATE_TASKS, {"input": {"projectId": project, "tasks": []}})
    closed = await expect_data(
        database, CREATE_TASKS, {"input": {"projectId": project, "tasks": [{"externalId": "a"}]}}
    )
    unknown = await expect_data(
        database, CREATE_TASKS, {"input": {"projectId": "UHJvamVjdDo0Mg==", "tasks": [{"externalId": "a"}]}}
    )
    assert empty["createTasks"]["field"] == "input.tasks"
    assert closed["createTasks"]["field"] == "input.projectId"
    assert unknown["createTasks"]["__typename"] == "NotFoundError"


async def test_update_and_archive_task(database: Database) -> None:
    workspace = await build_workspace(database, labelers=0, tasks=2)
    task = workspace.tasks[0]
    changes = {"id": task, "priority": 9, "dueAt": "2035-01-01T00:00:00Z", "labelsRequired": 3}
    payload = await mutate_ok(database, UPDATE_TASK, {"input": changes}, "updateTask")
    assert payload["task"] == {"priority": 9, "dueAt": "2035-01-01T00:00:00+00:00", "labelsRequired": 3}
    archived = await mutate_ok(database, ARCHIVE_TASK, {"id": task}, "archiveTask")
    assert archived["task"]["archivedAt"] is not None
    assert (await expect_data(database, LIST_TASKS))["tasks"]["totalCount"] == 1
    assert (await expect_data(database, LIST_TASKS, {"includeArchived": True}))["tasks"]["totalCount"] == 2


async def test_update_unknown_task_and_bad_values(database: Database) -> None:
    workspace = await build_workspace(database, labelers=0, tasks=1)
    unknown = await expect_data(database, UPDATE_TASK, {"input": {"id": "VGFzazo0Mg==", "priority": 1}})
    naive = await expect_data(
        database, UPDATE_TASK, {"input": {"id": workspace.tasks[0], "dueAt": "2035-01-01T00:00:00"}}
    )
    assert unknown["updateTask"]["__typename"] == "NotFoundError"
    assert naive["updateTask"]["field"] == "input.dueAt"


async def test_mark_and_unmark_benchmark(database: Database) -> None:
    # given a task
    workspace = await build_workspace(database, labelers=0, tasks=2)
    task = workspace.tasks[1]
    # when it is marked as a benchmark with a gold answer
    gold = {"boxes": [[0, 0, 10, 10]], "class": "car"}
    payload = await mutate_ok(
        database, MARK_BENCHMARK, {"input": {"taskId": task, "goldAnswer": gold}}, "markBenchmark"
    )
    # then it carries the gold answer and the benchmark filter finds it
    assert payload["task"] == {"isBenchmark": True, "goldAnswer": gold}
    benchmarks = await expect_data(database, LIST_TASKS, {"filter": {"isBenchmark": True}})
    assert [edge["node"]["externalId"] for edge in benchmarks["tasks"]["edges"]] == ["asset-1"]
    # and unmarking makes it ordinary again; unmarking twice is refused
    unmarked = await mutate_ok(database, UNMARK_BENCHMARK, {"taskId": task}, "unmarkBenchmark")
    assert unmarked["task"] == {"isBenchmark": False, "goldAnswer": None}
    again = await expect_data(database, UNMARK_BENCHMARK, {"taskId": task})
    assert again["unmarkBenchmark"]["__typename"] == "ValidationError"


async def test_mark_benchmark_on_unknown_task(database: Database) -> None:
    data = await expect_data(database, MARK_BENCHMARK, {"input": {"taskId": "VGFzazo0Mg==", "goldAnswer": 1}})
    assert data["markBenchmark"]["__typename"] == "NotFoundError"


async def test_tasks_filter_by_project_and_status_and_order_by_priority(database: Database) -> None:
    workspace = await build_workspace(database, labelers=0, tasks=3)
    other = await create_project(database, "Other")
    await mutate_ok(
        database, CREATE_TASKS, {"input": {"projectId": other, "tasks": [{"externalId": "x"}]}}, "createTasks"
    )
    await mutate_ok(database, UPDATE_TASK, {"input": {"id": workspace.tasks[2], "priority": 9}}, "updateTask")
    data = await expect_data(
        database,
        LIST_TASKS,
        {
            "filter": {"projectId": workspace.project, "status": ["TO_LABEL"]},
            "orderBy": {"field": "PRIORITY", "direction": "DESC"},
        },
    )
    assert [edge["node"]["externalId"] for edge in data["tasks"]["edges"]] == ["asset-2", "asset-1", "asset-0"]
