"""Issue threads on projects, tasks and labels, on a real database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from server.db import Database
from server.db.enums import IssueStatus
from server.db.models import Comment, Issue, Label
from server.services.errors import InvalidTransition, NotFound, ValidationFailed
from server.services.workflow import comment_on_issue, raise_issue, reopen_issue, resolve_issue, submit_label
from tests.server.test_workflow_world import World, at, build_world, run


@pytest.fixture
async def world(database: Database) -> World:
    return await build_world(database)


@pytest.fixture
async def label(database: Database, world: World) -> int:
    created: Label = await run(
        database,
        lambda s: submit_label(
            s, task_id=world.task, labeler_id=world.alice, answer={"cls": "car"}, started_at=at(1), submitted_at=at(2)
        ),
    )
    return created.id


async def _raise(database: Database, **arguments: Any) -> Issue:
    arguments.setdefault("title", "Is a scooter a bicycle?")
    return await run(database, lambda s: raise_issue(s, **arguments))


async def _thread(database: Database, issue: int) -> list[tuple[int | None, str]]:
    async with database.session() as session:
        comments = await session.scalars(select(Comment).where(Comment.issue_id == issue).order_by(Comment.id))
        return [(comment.author_id, comment.body) for comment in comments]


async def test_an_issue_on_a_label_belongs_to_its_task_and_project(
    database: Database, world: World, label: int
) -> None:
    issue = await _raise(database, label_id=label, raised_by_id=world.bob, body=" The ontology is silent. ", at=at(3))
    assert (issue.project_id, issue.task_id, issue.label_id, issue.status, issue.created_at) == (
        world.project,
        world.task,
        label,
        IssueStatus.OPEN,
        at(3),
    )
    assert await _thread(database, issue.id) == [(world.bob, "The ontology is silent.")]


async def test_an_issue_on_a_project_alone_has_no_thread_without_a_body(database: Database, world: World) -> None:
    issue = await _raise(database, project_id=world.project)
    assert (issue.project_id, issue.task_id, issue.raised_by_id) == (world.project, None, None)
    assert await _thread(database, issue.id) == []


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({}, ValidationFailed, "project_id or task_id or label_id must name what the issue is about"),
        ({"task_id": 999}, NotFound, "Task 999 does not exist"),
        ({"label_id": 999}, NotFound, "Label 999 does not exist"),
        ({"project_id": 999}, NotFound, "Project 999 does not exist"),
        ({"project_id": "world.project", "raised_by_id": 999}, NotFound, "Labeler 999 does not exist"),
        ({"project_id": "world.project", "title": "  "}, ValidationFailed, "title must not be blank"),
        ({"project_id": "world.project", "title": "x" * 301}, ValidationFailed, "title must be at most 300 characters"),
        ({"task_id": "world.consensus", "project_id": 999}, ValidationFailed, "project_id must be the project of task"),
        ({"label_id": "label", "task_id": "world.consensus"}, ValidationFailed, "task_id must be the task of label"),
    ],
)
async def test_bad_issues_are_refused(
    database: Database, world: World, label: int, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    names = {"world.project": world.project, "world.consensus": world.consensus, "label": label}
    resolved = {
        key: names.get(value, value) if isinstance(value, str) and key != "title" else value
        for key, value in arguments.items()
    }
    with pytest.raises(error, match=message):
        await _raise(database, **resolved)


async def test_comments_extend_the_thread(database: Database, world: World) -> None:
    issue = await _raise(database, task_id=world.task, raised_by_id=world.alice, body="first")
    comment = await run(
        database, lambda s: comment_on_issue(s, issue_id=issue.id, author_id=world.bob, body=" second ")
    )
    assert comment.body == "second"
    await run(database, lambda s: comment_on_issue(s, issue_id=issue.id, author_id=None, body="from the client"))
    assert await _thread(database, issue.id) == [
        (world.alice, "first"),
        (world.bob, "second"),
        (None, "from the client"),
    ]


async def test_bad_comments_are_refused(database: Database, world: World) -> None:
    issue = await _raise(database, task_id=world.task)
    with pytest.raises(ValidationFailed, match="body must not be blank"):
        await run(database, lambda s: comment_on_issue(s, issue_id=issue.id, author_id=world.bob, body=" "))
    with pytest.raises(NotFound, match="Issue 999"):
        await run(database, lambda s: comment_on_issue(s, issue_id=999, author_id=world.bob, body="hello"))
    with pytest.raises(NotFound, match="Labeler 999") as missing:
        await run(database, lambda s: comment_on_issue(s, issue_id=issue.id, author_id=999, body="hello"))
    assert missing.value.path == ("author_id",)


async def test_an_issue_is_resolved_once_and_can_be_reopened(database: Database, world: World) -> None:
    issue = await _raise(database, task_id=world.task, at=at(3))
    resolved = await run(database, lambda s: resolve_issue(s, issue_id=issue.id, resolution=" Yes. ", at=at(9)))
    assert (resolved.status, resolved.resolution, resolved.resolved_at) == (IssueStatus.RESOLVED, "Yes.", at(9))
    with pytest.raises(InvalidTransition, match="Issue cannot go from RESOLVED to RESOLVED: already resolved"):
        await run(database, lambda s: resolve_issue(s, issue_id=issue.id, resolution="again"))
    reopened = await run(database, lambda s: reopen_issue(s, issue_id=issue.id))
    assert (reopened.status, reopened.resolution, reopened.resolved_at) == (IssueStatus.OPEN, "", None)
    with pytest.raises(InvalidTransition, match="Issue cannot go from OPEN to OPEN: already open"):
        await run(database, lambda s: reopen_issue(s, issue_id=issue.id))


async def test_resolving_unknown_issues_is_not_found(database: Database) -> None:
    with pytest.raises(NotFound, match="Issue 999 does not exist"):
        await run(database, lambda s: resolve_issue(s, issue_id=999, resolution=""))
    with pytest.raises(NotFound, match="Issue 999 does not exist"):
        await run(database, lambda s: reopen_issue(s, issue_id=999))
