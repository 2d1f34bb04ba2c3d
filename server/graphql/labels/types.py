"""GraphQL types of labels: the node with its task, labeler and reviews; connection, filter, ordering."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from server.db import models
from server.graphql.context import Info
from server.graphql.enums import LabelStatus
from server.graphql.labels.loaders import labels_by_id
from server.graphql.node_loading import load_node, load_nodes, resolve_nodes_with
from server.graphql.pagination import OrderDirection

if TYPE_CHECKING:
    from server.graphql.labelers.types import LabelerNode
    from server.graphql.reviews.types import ReviewNode
    from server.graphql.tasks.types import TaskNode

__all__ = ["LabelConnection", "LabelFilter", "LabelNode", "LabelOrder", "LabelOrderField"]


@strawberry.type(name="Label", description="One labeler's answer to one task; rework revises the same label.")
class LabelNode(relay.Node):
    id: relay.NodeID[int]
    answer: JSON
    status: LabelStatus
    started_at: datetime
    submitted_at: datetime
    seconds_to_label: float
    rework_seconds: float = strawberry.field(description="Total time spent reworking after thumbs-down reviews.")
    rework_count: int
    task_id: strawberry.Private[int]
    labeler_id: strawberry.Private[int]
    guideline_version_id: strawberry.Private[int | None] = None

    @classmethod
    def from_model(cls, row: models.Label) -> Self:
        return cls(
            id=row.id,
            answer=row.answer,
            status=row.status,
            started_at=row.started_at,
            submitted_at=row.submitted_at,
            seconds_to_label=row.seconds_to_label,
            rework_seconds=row.rework_seconds,
            rework_count=row.rework_count,
            task_id=row.task_id,
            labeler_id=row.labeler_id,
            guideline_version_id=row.guideline_version_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await resolve_nodes_with(info, labels_by_id, node_ids, cls.from_model, required=required)

    @strawberry.field
    async def task(self, info: Info) -> Annotated[TaskNode, strawberry.lazy("server.graphql.tasks.types")]:
        from server.graphql.tasks.loaders import tasks_by_id
        from server.graphql.tasks.types import TaskNode

        return await load_node(info, tasks_by_id, self.task_id, TaskNode.from_model)

    @strawberry.field
    async def labeler(self, info: Info) -> Annotated[LabelerNode, strawberry.lazy("server.graphql.labelers.types")]:
        from server.graphql.labelers.loaders import labelers_by_id
        from server.graphql.labelers.types import LabelerNode

        return await load_node(info, labelers_by_id, self.labeler_id, LabelerNode.from_model)

    @strawberry.field(description="The number of the guideline version the label was made under.")
    async def guideline_version(self, info: Info) -> int | None:
        from server.graphql.guidelines.loaders import guideline_versions_by_id

        if self.guideline_version_id is None:
            return None
        version = await info.context.loader(guideline_versions_by_id).load(self.guideline_version_id)
        return None if version is None else int(version.number)

    @strawberry.field(description="Reviews of the label, oldest first.")
    async def reviews(self, info: Info) -> list[Annotated[ReviewNode, strawberry.lazy("server.graphql.reviews.types")]]:
        from server.graphql.reviews.loaders import reviews_by_label
        from server.graphql.reviews.types import ReviewNode

        return await load_nodes(info, reviews_by_label, self.id, ReviewNode.from_model)


@strawberry.type(name="LabelConnection")
class LabelConnection(relay.Connection[LabelNode]):
    total_count: int


@strawberry.enum
class LabelOrderField(enum.Enum):
    SUBMITTED_AT = "submitted_at"
    STARTED_AT = "started_at"
    SECONDS_TO_LABEL = "seconds_to_label"
    REWORK_SECONDS = "rework_seconds"


@strawberry.input
class LabelOrder:
    field: LabelOrderField = LabelOrderField.SUBMITTED_AT
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Every given criterion must hold; the time window is [submittedAfter, submittedBefore).")
class LabelFilter:
    task_id: relay.GlobalID | None = None
    labeler_id: relay.GlobalID | None = None
    project_id: relay.GlobalID | None = None
    status: list[LabelStatus] | None = None
    submitted_after: datetime | None = None
    submitted_before: datetime | None = None
    reworked: bool | None = strawberry.field(default=None, description="Only labels reworked at least once (or never).")
