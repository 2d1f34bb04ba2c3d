"""Labeler mutations: create, update, archive, stage moves and offboarding."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.auth.permissions import VENDOR_MANAGERS, mutation
from server.db.models import Labeler
from server.graphql.context import Info
from server.graphql.enums import LabelerStage
from server.graphql.errors import ARGUMENTS, MutationError, mutate_row
from server.graphql.ids import decode_id
from server.graphql.labelers.types import LabelerNode
from server.services import workflow
from server.services.crud import labelers as crud_labelers
from server.services.crud.labelers import LabelerFields

__all__ = ["LabelerMutations", "LabelerPayload", "LabelerResult"]


@strawberry.input
class CreateLabelerInput:
    vendor_id: relay.GlobalID
    name: str
    email: str | None = None
    hourly_rate: float = 0.0
    skills: list[str] = strawberry.field(default_factory=list)
    time_zone: str = strawberry.field(default="UTC", description="IANA name, e.g. Africa/Nairobi.")


@strawberry.input(description="Fields left out (or null) stay as they are.")
class UpdateLabelerInput:
    id: relay.GlobalID
    name: str | None = None
    email: str | None = None
    hourly_rate: float | None = None
    skills: list[str] | None = None
    time_zone: str | None = None


@strawberry.input(description="Without `toStage`, the next stage in order.")
class AdvanceLabelerStageInput:
    labeler_id: relay.GlobalID
    to_stage: LabelerStage | None = None
    at: datetime | None = strawberry.field(default=None, description="When the stage began; default now.")
    note: str = ""


@strawberry.input
class OffboardLabelerInput:
    labeler_id: relay.GlobalID
    reason: str
    at: datetime | None = None


@strawberry.type
class LabelerPayload:
    labeler: LabelerNode


LabelerResult = Annotated[LabelerPayload | MutationError, strawberry.union("LabelerResult")]


def _fields(values: CreateLabelerInput | UpdateLabelerInput) -> LabelerFields:
    return LabelerFields(
        name=values.name,
        email=values.email,
        hourly_rate=values.hourly_rate,
        skills=values.skills,
        time_zone=values.time_zone,
    )


def _payload(row: Labeler) -> LabelerPayload:
    return LabelerPayload(labeler=LabelerNode.from_model(row))


@strawberry.type
class LabelerMutations:
    @mutation(VENDOR_MANAGERS, description="Add a labeler to a vendor; they start in HIRING.")
    async def create_labeler(self, info: Info, input: CreateLabelerInput) -> LabelerResult:
        async def operation(session: AsyncSession) -> Labeler:
            vendor = decode_id(input.vendor_id, "Vendor", ("vendor_id",))
            return await crud_labelers.create_labeler(session, vendor, _fields(input))

        return await mutate_row(info, _payload, operation)

    @mutation(VENDOR_MANAGERS)
    async def update_labeler(self, info: Info, input: UpdateLabelerInput) -> LabelerResult:
        async def operation(session: AsyncSession) -> Labeler:
            key = decode_id(input.id, "Labeler", ("id",))
            return await crud_labelers.update_labeler(session, key, _fields(input))

        return await mutate_row(info, _payload, operation)

    @mutation(VENDOR_MANAGERS, description="Hide a labeler from default listings; their history stays.")
    async def archive_labeler(self, info: Info, id: relay.GlobalID) -> LabelerResult:
        async def operation(session: AsyncSession) -> Labeler:
            return await crud_labelers.archive_labeler(session, decode_id(id, "Labeler", ("id",)))

        return await mutate_row(info, _payload, operation, root=ARGUMENTS)

    @mutation(
        VENDOR_MANAGERS, description="Move a labeler to the next onboarding stage (or back to training after a test)."
    )
    async def advance_labeler_stage(self, info: Info, input: AdvanceLabelerStageInput) -> LabelerResult:
        async def operation(session: AsyncSession) -> Labeler:
            return await workflow.advance_labeler_stage(
                session,
                labeler_id=decode_id(input.labeler_id, "Labeler", ("labeler_id",)),
                to_stage=input.to_stage,
                at=input.at,
                note=input.note,
            )

        return await mutate_row(info, _payload, operation)

    @mutation(VENDOR_MANAGERS, description="Offboard a labeler from any stage, with the reason in the stage history.")
    async def offboard_labeler(self, info: Info, input: OffboardLabelerInput) -> LabelerResult:
        async def operation(session: AsyncSession) -> Labeler:
            return await workflow.offboard_labeler(
                session,
                labeler_id=decode_id(input.labeler_id, "Labeler", ("labeler_id",)),
                reason=input.reason,
                at=input.at,
            )

        return await mutate_row(info, _payload, operation)
