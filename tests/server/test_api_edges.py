"""Edges of the core API over HTTP: inputs at and past their bounds, orders with nulls, text in any case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from server.db import Database
from tests.server.graphql_client import CREATE_LABELER, Workspace, build_workspace

SUBMIT_LABEL = """
mutation($input: SubmitLabelInput!) {
  submitLabel(input: $input) {
    __typename
    ... on LabelPayload { label { id status } }
    ... on UserError { message field }
  }
}
"""
REVIEW_LABEL = """
mutation($input: ReviewLabelInput!) {
  reviewLabel(input: $input) {
    __typename
    ... on ReviewPayload { label { status } }
    ... on ValidationError { value }
    ... on UserError { message field }
  }
}
"""
REWORK_LABEL = """
mutation($input: ReworkLabelInput!) {
  reworkLabel(input: $input) {
    __typename
    ... on LabelPayload { label { status reworkSeconds reworkCount } }
    ... on ValidationError { value }
    ... on UserError { message field }
  }
}
"""
LABEL = """
query($id: ID!) { label(id: $id) { status reworkSeconds reworkCount reviews { verdict secondsToReview } } }
"""
# A year and a day: the longest a label or a review may be timed at.
MAX_SECONDS = 366 * 86_400


async def _post(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The data of an operation that must answer without GraphQL errors (a crash would be "Unexpected error.")."""
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


async def _submitted_label(client: httpx.AsyncClient, workspace: Workspace) -> str:
    submitted = datetime.now(UTC) - timedelta(minutes=10)
    submission = {
        "taskId": workspace.tasks[0],
        "labelerId": workspace.labelers[0],
        "answer": {"class": "car"},
        "startedAt": (submitted - timedelta(seconds=90)).isoformat(),
        "submittedAt": submitted.isoformat(),
    }
    payload = (await _post(client, SUBMIT_LABEL, {"input": submission}))["submitLabel"]
    assert payload["label"]["status"] == "SUBMITTED", payload
    return str(payload["label"]["id"])


async def test_review_and_rework_times_past_a_year_are_refused(
    database: Database, admin_client: httpx.AsyncClient
) -> None:
    # given a submitted label
    workspace = await build_workspace(database)
    label = await _submitted_label(admin_client, workspace)
    review = {"labelId": label, "reviewerId": workspace.labelers[1], "verdict": "THUMBS_DOWN", "comment": "box"}
    # when it is reviewed with a time no timer gives (1e308 once crashed the histogram bins)
    refused = [
        (await _post(admin_client, REVIEW_LABEL, {"input": {**review, "secondsToReview": seconds}}))["reviewLabel"]
        for seconds in (1e308, MAX_SECONDS + 1)
    ]
    # then each is refused, naming the field and the value, and nothing is written
    assert [(error["__typename"], error["field"], error["value"]) for error in refused] == [
        ("ValidationError", "input.secondsToReview", "1e+308"),
        ("ValidationError", "input.secondsToReview", str(float(MAX_SECONDS + 1))),
    ]
    assert f"from 0 to {MAX_SECONDS}" in refused[0]["message"]
    assert (await _post(admin_client, LABEL, {"id": label}))["label"]["reviews"] == []

    # when the rejected label is reworked with such a time (twice 1e308 once summed to infinity)
    rejected = await _post(admin_client, REVIEW_LABEL, {"input": {**review, "secondsToReview": MAX_SECONDS}})
    assert rejected["reviewLabel"]["label"] == {"status": "REJECTED"}
    rework = {"labelId": label, "labelerId": workspace.labelers[0]}
    answer = {"answer": {"class": "truck"}}
    too_long = await _post(admin_client, REWORK_LABEL, {"input": {**rework, **answer, "reworkSeconds": 1e308}})
    # then it is refused and the label stays as it was
    assert too_long["reworkLabel"]["__typename"] == "ValidationError"
    assert (too_long["reworkLabel"]["field"], too_long["reworkLabel"]["value"]) == ("input.reworkSeconds", "1e+308")
    assert (await _post(admin_client, LABEL, {"id": label}))["label"] == {
        "status": "REJECTED",
        "reworkSeconds": 0.0,
        "reworkCount": 0,
        "reviews": [{"verdict": "THUMBS_DOWN", "secondsToReview": float(MAX_SECONDS)}],
    }


CREATE_TASKS = """
mutation($input: CreateTasksInput!) {
  createTasks(input: $input) { __typename ... on TasksPayload { tasks { id } } ... on UserError { message field } }
}
"""
TASKS_PAGE = """
query($orderBy: TaskOrder, $first: Int, $after: String, $last: Int, $before: String) {
  tasks(orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { externalId } }
  }
}
"""


