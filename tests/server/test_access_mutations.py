"""Mutation permissions per role: the role must be allowed the mutation, and every record it names must be in the
caller's scope; reviewers and labelers act as their own labeler only. Denials are FORBIDDEN errors and write nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from server.db import Database
from server.db import models as m
from tests.server.access_world import AccessWorld, build_access_world
from tests.server.conftest import http_client

SUBMIT = """
mutation($input: SubmitLabelInput!) { submitLabel(input: $input) { __typename ... on UserError { message } } }
"""
REVIEW = """
mutation($input: ReviewLabelInput!) { reviewLabel(input: $input) { __typename ... on UserError { message } } }
"""
CREATE_TASK = """
mutation($input: CreateTaskInput!) { createTask(input: $input) { __typename ... on UserError { message } } }
"""
CREATE_VENDOR = """
mutation { createVendor(input: {name: "V", workforceType: CROWD, pricingModel: HOURLY, rate: 1}) { __typename } }
"""
ADVANCE_LABELER = """
mutation($input: AdvanceLabelerStageInput!) { advanceLabelerStage(input: $input) { __typename } }
"""
OFFBOARD_LABELER = """
mutation($input: OffboardLabelerInput!) { offboardLabeler(input: $input) { __typename } }
"""
RAISE_ISSUE = """
mutation($input: RaiseIssueInput!) { raiseIssue(input: $input) { __typename ... on UserError { message } } }
"""
CREATE_USER = """
mutation { createUser(input: {email: "x@example.com", role: ADMIN}) { __typename } }
"""


@pytest.fixture
async def world(database: Database) -> AccessWorld:
    return await build_access_world(database)


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(database) as http:
        yield http


def _submit(world: AccessWorld, task: str, labeler: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "taskId": world.gid("Task", task),
        "labelerId": world.gid("Labeler", labeler),
        "answer": {"c": 9},
        "startedAt": (now - timedelta(minutes=2)).isoformat(),
        "submittedAt": (now - timedelta(minutes=1)).isoformat(),
    }


def _review(world: AccessWorld, label: str, reviewer: str) -> dict[str, Any]:
    return {
        "labelId": world.gid("Label", label),
        "reviewerId": world.gid("Labeler", reviewer),
        "verdict": "THUMBS_UP",
        "secondsToReview": 3.0,
    }


# (role, operation, variables builder, allowed)
CELLS: list[tuple[str, str, Any, bool]] = [
    ("labeler", SUBMIT, lambda w: {"input": _submit(w, "t3", "a1")}, True),
    ("labeler", SUBMIT, lambda w: {"input": _submit(w, "t3", "b2")}, False),  # as someone else
    ("labeler", REVIEW, lambda w: {"input": _review(w, "l3", "a1")}, False),  # labelers do not review
    (
        "labeler",
        CREATE_TASK,
        lambda w: {"input": {"projectId": w.gid("Project", "p1"), "task": {"externalId": "n"}}},
        False,
    ),
    (
        "labeler",
        RAISE_ISSUE,
        lambda w: {"input": {"title": "?", "labelId": w.gid("Label", "l1"), "raisedById": w.gid("Labeler", "a1")}},
        True,
    ),
    ("labeler", RAISE_ISSUE, lambda w: {"input": {"title": "?", "labelId": w.gid("Label", "l2")}}, False),
    ("reviewer", REVIEW, lambda w: {"input": _review(w, "l3", "r1")}, True),
    ("reviewer", REVIEW, lambda w: {"input": _review(w, "l2", "r1")}, False),  # project outside scope
    ("reviewer", REVIEW, lambda w: {"input": _review(w, "l3", "a1")}, False),  # reviews as its own labeler only
    ("reviewer", SUBMIT, lambda w: {"input": _submit(w, "t3", "r1")}, False),
    ("pm", CREATE_TASK, lambda w: {"input": {"projectId": w.gid("Project", "p1"), "task": {"externalId": "n"}}}, True),
    ("pm", CREATE_TASK, lambda w: {"input": {"projectId": w.gid("Project", "p2"), "task": {"externalId": "n"}}}, False),
    ("pm", REVIEW, lambda w: {"input": _review(w, "l3", "r1")}, True),
    ("pm", CREATE_VENDOR, lambda w: {}, False),
    ("pm", ADVANCE_LABELER, lambda w: {"input": {"labelerId": w.gid("Labeler", "a1")}}, False),
    ("vm", OFFBOARD_LABELER, lambda w: {"input": {"labelerId": w.gid("Labeler", "a1"), "reason": "left"}}, True),
    ("vm", OFFBOARD_LABELER, lambda w: {"input": {"labelerId": w.gid("Labeler", "b1"), "reason": "left"}}, False),
    ("vm", CREATE_TASK, lambda w: {"input": {"projectId": w.gid("Project", "p1"), "task": {"externalId": "n"}}}, False),
    ("vm", SUBMIT, lambda w: {"input": _submit(w, "t3", "a1")}, False),
    ("vm", CREATE_VENDOR, lambda w: {}, False),
    ("admin", CREATE_VENDOR, lambda w: {}, True),
    (
        "admin",
        CREATE_TASK,
        lambda w: {"input": {"projectId": w.gid("Project", "p2"), "task": {"externalId": "n"}}},
        True,
    ),
    ("admin", CREATE_USER, lambda w: {}, True),
    ("pm", CREATE_USER, lambda w: {}, False),
]


async def _task_count(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(m.Task)) or 0)


@pytest.mark.parametrize(("role", "operation", "variables", "allowed"), CELLS)
async def test_given_a_role_when_calling_a_mutation_then_it_is_allowed_only_within_its_role_and_scope(
    client: httpx.AsyncClient, world: AccessWorld, role: str, operation: str, variables: Any, allowed: bool
) -> None:
    response = await client.post(
        "/graphql", json={"query": operation, "variables": variables(world)}, headers=world.headers(role)
    )
    assert response.status_code == 200
    body = response.json()
    if allowed:
        assert "errors" not in body, body
        payload = next(iter(body["data"].values()))
        assert not payload["__typename"].endswith("Error"), payload
    else:
        assert body["data"] is None, body
        assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]


async def test_given_a_denied_mutation_when_it_is_refused_then_nothing_is_written(
    client: httpx.AsyncClient, world: AccessWorld, database: Database
) -> None:
    before = await _task_count(database)
    variables = {"input": {"projectId": world.gid("Project", "p2"), "task": {"externalId": "new"}}}
    response = await client.post(
        "/graphql", json={"query": CREATE_TASK, "variables": variables}, headers=world.headers("pm")
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _task_count(database) == before


async def test_given_a_non_admin_when_asking_for_users_or_the_audit_log_then_it_is_forbidden(
    client: httpx.AsyncClient, world: AccessWorld
) -> None:
    for query in ("{ users { totalCount } }", "{ auditLog { totalCount } }"):
        response = await client.post("/graphql", json={"query": query}, headers=world.headers("pm"))
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
