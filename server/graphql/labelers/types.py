"""GraphQL types of labelers: the node with its vendor, stage history and projects; connection, filter, ordering."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay

from server.auth.permissions import CanSeeLabelerRate
from server.db import models
from server.graphql.context import Info
from server.graphql.enums import LabelerStage
from server.graphql.labelers.loaders import labelers_by_id, stage_events_by_labeler
from server.graphql.node_loading import load_node, load_nodes, resolve_nodes_with
from server.graphql.pagination import OrderDirection

if TYPE_CHECKING:
    from server.graphql.projects.types import ProjectNode
    from server.graphql.vendors.types import VendorNode

__all__ = [
    "LabelerConnection",
    "LabelerFilter",
    "LabelerNode",
    "LabelerOrder",
    "LabelerOrderField",
    "StageEvent",
]


@strawberry.type(name="LabelerStageEvent", description="A labeler entering a stage.")
class StageEvent:
    stage: LabelerStage
    entered_at: datetime
    note: str

    @classmethod
    def from_model(cls, row: models.LabelerStageEvent) -> Self:
        return cls(stage=row.stage, entered_at=row.entered_at, note=row.note)


@strawberry.type(name="Labeler", description="One person labeling or reviewing for a vendor.")
class LabelerNode(relay.Node):
    id: relay.NodeID[int]
    name: str
    email: str | None
    stage: LabelerStage
    hourly_rate: float = strawberry.field(permission_classes=[CanSeeLabelerRate])
    skills: list[str]
    time_zone: str
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    vendor_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Labeler) -> Self:
        return cls(
            id=row.id,
            name=row.name,
            email=row.email,
            stage=row.stage,
            hourly_rate=row.hourly_rate,
            skills=list(row.skills),
            time_zone=row.time_zone,
            created_at=row.created_at,
            updated_at=row.updated_at,
            archived_at=row.archived_at,
            vendor_id=row.vendor_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await resolve_nodes_with(info, labelers_by_id, node_ids, cls.from_model, required=required)

    @strawberry.field
    async def vendor(self, info: Info) -> Annotated[VendorNode, strawberry.lazy("server.graphql.vendors.types")]:
        from server.graphql.vendors.loaders import vendors_by_id
        from server.graphql.vendors.types import VendorNode

        return await load_node(info, vendors_by_id, self.vendor_id, VendorNode.from_model)

    @strawberry.field(description="Every stage the labeler entered, oldest first.")
    async def stage_history(self, info: Info) -> list[StageEvent]:
        return await load_nodes(info, stage_events_by_labeler, self.id, StageEvent.from_model)

    @strawberry.field(description="Projects the labeler is a member of.")
    async def projects(
        self, info: Info
    ) -> list[Annotated[ProjectNode, strawberry.lazy("server.graphql.projects.types")]]:
        from server.graphql.projects.loaders import projects_by_labeler
        from server.graphql.projects.types import ProjectNode

        return await load_nodes(info, projects_by_labeler, self.id, ProjectNode.from_model)


@strawberry.type(name="LabelerConnection")
class LabelerConnection(relay.Connection[LabelerNode]):
    total_count: int


@strawberry.enum
class LabelerOrderField(enum.Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    STAGE = "stage"
    HOURLY_RATE = "hourly_rate"


@strawberry.input
class LabelerOrder:
    field: LabelerOrderField = LabelerOrderField.NAME
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Every given criterion must hold; lists match any of their values.")
class LabelerFilter:
    vendor_id: relay.GlobalID | None = None
    project_id: relay.GlobalID | None = strawberry.field(default=None, description="Members of this project.")
    stage: list[LabelerStage] | None = None
    skill: str | None = strawberry.field(default=None, description="Labelers listing exactly this skill.")
    name_contains: str | None = None