async def _every_page(client: httpx.AsyncClient, order: dict[str, str], *, backwards: bool) -> list[str]:
    """External ids of every task in `order`, read three at a time forwards (first/after) or backwards
    (last/before)."""
    names: list[str] = []
    cursor: str | None = None
    while True:
        window = {"last": 3, "before": cursor} if backwards else {"first": 3, "after": cursor}
        page = (await _post(client, TASKS_PAGE, {"orderBy": order, **window}))["tasks"]
        found = [edge["node"]["externalId"] for edge in page["edges"]]
        names = [*found, *names] if backwards else [*names, *found]
        if not page["pageInfo"]["hasPreviousPage" if backwards else "hasNextPage"]:
            return names
        cursor = page["pageInfo"]["startCursor" if backwards else "endCursor"]


async def test_tasks_without_a_due_date_sort_after_every_date_on_both_databases(
    database: Database, admin_client: httpx.AsyncClient
) -> None:
    # given tasks with equal creation times, some due at one moment, some a day later, some with no due date
    workspace = await build_workspace(database, tasks=0)
    created = datetime(2026, 1, 5, 9, 30, 0, 250_000, tzinfo=UTC)
    due = {0: created + timedelta(days=2), 3: created + timedelta(days=1), 4: created + timedelta(days=2)}
    due |= {5: created + timedelta(days=1), 7: created + timedelta(days=1)}
    tasks = [
        {"externalId": f"t{index}", "createdAt": created.isoformat()}
        | ({"dueAt": due[index].isoformat()} if index in due else {})
        for index in range(9)
    ]
    made = await _post(admin_client, CREATE_TASKS, {"input": {"projectId": workspace.project, "tasks": tasks}})
    assert made["createTasks"]["__typename"] == "TasksPayload", made
    # when they are listed by due date, page by page, forwards and backwards, in either direction
    up = {"field": "DUE_AT", "direction": "ASC"}
    down = {"field": "DUE_AT", "direction": "DESC"}
    # then a missing due date sorts after every date (PostgreSQL's rule, which SQLite reversed), ties by creation
    ascending = ["t3", "t5", "t7", "t0", "t4", "t1", "t2", "t6", "t8"]
    assert await _every_page(admin_client, up, backwards=False) == ascending
    assert await _every_page(admin_client, up, backwards=True) == ascending
    assert await _every_page(admin_client, down, backwards=False) == ascending[::-1]
    assert await _every_page(admin_client, down, backwards=True) == ascending[::-1]


CREATE_VENDOR = """
mutation($input: CreateVendorInput!) {
  createVendor(input: $input) {
    __typename
    ... on VendorPayload { vendor { name } }
    ... on UserError { message field }
  }
}
"""
VENDORS_NAMED = """
query($fragment: String!) { vendors(filter: {nameContains: $fragment}) { totalCount edges { node { name } } } }
"""


async def test_names_compare_without_case_beyond_ascii_on_both_databases(
    database: Database, admin_client: httpx.AsyncClient
) -> None:
    # given a vendor whose name starts with a letter outside ASCII
    values = {"workforceType": "CROWD", "pricingModel": "HOURLY", "rate": 10.0}
    made = await _post(admin_client, CREATE_VENDOR, {"input": {"name": "Été Labeling", **values}})
    assert made["createVendor"]["__typename"] == "VendorPayload", made
    # when the same name is given again, in the same case or in another
    again = [
        (await _post(admin_client, CREATE_VENDOR, {"input": {"name": name, **values}}))["createVendor"]
        for name in ("Été Labeling", "ÉTÉ LABELING", "été labeling")
    ]
    # then each is a duplicate naming the field (SQLite once took the other cases as new names, and the same one
    # as a write conflict to retry), as on PostgreSQL
    assert [(error["__typename"], error.get("field")) for error in again] == [("ConflictError", "input.name")] * 3
    assert "a vendor named 'ÉTÉ LABELING' already exists" in again[1]["message"]
    # and a search in any case finds it
    for fragment in ("Été", "été", "ÉTÉ", "labeling"):
        found = (await _post(admin_client, VENDORS_NAMED, {"fragment": fragment}))["vendors"]
        assert found == {"totalCount": 1, "edges": [{"node": {"name": "Été Labeling"}}]}, fragment


