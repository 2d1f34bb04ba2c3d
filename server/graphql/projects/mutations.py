"""Project mutations: create, update, archive, and assigning vendors and labelers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.scalars import JSON

from server.auth.permissions import ADMINS, PROGRAM_MANAGERS, mutation, viewer_of
from server.db.models import Project
from server.graphql.context import Info
from server.graphql.enums import DataType, ProjectStatus
from server.graphql.errors import ARGUMENTS, MutationError, mutate_row
from server.graphql.ids import decode_id, decode_ids
from server.graphql.projects.types import ProjectNode
from server.services import workflow
from server.services.crud import projects as crud_projects
from server.services.crud.checks import get_or_not_found
from server.services.crud.projects import ProjectFields
from server.services.errors import Path

__all__ = ["ProjectMutations", "ProjectPayload", "ProjectResult"]


@strawberry.input
class CreateProjectInput:
    name: str
    data_type: DataType
    description: str = ""
    ontology: JSON | None = strawberry.field(
        default=None, description="The label schema, a JSON object; default {}. Becomes guideline version 1."
    )
    instructions: str = ""
    status: ProjectStatus = ProjectStatus.DRAFT
    quality_target: float = 0.95
    sla_turnaround_hours: float = 48.0
    sla_target_share: float = 0.95
    deadline: datetime | None = None
    budget: float | None = None
    currency: str = "USD"
    consensus_labels_per_task: int = 1
    consensus_coverage: float = 0.0
    benchmark_rate: float = 0.0
    review_share: float = 1.0


@strawberry.input(description="Fields left out (or null) stay as they are.")
class UpdateProjectInput:
    id: relay.GlobalID
    name: str | None = None
    data_type: DataType | None = None
    description: str | None = None
    ontology: JSON | None = strawberry.field(default=None, description="A change publishes a new guideline version.")
    instructions: str | None = strawberry.field(default=None, description="A change publishes a new guideline version.")
    status: ProjectStatus | None = None
    quality_target: float | None = None
    sla_turnaround_hours: float | None = None
    sla_target_share: float | None = None
    deadline: datetime | None = None
    budget: float | None = None
    currency: str | None = None
    consensus_labels_per_task: int | None = None
    consensus_coverage: float | None = None
    benchmark_rate: float | None = None
    review_share: float | None = None


@strawberry.input
class ProjectVendorsInput:
    project_id: relay.GlobalID
    vendor_ids: list[relay.GlobalID]


@strawberry.input
class ProjectLabelersInput:
    project_id: relay.GlobalID
    labeler_ids: list[relay.GlobalID]


@strawberry.type
class ProjectPayload:
    project: ProjectNode


ProjectResult = Annotated[ProjectPayload | MutationError, strawberry.union("ProjectResult")]

_VENDORS: tuple[str, Path] = ("Vendor", ("vendor_ids",))
_LABELERS: tuple[str, Path] = ("Labeler", ("labeler_ids",))


def _fields(values: CreateProjectInput | UpdateProjectInput) -> ProjectFields:
    return ProjectFields(
        name=values.name,
        description=values.description,
        data_type=values.data_type,
        ontology=values.ontology,  # type: ignore[arg-type]
        instructions=values.instructions,
        status=values.status,
        quality_target=values.quality_target,
        sla_turnaround_hours=values.sla_turnaround_hours,
        sla_target_share=values.sla_target_share,
        deadline=values.deadline,
        budget=values.budget,
        currency=values.currency,
        consensus_labels_per_task=values.consensus_labels_per_task,
        consensus_coverage=values.consensus_coverage,
        benchmark_rate=values.benchmark_rate,
        review_share=values.review_share,
    )


def _payload(row: Project) -> ProjectPayload:
    return ProjectPayload(project=ProjectNode.from_model(row))


async def _project(session: AsyncSession, key: int) -> Project:
    project = await get_or_not_found(session, Project, key, field=("project_id",))
    await session.refresh(project)
    return project


async def _change_members(
    info: Info,
    project_id: relay.GlobalID,
    member_ids: list[relay.GlobalID],
    member: tuple[str, Path],
    change: Callable[[AsyncSession, int, int], Awaitable[None]],
) -> ProjectPayload | MutationError:
    """Apply `change(session, project, member)` to each of `member_ids` (a `(type name, input path)`), all or none."""

    async def operation(session: AsyncSession) -> Project:
        project = decode_id(project_id, "Project", ("project_id",))
        for key in decode_ids(member_ids, *member):
            await change(session, project, key)
        return await _project(session, project)

    return await mutate_row(info, _payload, operation)


@strawberry.type
class ProjectMutations:
    @mutation(ADMINS)
    async def create_project(self, info: Info, input: CreateProjectInput) -> ProjectResult:
        author = viewer_of(info).email or "system"
        return await mutate_row(
            info, _payload, lambda session: crud_projects.create_project(session, _fields(input), author=author)
        )

    @mutation(PROGRAM_MANAGERS, description="Change settings; a COMPLETED project cannot be reopened.")
    async def update_project(self, info: Info, input: UpdateProjectInput) -> ProjectResult:
        async def operation(session: AsyncSession) -> Project:
            key = decode_id(input.id, "Project", ("id",))
            return await crud_projects.update_project(
                session, key, _fields(input), author=viewer_of(info).email or "system"
            )

        return await mutate_row(info, _payload, operation)

    @mutation(ADMINS, description="Hide a project from default listings; its history stays.")
    async def archive_project(self, info: Info, id: relay.GlobalID) -> ProjectResult:
        async def operation(session: AsyncSession) -> Project:
            return await crud_projects.archive_project(session, decode_id(id, "Project", ("id",)))

        return await mutate_row(info, _payload, operation, root=ARGUMENTS)

    @mutation(ADMINS, description="Put vendors on a project (all or none); their labelers can then join it.")
    async def assign_project_vendors(self, info: Info, input: ProjectVendorsInput) -> ProjectResult:
        async def assign(session: AsyncSession, project: int, vendor: int) -> None:
            await workflow.assign_vendor_to_project(session, project_id=project, vendor_id=vendor)

        return await _change_members(info, input.project_id, input.vendor_ids, _VENDORS, assign)

    @mutation(ADMINS, description="Take vendors off a project (all or none).")
    async def unassign_project_vendors(self, info: Info, input: ProjectVendorsInput) -> ProjectResult:
        async def unassign(session: AsyncSession, project: int, vendor: int) -> None:
            await workflow.remove_vendor_from_project(session, project_id=project, vendor_id=vendor)

        return await _change_members(info, input.project_id, input.vendor_ids, _VENDORS, unassign)

    @mutation(
        PROGRAM_MANAGERS, description="Make labelers members of a project (all or none); their vendor must be on it."
    )
    async def assign_project_labelers(self, info: Info, input: ProjectLabelersInput) -> ProjectResult:
        async def assign(session: AsyncSession, project: int, labeler: int) -> None:
            await workflow.assign_labeler_to_project(session, project_id=project, labeler_id=labeler)

        return await _change_members(info, input.project_id, input.labeler_ids, _LABELERS, assign)

    @mutation(PROGRAM_MANAGERS, description="End labelers' membership of a project (all or none); their labels stay.")
    async def unassign_project_labelers(self, info: Info, input: ProjectLabelersInput) -> ProjectResult:
        async def unassign(session: AsyncSession, project: int, labeler: int) -> None:
            await workflow.remove_labeler_from_project(session, project_id=project, labeler_id=labeler)

        return await _change_members(info, input.project_id, input.labeler_ids, _LABELERS, unassign)
