"""Issues over GraphQL: raise, comment, resolve, reopen, edit; filters."""

from __future__ import annotations

from server.db import Database
from tests.server.graphql_client import build_workspace, expect_data, mutate_ok

RAISE_ISSUE = """
mutation($input: RaiseIssueInput!) {
  raiseIssue(input: $input) {
    __typename
    ... on IssuePayload {
      issue { id title status project { name } task { externalId } raisedBy { name } comments { body } }
    }
    ... on UserError { message field }
  }
}
"""
COMMENT = """
mutation($input: CommentOnIssueInput!) {
  commentOnIssue(input: $input) {
    __typename
    ... on CommentPayload { comment { id body author { name } } issue { comments { body } } }
    ... on UserError { message field }
  }
}
"""
RESOLVE = """
mutation($input: ResolveIssueInput!) {
  resolveIssue(input: $input) {
    __typename
    ... on IssuePayload { issue { status resolution resolvedAt } }
    ... on InvalidTransitionError { current target }
    ... on UserError { message field }
  }
}
"""
REOPEN = """
mutation($issueId: ID!) { reopenIssue(issueId: $issueId) { __typename ... on IssuePayload { issue { status } } } }
"""
UPDATE_ISSUE = """
mutation($input: UpdateIssueInput!) {
  updateIssue(input: $input) { __typename ... on IssuePayload { issue { title } } ... on UserError { field } }
}
"""
UPDATE_COMMENT = """
mutation($input: UpdateCommentInput!) {
  updateComment(input: $input) { __typename ... on CommentPayload { comment { body } } ... on UserError { field } }
}
"""
ISSUES = """
query($filter: IssueFilter) { issues(filter: $filter) { totalCount edges { node { title } } } }
"""


async def _raise(database: Database, **values: object) -> dict[str, object]:
    return await mutate_ok(database, RAISE_ISSUE, {"input": values}, "raiseIssue")


async def test_raise_issue_on_a_task_opens_a_thread(database: Database) -> None:
    # given a task
    workspace = await build_workspace(database, tasks=1)
    # when a labeler raises an issue on it with a body
    payload = await _raise(
        database,
        title="Blurry image",
        body="Cannot see the plate",
        taskId=workspace.tasks[0],
        raisedById=workspace.labelers[0],
    )
    # then the issue is open on the task's project with the body as first comment
    issue = payload["issue"]
    assert isinstance(issue, dict)
    assert issue["status"] == "OPEN"
    assert issue["project"] == {"name": "Street scenes"}
    assert issue["task"] == {"externalId": "asset-0"}
    assert issue["raisedBy"] == {"name": "Labeler 0"}
    assert issue["comments"] == [{"body": "Cannot see the plate"}]


async def test_raise_issue_bad_inputs(database: Database) -> None:
    workspace = await build_workspace(database, labelers=0, tasks=1)
    no_target = await expect_data(database, RAISE_ISSUE, {"input": {"title": "?"}})
    blank = await expect_data(database, RAISE_ISSUE, {"input": {"title": " ", "projectId": workspace.project}})
    unknown = await expect_data(database, RAISE_ISSUE, {"input": {"title": "x", "taskId": "VGFzazo5OTk="}})
    assert no_target["raiseIssue"]["__typename"] == "ValidationError"
    assert blank["raiseIssue"]["field"] == "input.title"
    assert unknown["raiseIssue"]["__typename"] == "NotFoundError"


async def test_comment_resolve_and_reopen(database: Database) -> None:
    # given an open issue
    workspace = await build_workspace(database, tasks=0)
    issue = (await _raise(database, title="Ontology unclear", projectId=workspace.project))["issue"]
    assert isinstance(issue, dict)
    # when a labeler comments, it is resolved, and resolved again
    comment = {"issueId": issue["id"], "body": "Trucks count as cars?", "authorId": workspace.labelers[1]}
    commented = await mutate_ok(database, COMMENT, {"input": comment}, "commentOnIssue")
    resolved = await mutate_ok(
        database, RESOLVE, {"input": {"issueId": issue["id"], "resolution": "yes"}}, "resolveIssue"
    )
    again = await expect_data(database, RESOLVE, {"input": {"issueId": issue["id"]}})
    # then the thread, the resolution and the refusal follow
    assert commented["comment"]["author"] == {"name": "Labeler 1"}
    assert commented["issue"]["comments"] == [{"body": "Trucks count as cars?"}]
    assert resolved["issue"]["status"] == "RESOLVED"
    assert resolved["issue"]["resolution"] == "yes"
    assert again["resolveIssue"]["__typename"] == "InvalidTransitionError"
    # and reopening brings it back
    reopened = await mutate_ok(database, REOPEN, {"issueId": issue["id"]}, "reopenIssue")
    assert reopened["issue"]["status"] == "OPEN"


async def test_comment_bad_inputs(database: Database) -> None:
    workspace = await build_workspace(database, labelers=0, tasks=0)
    issue = (await _raise(database, title="t", projectId=workspace.project))["issue"]
    assert isinstance(issue, dict)
    blank = await expect_data(database, COMMENT, {"input": {"issueId": issue["id"], "body": "  "}})
    unknown = await expect_data(database, COMMENT, {"input": {"issueId": "SXNzdWU6OTk=", "body": "hi"}})
    assert blank["commentOnIssue"]["field"] == "input.body"
    assert unknown["commentOnIssue"]["__typename"] == "NotFoundError"


async def test_edit_issue_title_and_comment(database: Database) -> None:
    workspace = await build_workspace(database, labelers=0, tasks=0)
    issue = (await _raise(database, title="tpyo", projectId=workspace.project))["issue"]
    assert isinstance(issue, dict)
    comment = (
        await mutate_ok(database, COMMENT, {"input": {"issueId": issue["id"], "body": "frist"}}, "commentOnIssue")
    )["comment"]
    retitled = await mutate_ok(database, UPDATE_ISSUE, {"input": {"id": issue["id"], "title": "typo"}}, "updateIssue")
    corrected = await mutate_ok(
        database, UPDATE_COMMENT, {"input": {"id": comment["id"], "body": "first"}}, "updateComment"
    )
    blank = await expect_data(database, UPDATE_ISSUE, {"input": {"id": issue["id"], "title": ""}})
    assert retitled["issue"] == {"title": "typo"}
    assert corrected["comment"] == {"body": "first"}
    assert blank["updateIssue"] == {"__typename": "ValidationError", "field": "input.title"}


async def test_issues_filter_by_status_and_project(database: Database) -> None:
    workspace = await build_workspace(database, labelers=0, tasks=1)
    first = (await _raise(database, title="first", projectId=workspace.project))["issue"]
    await _raise(database, title="second", taskId=workspace.tasks[0])
    assert isinstance(first, dict)
    await mutate_ok(database, RESOLVE, {"input": {"issueId": first["id"]}}, "resolveIssue")
    open_issues = await expect_data(database, ISSUES, {"filter": {"status": "OPEN", "projectId": workspace.project}})
    on_task = await expect_data(database, ISSUES, {"filter": {"taskId": workspace.tasks[0]}})
    assert [edge["node"]["title"] for edge in open_issues["issues"]["edges"]] == ["second"]
    assert on_task["issues"]["totalCount"] == 1