RAISE_ISSUE = """
mutation($input: RaiseIssueInput!) {
  raiseIssue(input: $input) { __typename ... on IssuePayload { issue { id } } ... on UserError { message field } }
}
"""
COMMENT_ON_ISSUE = """
mutation($input: CommentOnIssueInput!) {
  commentOnIssue(input: $input) {
    __typename
    ... on CommentPayload { comment { createdAt } }
    ... on ValidationError { value }
    ... on UserError { message field }
  }
}
"""
RESOLVE_ISSUE = """
mutation($input: ResolveIssueInput!) {
  resolveIssue(input: $input) {
    __typename
    ... on IssuePayload { issue { status resolvedAt } }
    ... on ValidationError { value }
    ... on UserError { message field }
  }
}
"""
ISSUE = """
query($id: ID!) { issue(id: $id) { status resolvedAt resolution comments { body } } }
"""


async def test_an_issue_is_not_resolved_or_commented_on_before_it_was_raised(
    database: Database, admin_client: httpx.AsyncClient
) -> None:
    # given an issue raised at a given moment, and another raised a minute ahead of the server's clock
    workspace = await build_workspace(database, tasks=0)
    raised = datetime(2026, 1, 10, 8, 0, 0, 500_000, tzinfo=UTC)
    ahead = datetime.now(UTC) + timedelta(minutes=1)
    issues = []
    for when in (raised, ahead):
        made = await _post(
            admin_client,
            RAISE_ISSUE,
            {"input": {"title": "Boxes", "projectId": workspace.project, "at": when.isoformat()}},
        )
        issues.append(made["raiseIssue"]["issue"]["id"])
    # when it is resolved, or commented on, a microsecond before it was raised
    early = (raised - timedelta(microseconds=1)).isoformat()
    refused = [
        (await _post(admin_client, RESOLVE_ISSUE, {"input": {"issueId": issues[0], "resolution": "ok", "at": early}}))[
            "resolveIssue"
        ],
        (await _post(admin_client, COMMENT_ON_ISSUE, {"input": {"issueId": issues[0], "body": "hm", "at": early}}))[
            "commentOnIssue"
        ],
    ]
    # then both are refused naming the field and the value, and the issue is as it was
    assert [(error["__typename"], error["field"], error["value"]) for error in refused] == [
        ("ValidationError", "input.at", "2026-01-10T08:00:00.499999+00:00")
    ] * 2
    assert "must not be before the issue was raised (2026-01-10T08:00:00.500000+00:00)" in refused[0]["message"]
    unchanged = {"status": "OPEN", "resolvedAt": None, "resolution": "", "comments": []}
    assert (await _post(admin_client, ISSUE, {"id": issues[0]}))["issue"] == unchanged
    # and at the very moment it was raised, it may be
    resolved = await _post(admin_client, RESOLVE_ISSUE, {"input": {"issueId": issues[0], "at": raised.isoformat()}})
    assert resolved["resolveIssue"]["issue"] == {"status": "RESOLVED", "resolvedAt": raised.isoformat()}
    # and without a time, the issue raised ahead of the clock is resolved when it was raised, not before
    later = await _post(admin_client, RESOLVE_ISSUE, {"input": {"issueId": issues[1]}})
    assert later["resolveIssue"]["issue"] == {"status": "RESOLVED", "resolvedAt": ahead.isoformat()}


TASK_OF_LABEL = """
query($id: ID!) { label(id: $id) { status reviews { verdict } task { status completedAt } } }
"""


async def test_a_review_dated_in_the_future_is_refused(database: Database, admin_client: httpx.AsyncClient) -> None:
    # given a submitted label
    workspace = await build_workspace(database)
    label = await _submitted_label(admin_client, workspace)
    # when it is accepted with a review dated years ahead (labels submitted then are refused already)
    review = {"labelId": label, "reviewerId": workspace.labelers[1], "verdict": "THUMBS_UP", "secondsToReview": 3}
    ahead = await _post(admin_client, REVIEW_LABEL, {"input": {**review, "reviewedAt": "2999-01-01T00:00:00Z"}})
    # then it is refused, naming the field and the value, and the task is not completed in 2999
    error = ahead["reviewLabel"]
    assert (error["__typename"], error["field"], error["value"]) == (
        "ValidationError",
        "input.reviewedAt",
        "2999-01-01T00:00:00+00:00",
    )
    assert "must not be in the future" in error["message"]
    unchanged = {"status": "SUBMITTED", "reviews": [], "task": {"status": "IN_REVIEW", "completedAt": None}}
    assert (await _post(admin_client, TASK_OF_LABEL, {"id": label}))["label"] == unchanged


