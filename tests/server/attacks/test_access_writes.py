"""Writes follow the matrix's write rule, not the read scope: a vendor manager sees the reviewers of its labelers'
work (and their vendor), but only its own vendor's labelers are its to hire, rename, price, train or offboard, to
raise issues or comment as. Every refusal is FORBIDDEN and writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from strawberry.relay import GlobalID

from server.db import Database
from server.db import models as m
from tests.server.access_world import AccessWorld
from tests.server.attacks.live import Attacker, serving, world_with_cross_vendor_review

UPDATE = "mutation($input: UpdateLabelerInput!) { updateLabeler(input: $input) { __typename } }"
ARCHIVE = "mutation($id: ID!) { archiveLabeler(id: $id) { __typename } }"
ADVANCE = "mutation($input: AdvanceLabelerStageInput!) { advanceLabelerStage(input: $input) { __typename } }"
OFFBOARD = "mutation($input: OffboardLabelerInput!) { offboardLabeler(input: $input) { __typename } }"
CREATE = "mutation($input: CreateLabelerInput!) { createLabeler(input: $input) { __typename } }"
RAISE = "mutation($input: RaiseIssueInput!) { raiseIssue(input: $input) { __typename } }"
COMMENT = "mutation($input: CommentOnIssueInput!) { commentOnIssue(input: $input) { __typename } }"
SEES = "query($id: ID!) { node(id: $id) { id ... on Labeler { name } } }"
SUBMIT_ARGUMENTS = (
    'input: {taskId: $id, labelerId: $other, answer: 1, startedAt: "2026-01-01T00:00:00Z", '
    'submittedAt: "2026-01-01T00:01:00Z"}'
)


@pytest.fixture
async def world(database: Database) -> AccessWorld:
    return await world_with_cross_vendor_review(database)


@pytest.fixture
async def attacker(database: Database, world: AccessWorld) -> AsyncIterator[Attacker]:
    async with serving(database) as url, httpx.AsyncClient(timeout=30) as client:
        yield Attacker(client, url, world)


def _b2(world: AccessWorld) -> str:
    return world.gid("Labeler", "b2")


# (name, operation, variables) of writes on Vendor B's labeler b2, or as b2, or under Vendor B.
OUTSIDE_WRITE_SCOPE: list[tuple[str, str, Any]] = [
    ("rename", UPDATE, lambda w: {"input": {"id": _b2(w), "name": "owned"}}),
    ("hourly rate", UPDATE, lambda w: {"input": {"id": _b2(w), "hourlyRate": 0.01}}),
    ("archive", ARCHIVE, lambda w: {"id": _b2(w)}),
    ("advance stage", ADVANCE, lambda w: {"input": {"labelerId": _b2(w), "toStage": "OFFBOARDED"}}),
    ("offboard", OFFBOARD, lambda w: {"input": {"labelerId": _b2(w), "reason": "poached"}}),
    ("hire for another vendor", CREATE, lambda w: {"input": {"vendorId": w.gid("Vendor", "vb"), "name": "mole"}}),
    (
        "raise an issue as another vendor's labeler",
        RAISE,
        lambda w: {"input": {"title": "x", "labelId": w.gid("Label", "l1"), "raisedById": _b2(w)}},
    ),
    (
        "comment as another vendor's labeler",
        COMMENT,
        lambda w: {"input": {"issueId": w.gid("Issue", "i1"), "body": "x", "authorId": _b2(w)}},
    ),
]


async def _writes(database: Database) -> tuple[Any, ...]:
    async with database.session() as session:
        b2 = await session.scalar(select(m.Labeler).where(m.Labeler.name == "b2"))
        assert b2 is not None
        counts = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (m.Labeler, m.Issue, m.Comment, m.LabelerStageEvent)
        ]
        return (b2.name, b2.hourly_rate, b2.stage, b2.archived_at, *counts)


@pytest.mark.parametrize(
    ("name", "operation", "variables"), OUTSIDE_WRITE_SCOPE, ids=[c[0] for c in OUTSIDE_WRITE_SCOPE]
)
async def test_given_a_vendor_manager_when_writing_another_vendors_labeler_then_forbidden_and_nothing_written(
    attacker: Attacker, database: Database, name: str, operation: str, variables: Any
) -> None:
    # Given a labeler the vendor manager may read but does not employ
    seen = await attacker.post("vm", SEES, id=_b2(attacker.world))
    assert seen["data"]["node"]["name"] == "b2", "the attack needs b2 visible to Vendor A's manager"
    before = await _writes(database)

    # When the vendor manager writes it
    body = await attacker.post("vm", operation, **variables(attacker.world))

    # Then it is refused as outside the write scope, and nothing changed
    assert body["data"] is None, body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"], body
    assert await _writes(database) == before


@pytest.mark.parametrize(
    ("operation", "variables"),
    [
        (UPDATE, lambda w: {"input": {"id": w.gid("Labeler", "a1"), "hourlyRate": 9.5}}),
        (CREATE, lambda w: {"input": {"vendorId": w.gid("Vendor", "va"), "name": "new hire"}}),
        (
            RAISE,
            lambda w: {"input": {"title": "x", "labelId": w.gid("Label", "l1"), "raisedById": w.gid("Labeler", "a1")}},
        ),
        (
            COMMENT,
            lambda w: {"input": {"issueId": w.gid("Issue", "i1"), "body": "x", "authorId": w.gid("Labeler", "a1")}},
        ),
        (OFFBOARD, lambda w: {"input": {"labelerId": w.gid("Labeler", "r1"), "reason": "left"}}),
    ],
)
async def test_given_a_vendor_manager_when_writing_its_own_labelers_then_allowed(
    attacker: Attacker, operation: str, variables: Any
) -> None:
    body = await attacker.post("vm", operation, **variables(attacker.world))

    assert "errors" not in body, body
    assert not next(iter(body["data"].values()))["__typename"].endswith("Error"), body


def _m(field: str, arguments: str) -> str:
    variables = "$id: ID!, $other: ID!" if "$other" in arguments else "$id: ID!"
    return f"mutation({variables}) {{ {field}({arguments}) {{ __typename }} }}"


# Every mutation a scoped role may call, each naming a record outside that role's write scope: P2's project, task,
# label and issue for P1's program manager and reviewer, Vendor B's work for Vendor A's manager and for a1, and
# another user's API keys for everyone. (role, mutation, record in $id, second record in $other)
OUT_OF_SCOPE_CALLS: list[tuple[str, str, str, str | None]] = [
    *[
        (role, operation, record, other)
        for role in ("pm", "reviewer", "vm", "labeler")
        for operation, record, other in [
            (_m("raiseIssue", 'input: {title: "x", taskId: $id}'), "Task:t2", None),
            (_m("raiseIssue", 'input: {title: "x", labelId: $id}'), "Label:l2", None),
            (_m("commentOnIssue", 'input: {issueId: $id, body: "x"}'), "Issue:i2", None),
            (_m("createApiKey", 'input: {userId: $id, name: "x"}'), "User:user:admin", None),
        ]
    ],
    *[
        (role, operation, record, other)
        for role in ("pm", "reviewer")
        for operation, record, other in [
            (
                _m("reviewLabel", "input: {labelId: $id, reviewerId: $other, verdict: THUMBS_UP, secondsToReview: 1}"),
                "Label:l2",
                "Labeler:r1",
            ),
            (_m("resolveIssue", "input: {issueId: $id}"), "Issue:i2", None),
            (_m("reopenIssue", "issueId: $id"), "Issue:i2", None),
            (_m("updateIssue", 'input: {id: $id, title: "x"}'), "Issue:i2", None),
        ]
    ],
    ("pm", _m("updateProject", 'input: {id: $id, name: "x"}'), "Project:p2", None),
    ("pm", _m("assignProjectLabelers", "input: {projectId: $id, labelerIds: [$other]}"), "Project:p2", "Labeler:b1"),
    ("pm", _m("unassignProjectLabelers", "input: {projectId: $id, labelerIds: [$other]}"), "Project:p2", "Labeler:b1"),
    ("pm", _m("assignProjectLabelers", "input: {projectId: $other, labelerIds: [$id]}"), "Labeler:b1", "Project:p1"),
    ("pm", _m("createTasks", 'input: {projectId: $id, tasks: [{externalId: "x"}]}'), "Project:p2", None),
    ("pm", _m("updateTask", "input: {id: $id, priority: 3}"), "Task:t2", None),
    ("pm", _m("archiveTask", "id: $id"), "Task:t2", None),
    ("pm", _m("markBenchmark", "input: {taskId: $id, goldAnswer: 1}"), "Task:t2", None),
    ("labeler", _m("submitLabel", SUBMIT_ARGUMENTS), "Task:t2", "Labeler:a1"),
    ("labeler", _m("submitLabel", SUBMIT_ARGUMENTS), "Task:t1", "Labeler:r1"),
    (
        "labeler",
        _m("reworkLabel", "input: {labelId: $id, labelerId: $other, answer: 1, reworkSeconds: 1}"),
        "Label:l2",
        "Labeler:a1",
    ),
    ("vm", _m("advanceLabelerStage", "input: {labelerId: $id}"), "Labeler:b1", None),
]


def _record(world: AccessWorld, reference: str | None) -> str | None:
    if reference is None:
        return None
    type_name, name = reference.split(":", 1)
    return world.gid(type_name, name)


@pytest.mark.parametrize(("role", "operation", "record", "other"), OUT_OF_SCOPE_CALLS)
async def test_given_a_scoped_role_when_a_mutation_names_a_record_outside_its_write_scope_then_forbidden(
    attacker: Attacker, database: Database, role: str, operation: str, record: str, other: str | None
) -> None:
    before = await _writes(database)

    variables = {"id": _record(attacker.world, record)}
    if other is not None:
        variables["other"] = _record(attacker.world, other)
    body = await attacker.post(role, operation, **variables)

    assert body["data"] is None, body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"], body
    assert await _writes(database) == before


@pytest.mark.parametrize(
    "node_id", [str(2**40), "\uff11", "1\u0661"], ids=["above int32", "full-width 1", "arabic-indic"]
)
async def test_given_an_id_that_names_no_row_when_a_scoped_role_writes_it_then_it_is_refused_before_running(
    attacker: Attacker, database: Database, node_id: str
) -> None:
    # Full-width and other Unicode digits are not the id of t1 (which is 1), and ids past the column's range name
    # nothing (PostgreSQL would refuse to compare them): the input check refuses them before anything runs.
    before = await _writes(database)

    body = await attacker.post(
        "pm", _m("updateTask", "input: {id: $id, priority: 3}"), id=str(GlobalID("Task", node_id))
    )

    assert body.get("data") is None, body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["BAD_USER_INPUT"], body
    assert await _writes(database) == before
