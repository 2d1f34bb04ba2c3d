"""Creating (one or in bulk), updating and archiving tasks; benchmarks go through the workflow."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import ProjectStatus
from server.db.models import Project, Task
from server.db.types import utcnow
from server.services.crud.checks import archive_row, check_aware, check_name, check_positive_int, get_or_not_found
from server.services.errors import Conflict, Path, ValidationFailed
from server.services.workflow import set_labels_required

__all__ = ["MAX_BULK_TASKS", "TaskFields", "archive_task", "create_task", "create_tasks", "update_task"]

MAX_BULK_TASKS = 1000


@dataclass(frozen=True)
class TaskFields:
    """Task attributes to set; None leaves an attribute as it is (or at its default on create)."""

    external_id: str | None = None
    payload_ref: str | None = None
    priority: int | None = None
    created_at: datetime | None = None
    due_at: datetime | None = None
    labels_required: int | None = None


def _checked(values: TaskFields, prefix: Path) -> dict[str, object]:
    checked: dict[str, object] = {}
    if values.external_id is not None:
        checked["external_id"] = check_name((*prefix, "external_id"), values.external_id)
    if values.payload_ref is not None:
        if len(values.payload_ref) > 2000:
            raise ValidationFailed(
                (*prefix, "payload_ref"), values.payload_ref[:40] + "...", "must be at most 2000 characters"
            )
        checked["payload_ref"] = values.payload_ref.strip()
    if values.priority is not None:
        checked["priority"] = values.priority
    if values.created_at is not None:
        checked["created_at"] = check_aware((*prefix, "created_at"), values.created_at)
    if values.due_at is not None:
        checked["due_at"] = check_aware((*prefix, "due_at"), values.due_at)
    if values.labels_required is not None:
        checked["labels_required"] = check_positive_int((*prefix, "labels_required"), values.labels_required)
    return checked


async def _open_project(session: AsyncSession, project_id: int) -> Project:
    project = await get_or_not_found(session, Project, project_id, field=("project_id",))
    if project.archived_at is not None or project.status is ProjectStatus.COMPLETED:
        state = "archived" if project.archived_at is not None else project.status.value
        raise ValidationFailed(("project_id",), project_id, f"must name a project open to new tasks (it is {state})")
    return project


async def create_task(session: AsyncSession, project_id: int, item: TaskFields) -> Task:
    """Add one task to an open project; its failures name ``task``."""
    (task,) = await _create(session, project_id, [item], lambda _index: ("task",))
    return task


async def create_tasks(session: AsyncSession, project_id: int, items: Sequence[TaskFields]) -> list[Task]:
    """Add tasks to an open project, all or none; external ids are unique within the project."""
    if not 1 <= len(items) <= MAX_BULK_TASKS:
        raise ValidationFailed(("tasks",), len(items), f"must hold between 1 and {MAX_BULK_TASKS} tasks")
    return await _create(session, project_id, items, lambda index: ("tasks", index))


async def _create(
    session: AsyncSession, project_id: int, items: Sequence[TaskFields], item_path: Callable[[int], Path]
) -> list[Task]:
    project = await _open_project(session, project_id)
    now = utcnow()
    rows: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        prefix = item_path(index)
        checked = _checked(item, prefix)
        external_id = checked.get("external_id")
        if external_id is None:
            raise ValidationFailed((*prefix, "external_id"), None, "must not be empty")
        assert isinstance(external_id, str)
        if external_id in seen:
            raise Conflict(
                f"external id {external_id!r} appears twice (tasks {seen[external_id]} and {index})",
                path=(*prefix, "external_id"),
            )
        seen[external_id] = index
        created = checked.setdefault("created_at", now)
        due = checked.get("due_at")
        if isinstance(due, datetime) and isinstance(created, datetime) and due < created:
            raise ValidationFailed((*prefix, "due_at"), due.isoformat(), "must not be before createdAt")
        rows.append(checked)
    existing = (
        await session.scalars(
            select(Task.external_id).where(Task.project_id == project.id, Task.external_id.in_(list(seen)))
        )
    ).all()
    if existing:
        first = min(existing, key=lambda external_id: seen[external_id])
        raise Conflict(
            f"task {first!r} already exists in project {project.id}",
            path=(*item_path(seen[first]), "external_id"),
        )
    tasks = [Task(project_id=project.id, **row) for row in rows]
    session.add_all(tasks)
    await session.flush()
    return tasks


async def update_task(session: AsyncSession, task_id: int, values: TaskFields) -> Task:
    task = await get_or_not_found(session, Task, task_id, field=("id",))
    checked = _checked(values, ())
    if "external_id" in checked and checked["external_id"] != task.external_id:
        clash = await session.scalar(
            select(Task.id).where(Task.project_id == task.project_id, Task.external_id == checked["external_id"])
        )
        if clash is not None:
            raise Conflict(f"task {checked['external_id']!r} already exists in the project", path=("external_id",))
    labels_required = checked.pop("labels_required", None)
    for name, value in checked.items():
        setattr(task, name, value)
    if task.due_at is not None and task.due_at < task.created_at:
        raise ValidationFailed(("due_at",), task.due_at.isoformat(), "must not be before createdAt")
    if isinstance(labels_required, int) and labels_required != task.labels_required:
        # The workflow owns the slot rules and re-derives the task's status from its labels.
        await set_labels_required(session, task_id=task_id, labels_required=labels_required)
    await session.flush()
    return task


async def archive_task(session: AsyncSession, task_id: int) -> Task:
    """Hide a task from default listings and from the work queue; idempotent, labels kept."""
    return await archive_row(session, Task, task_id)