ADVANCE = """
mutation($input: AdvanceLabelerStageInput!) {
  advanceLabelerStage(input: $input) {
    __typename ... on ValidationError { value } ... on UserError { message field }
  }
}
"""
OFFBOARD = """
mutation($input: OffboardLabelerInput!) {
  offboardLabeler(input: $input) { __typename ... on ValidationError { value } ... on UserError { message field } }
}
"""
RAISE_ISSUE_VALUE = """
mutation($input: RaiseIssueInput!) {
  raiseIssue(input: $input) { __typename ... on ValidationError { value } ... on UserError { message field } }
}
"""
LABELER = """query($id: ID!) { labeler(id: $id) { stage stageHistory { stage } } }"""


async def test_events_dated_in_the_future_are_refused_as_work_is(
    database: Database, admin_client: httpx.AsyncClient
) -> None:
    # given a labeler in training, a project with an open issue
    workspace = await build_workspace(database, tasks=0)
    trainee = (await _post(admin_client, CREATE_LABELER, {"input": {"vendorId": workspace.vendor, "name": "New"}}))[
        "createLabeler"
    ]["labeler"]["id"]
    raised = await _post(admin_client, RAISE_ISSUE, {"input": {"title": "Boxes", "projectId": workspace.project}})
    issue = raised["raiseIssue"]["issue"]["id"]
    before = (await _post(admin_client, LABELER, {"id": trainee}))["labeler"]
    # when events are dated years ahead (a stage begun, a labeler offboarded, an issue raised, commented, resolved)
    ahead = "2999-01-01T00:00:00+00:00"
    answers = [
        (await _post(admin_client, ADVANCE, {"input": {"labelerId": trainee, "at": ahead}}))["advanceLabelerStage"],
        (await _post(admin_client, OFFBOARD, {"input": {"labelerId": trainee, "reason": "left", "at": ahead}}))[
            "offboardLabeler"
        ],
        (
            await _post(
                admin_client, RAISE_ISSUE_VALUE, {"input": {"title": "X", "projectId": workspace.project, "at": ahead}}
            )
        )["raiseIssue"],
        (await _post(admin_client, COMMENT_ON_ISSUE, {"input": {"issueId": issue, "body": "hm", "at": ahead}}))[
            "commentOnIssue"
        ],
        (await _post(admin_client, RESOLVE_ISSUE, {"input": {"issueId": issue, "at": ahead}}))["resolveIssue"],
    ]
    # then each is refused naming the field and the value, and nothing changed
    assert [(a["__typename"], a["field"], a["value"]) for a in answers] == [("ValidationError", "input.at", ahead)] * 5
    assert all("must not be in the future" in a["message"] for a in answers)
    assert (await _post(admin_client, LABELER, {"id": trainee}))["labeler"] == before
    assert (await _post(admin_client, ISSUE, {"id": issue}))["issue"]["status"] == "OPEN"
    # and a minute ahead (a client's clock running fast) is still taken
    skewed = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    taken = await _post(admin_client, ADVANCE, {"input": {"labelerId": trainee, "at": skewed}})
    assert taken["advanceLabelerStage"]["__typename"] == "LabelerPayload", taken


async def test_a_label_timed_by_its_span_is_bounded_as_a_timed_one_is(
    database: Database, admin_client: httpx.AsyncClient
) -> None:
    # given a submission without secondsToLabel, started more than a year before it was submitted
    workspace = await build_workspace(database, tasks=0)
    created = (datetime.now(UTC) - timedelta(days=800)).isoformat()
    task = (
        await _post(
            admin_client,
            CREATE_TASKS,
            {"input": {"projectId": workspace.project, "tasks": [{"externalId": "old", "createdAt": created}]}},
        )
    )["createTasks"]["tasks"][0]["id"]
    submitted = datetime.now(UTC) - timedelta(minutes=1)
    started = submitted - timedelta(seconds=MAX_SECONDS + 1)
    submission = {
        "taskId": task,
        "labelerId": workspace.labelers[0],
        "answer": {"class": "car"},
        "startedAt": started.isoformat(),
        "submittedAt": submitted.isoformat(),
    }
    # when it is submitted, and again a second within the bound
    over = (await _post(admin_client, SUBMIT_LABEL, {"input": submission}))["submitLabel"]
    within = {**submission, "startedAt": (started + timedelta(seconds=1)).isoformat()}
    taken = (await _post(admin_client, SUBMIT_LABEL, {"input": within}))["submitLabel"]
    # then the first is refused naming submittedAt, the second taken
    assert (over["__typename"], over["field"]) == ("ValidationError", "input.submittedAt"), over
    assert f"must be within {MAX_SECONDS} s of started_at" in over["message"].replace("startedAt", "started_at")
    assert taken["__typename"] == "LabelPayload", taken
