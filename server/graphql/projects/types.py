"""GraphQL types of projects: the node with its SLA and consensus settings, connection, filter, ordering."""

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
from server.graphql.enums import DataType, LabelerStage, ProjectStatus, TaskStatus
from server.graphql.node_loading import load_nodes, resolve_nodes_with
from server.graphql.pagination import OrderDirection, child_connection
from server.graphql.projects.loaders import projects_by_id

if TYPE_CHECKING:
    from server.graphql.labelers.types import LabelerConnection
    from server.graphql.projects.health import ProjectHealth
    from server.graphql.tasks.types import TaskConnection
    from server.graphql.vendors.types import VendorNode

__all__ = ["ProjectConnection", "ProjectFilter", "ProjectNode", "ProjectOrder", "ProjectOrderField"]


@strawberry.type(description="The service level a project promises.")
class Sla:
    turnaround_hours: float = strawberry.field(description="Hours from task creation to DONE.")
    target_share: float = strawberry.field(description="Share of tasks that must make the turnaround, 0 to 1.")


@strawberry.type(description="How many labelers answer a task, and for which share of tasks.")
class Consensus:
    labels_per_task: int
    coverage: float = strawberry.field(description="Share of tasks labeled by several labelers, 0 to 1.")


@strawberry.type(name="Project", description="A labeling project: what to label, how well, how fast, for how much.")
class ProjectNode(relay.Node):
    id: relay.NodeID[int]
    name: str
    description: str
    data_type: DataType
    ontology: JSON
    instructions: str
    status: ProjectStatus
    quality_target: float
    sla: Sla
    deadline: datetime | None
    budget: float | None
    currency: str
    consensus: Consensus
    benchmark_rate: float = strawberry.field(description="Share of tasks that are benchmarks, 0 to 1.")
    review_share: float = strawberry.field(description="Share of labels sent to review, 0 to 1.")
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None

    @classmethod
    def from_model(cls, row: models.Project) -> Self:
        return cls(
            id=row.id,
            name=row.name,
            description=row.description,
            data_type=row.data_type,
            ontology=row.ontology,  # type: ignore[arg-type]
            instructions=row.instructions,
            status=row.status,
            quality_target=row.quality_target,
            sla=Sla(turnaround_hours=row.sla_turnaround_hours, target_share=row.sla_target_share),
            deadline=row.deadline,
            budget=row.budget,
            currency=row.currency,
            consensus=Consensus(labels_per_task=row.consensus_labels_per_task, coverage=row.consensus_coverage),
            benchmark_rate=row.benchmark_rate,
            review_share=row.review_share,
            created_at=row.created_at,
            updated_at=row.updated_at,
            archived_at=row.archived_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await resolve_nodes_with(info, projects_by_id, node_ids, cls.from_model, required=required)

    @strawberry.field(
        description="The project's health as of `asOf` (default and latest: now): one verdict with its reasons. "
        "Null for callers who may not see the project's dashboard. A few statements per project: ask for it on "
        "pages of projects, not thousands."
    )
    async def health(
        self, info: Info, as_of: datetime | None = None
    ) -> Annotated[ProjectHealth, strawberry.lazy("server.graphql.projects.health")] | None:
        from server.graphql.projects.health import resolve_health

        return await resolve_health(info, self.id, as_of)

    @strawberry.field(description="Vendors assigned to the project, by name.")
    async def vendors(self, info: Info) -> list[Annotated[VendorNode, strawberry.lazy("server.graphql.vendors.types")]]:
        from server.graphql.vendors.loaders import vendors_by_project
        from server.graphql.vendors.types import VendorNode

        return await load_nodes(info, vendors_by_project, self.id, VendorNode.from_model)

    @strawberry.field(description="Members of the project, by name; optionally only those at one stage.")
    async def labelers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        stage: LabelerStage | None = None,
        include_archived: bool = False,
    ) -> Annotated[LabelerConnection, strawberry.lazy("server.graphql.labelers.types")]:
        from server.graphql.labelers.loaders import labeler_pages_by_project
        from server.graphql.labelers.types import LabelerConnection, LabelerNode

        return await child_connection(
            info,
            info.context.loader(labeler_pages_by_project, option=stage),
            self.id,
            first=first,
            after=after,
            include_archived=include_archived,
            to_node=LabelerNode.from_model,
            connection=LabelerConnection,
        )

    @strawberry.field(description="The project's tasks, oldest first; optionally only those in one status.")
    async def tasks(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: TaskStatus | None = None,
        include_archived: bool = False,
    ) -> Annotated[TaskConnection, strawberry.lazy("server.graphql.tasks.types")]:
        from server.graphql.tasks.loaders import task_pages_by_project
        from server.graphql.tasks.types import TaskConnection, TaskNode

        return await child_connection(
            info,
            info.context.loader(task_pages_by_project, option=status),
            self.id,
            first=first,
            after=after,
            include_archived=include_archived,
            to_node=TaskNode.from_model,
            connection=TaskConnection,
        )


@strawberry.type(name="ProjectConnection")
class ProjectConnection(relay.Connection[ProjectNode]):
    total_count: int


@strawberry.enum
class ProjectOrderField(enum.Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    DEADLINE = "deadline"
    STATUS = "status"
    BUDGET = "budget"


@strawberry.input
class ProjectOrder:
    field: ProjectOrderField = ProjectOrderField.NAME
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Every given criterion must hold; lists match any of their values.")
class ProjectFilter:
    status: list[ProjectStatus] | None = None
    data_type: list[DataType] | None = None
    vendor_id: relay.GlobalID | None = strawberry.field(default=None, description="Projects this vendor is on.")
    name_contains: str | None = None
