"""Label mutations: submitting a label and reworking a rejected one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.scalars import JSON

from server.auth.permissions import LABELERS, mutation
from server.db.models import Label, Task
from server.graphql.context import Info
from server.graphql.errors import MutationError, mutate
from server.graphql.ids import decode_id
from server.graphql.labels.types import LabelNode
from server.graphql.tasks.types import TaskNode
from server.services import workflow

__all__ = ["LabelMutations", "LabelPayload", "LabelResult"]


@strawberry.input
class SubmitLabelInput:
    task_id: relay.GlobalID
    labeler_id: relay.GlobalID
    answer: JSON
    started_at: datetime
    submitted_at: datetime
    seconds_to_label: float | None = strawberry.field(
        default=None, description="Active labeling time; default the span from startedAt to submittedAt."
    )


@strawberry.input(description="The author's revision of a rejected label.")
class ReworkLabelInput:
    label_id: relay.GlobalID
    labeler_id: relay.GlobalID
    answer: JSON
    rework_seconds: float


@strawberry.type(description="The label and its task as the workflow left them.")
class LabelPayload:
    label: LabelNode
    task: TaskNode


LabelResult = Annotated[LabelPayload | MutationError, strawberry.union("LabelResult")]


async def label_payload(session: AsyncSession, label: Label) -> LabelPayload:
    task = await session.get(Task, label.task_id)
    assert task is not None  # a label's task is a foreign key
    return LabelPayload(label=LabelNode.from_model(label), task=TaskNode.from_model(task))


@strawberry.type
class LabelMutations:
    @mutation(LABELERS, description="Record a labeler's answer; the task moves to review (or is done).")
    async def submit_label(self, info: Info, input: SubmitLabelInput) -> LabelResult:
        async def operation(session: AsyncSession) -> LabelPayload:
            answer: Any = input.answer
            label = await workflow.submit_label(
                session,
                task_id=decode_id(input.task_id, "Task", ("task_id",)),
                labeler_id=decode_id(input.labeler_id, "Labeler", ("labeler_id",)),
                answer=answer,
                started_at=input.started_at,
                submitted_at=input.submitted_at,
                seconds_to_label=input.seconds_to_label,
            )
            return await label_payload(session, label)

        return await mutate(info, operation, short=True)

    @mutation(LABELERS, description="Resubmit a rejected label with a new answer; it goes back to review.")
    async def rework_label(self, info: Info, input: ReworkLabelInput) -> LabelResult:
        async def operation(session: AsyncSession) -> LabelPayload:
            answer: Any = input.answer
            label = await workflow.rework_label(
                session,
                label_id=decode_id(input.label_id, "Label", ("label_id",)),
                labeler_id=decode_id(input.labeler_id, "Labeler", ("labeler_id",)),
                answer=answer,
                rework_seconds=input.rework_seconds,
            )
            return await label_payload(session, label)

        return await mutate(info, operation, short=True)
