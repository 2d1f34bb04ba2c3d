"""Task mutations: create (one or in bulk), update, archive, and benchmark gold answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.scalars import JSON

from server.auth.permissions import PROGRAM_MANAGERS, mutation
from server.db.models import Task
from server.graphql.context import Info
from server.graphql.errors import ARGUMENTS, MutationError, mutate, mutate_row
from server.graphql.ids import decode_id
from server.graphql.tasks.types import TaskNode
from server.services import workflow
from server.services.crud import tasks as crud_tasks
from server.services.crud.tasks import TaskFields
from server.services.errors import Path

__all__ = ["TaskMutations", "TaskPayload", "TaskResult", "TasksPayload", "TasksResult"]


@strawberry.input(description="One task to add; `createdAt` defaults to now.")
class NewTaskInput:
    external_id: str
    payload_ref: str = ""
    priority: int = 0
    created_at: datetime | None = None
    due_at: datetime | None = None
    labels_required: int = 1


@strawberry.input
class CreateTaskInput:
    project_id: relay.GlobalID
    task: NewTaskInput


@strawberry.input(description="Up to 1000 tasks added together: all of them or, on any error, none.")
class CreateTasksInput:
    project_id: relay.GlobalID
    tasks: list[NewTaskInput]


@strawberry.input(description="Fields left out (or null) stay as they are.")
class UpdateTaskInput:
    id: relay.GlobalID
    external_id: str | None = None
    payload_ref: str | None = None
    priority: int | None = None
    due_at: datetime | None = None
    labels_required: int | None = None


@strawberry.input
class MarkBenchmarkInput:
    task_id: relay.GlobalID
    gold_answer: JSON = strawberry.field(description="The correct answer labels are scored against.")


@strawberry.type
class TaskPayload:
    task: TaskNode


@strawberry.type
class TasksPayload:
    tasks: list[TaskNode]


TaskResult = Annotated[TaskPayload | MutationError, strawberry.union("TaskResult")]
TasksResult = Annotated[TasksPayload | MutationError, strawberry.union("TasksResult")]


def _fields(values: NewTaskInput) -> TaskFields:
    return TaskFields(
        external_id=values.external_id,
        payload_ref=values.payload_ref,
        priority=values.priority,
        created_at=values.created_at,
        due_at=values.due_at,
        labels_required=values.labels_required,
    )


def _payload(row: Task) -> TaskPayload:
    return TaskPayload(task=TaskNode.from_model(row))


def _task_id(value: relay.GlobalID, field: Path) -> int:
    return decode_id(value, "Task", field)


@strawberry.type
class TaskMutations:
    @mutation(PROGRAM_MANAGERS)
    async def create_task(self, info: Info, input: CreateTaskInput) -> TaskResult:
        async def operation(session: AsyncSession) -> Task:
            project = decode_id(input.project_id, "Project", ("project_id",))
            return await crud_tasks.create_task(session, project, _fields(input.task))

        return await mutate_row(info, _payload, operation)

    @mutation(PROGRAM_MANAGERS, description="Add many tasks to a project in one transaction.")
    async def create_tasks(self, info: Info, input: CreateTasksInput) -> TasksResult:
        async def operation(session: AsyncSession) -> TasksPayload:
            project = decode_id(input.project_id, "Project", ("project_id",))
            tasks = await crud_tasks.create_tasks(session, project, [_fields(item) for item in input.tasks])
            return TasksPayload(tasks=[TaskNode.from_model(task) for task in tasks])

        return await mutate(info, operation)

    @mutation(PROGRAM_MANAGERS)
    async def update_task(self, info: Info, input: UpdateTaskInput) -> TaskResult:
        async def operation(session: AsyncSession) -> Task:
            values = TaskFields(
                external_id=input.external_id,
                payload_ref=input.payload_ref,
                priority=input.priority,
                due_at=input.due_at,
                labels_required=input.labels_required,
            )
            return await crud_tasks.update_task(session, _task_id(input.id, ("id",)), values)

        return await mutate_row(info, _payload, operation)

    @mutation(PROGRAM_MANAGERS, description="Hide a task from listings and the work queue; its labels stay.")
    async def archive_task(self, info: Info, id: relay.GlobalID) -> TaskResult:
        async def operation(session: AsyncSession) -> Task:
            return await crud_tasks.archive_task(session, _task_id(id, ("id",)))

        return await mutate_row(info, _payload, operation, root=ARGUMENTS)

    @mutation(
        PROGRAM_MANAGERS, description="Make a task a benchmark with this gold answer (or replace its gold answer)."
    )
    async def mark_benchmark(self, info: Info, input: MarkBenchmarkInput) -> TaskResult:
        async def operation(session: AsyncSession) -> Task:
            task_id = _task_id(input.task_id, ("task_id",))
            gold: Any = input.gold_answer
            return await workflow.mark_benchmark(session, task_id=task_id, gold_answer=gold)

        return await mutate_row(info, _payload, operation)

    @mutation(PROGRAM_MANAGERS, description="Make a benchmark an ordinary task again; its labels stay.")
    async def unmark_benchmark(self, info: Info, task_id: relay.GlobalID) -> TaskResult:
        async def operation(session: AsyncSession) -> Task:
            return await workflow.unmark_benchmark(session, task_id=_task_id(task_id, ("task_id",)))

        return await mutate_row(info, _payload, operation, root=ARGUMENTS)
