"""Communication channels with a vendor: the type, its batch load, and the admins' mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.auth.permissions import ADMINS, mutation
from server.db.channels import CommunicationChannel
from server.graphql.context import Context, Info
from server.graphql.convert import from_service, mirrors
from server.graphql.enums import ChannelCadence, ChannelKind
from server.graphql.errors import ARGUMENTS, MutationError, mutate, mutate_row
from server.graphql.ids import decode_id
from server.graphql.loaders import load_child_lists
from server.services import channels
from server.services.channels import ChannelFields

__all__ = ["ChannelMutations", "CommunicationChannelType", "channels_by_vendor"]


@mirrors(CommunicationChannel, ids={"id": "CommunicationChannel", "vendor_id": "Vendor", "project_id": "Project"})
@strawberry.type(name="CommunicationChannel", description="How the team and a vendor talk.")
class CommunicationChannelType:
    id: relay.GlobalID
    vendor_id: relay.GlobalID
    project_id: relay.GlobalID | None = strawberry.field(description="Null: for all the vendor's projects.")
    kind: ChannelKind
    link: str = strawberry.field(description="An http(s) or mailto address; empty when the note says it all.")
    note: str
    cadence: ChannelCadence
    preferred: bool = strawberry.field(description="The first channel to use for its vendor and project.")
    created_at: datetime
    updated_at: datetime


async def channels_by_vendor(context: Context, keys: list[int]) -> list[list[CommunicationChannel]]:
    """Each vendor's channels: the preferred first, vendor-wide before per-project, then oldest first."""
    statement = select(CommunicationChannel, CommunicationChannel.vendor_id).order_by(
        CommunicationChannel.preferred.desc(),
        CommunicationChannel.project_id.is_not(None),
        CommunicationChannel.project_id,
        CommunicationChannel.id,
    )
    async with context.read() as session:
        return await load_child_lists(session, statement, CommunicationChannel.vendor_id, keys)


@strawberry.input
class AddCommunicationChannelInput:
    vendor_id: relay.GlobalID
    project_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A project the vendor is assigned to; null for all its projects."
    )
    kind: ChannelKind
    link: str = strawberry.field(default="", description="http, https or mailto; at most 2000 characters.")
    note: str = strawberry.field(default="", description="Who, when, how; at most 2000 characters.")
    cadence: ChannelCadence = ChannelCadence.AS_NEEDED
    preferred: bool = strawberry.field(default=False, description="Takes the preference from the others.")


@strawberry.input(description="Fields left out (or null) stay as they are.")
class UpdateCommunicationChannelInput:
    id: relay.GlobalID
    kind: ChannelKind | None = None
    link: str | None = None
    note: str | None = None
    cadence: ChannelCadence | None = None
    preferred: bool | None = None


@strawberry.type
class CommunicationChannelPayload:
    channel: CommunicationChannelType


@strawberry.type
class RemovedCommunicationChannel:
    id: relay.GlobalID


ChannelResult = Annotated[CommunicationChannelPayload | MutationError, strawberry.union("CommunicationChannelResult")]
RemovedChannelResult = Annotated[
    RemovedCommunicationChannel | MutationError, strawberry.union("RemoveCommunicationChannelResult")
]


def _payload(row: CommunicationChannel) -> CommunicationChannelPayload:
    return CommunicationChannelPayload(channel=from_service(CommunicationChannelType, row))


@strawberry.type
class ChannelMutations:
    @mutation(ADMINS, description="Record a way to reach a vendor, for all its projects or one of them.")
    async def add_communication_channel(self, info: Info, input: AddCommunicationChannelInput) -> ChannelResult:
        async def operation(session: AsyncSession) -> CommunicationChannel:
            vendor_id = decode_id(input.vendor_id, "Vendor", ("vendor_id",))
            project_id = None if input.project_id is None else decode_id(input.project_id, "Project", ("project_id",))
            values = ChannelFields(input.kind, input.link, input.note, input.cadence, input.preferred)
            return await channels.add_channel(session, vendor_id, project_id, values)

        return await mutate_row(info, _payload, operation)

    @mutation(ADMINS)
    async def update_communication_channel(self, info: Info, input: UpdateCommunicationChannelInput) -> ChannelResult:
        async def operation(session: AsyncSession) -> CommunicationChannel:
            key = decode_id(input.id, "CommunicationChannel", ("id",))
            values = ChannelFields(input.kind, input.link, input.note, input.cadence, input.preferred)
            return await channels.update_channel(session, key, values)

        return await mutate_row(info, _payload, operation)

    @mutation(ADMINS)
    async def remove_communication_channel(self, info: Info, id: relay.GlobalID) -> RemovedChannelResult:
        async def operation(session: AsyncSession) -> RemovedCommunicationChannel:
            await channels.remove_channel(session, decode_id(id, "CommunicationChannel", ("id",)))
            return RemovedCommunicationChannel(id=id)

        return await mutate(info, operation, root=ARGUMENTS)
