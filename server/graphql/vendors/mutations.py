"""Vendor mutations: create, update, archive, and moves along the vendor pipeline."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.auth.permissions import ADMINS, mutation
from server.db.models import Vendor
from server.graphql.context import Info
from server.graphql.enums import Certification, DataType, PricingModel, VendorStatus, WorkforceType
from server.graphql.errors import ARGUMENTS, MutationError, mutate_row
from server.graphql.ids import decode_id
from server.graphql.vendors.types import VendorNode
from server.services import workflow
from server.services.crud import vendors as crud_vendors
from server.services.crud.vendors import VendorFields

__all__ = ["VendorMutations", "VendorPayload", "VendorResult"]


@strawberry.input
class CreateVendorInput:
    name: str
    workforce_type: WorkforceType
    pricing_model: PricingModel
    rate: float = strawberry.field(description="Per hour or per label, by `pricingModel`; >= 0.")
    currency: str = strawberry.field(default="USD", description="ISO 4217 code.")
    data_types: list[DataType] = strawberry.field(default_factory=list)
    industries: list[str] = strawberry.field(default_factory=list)
    specialist_skills: list[str] = strawberry.field(default_factory=list)
    certifications: list[Certification] = strawberry.field(default_factory=list)
    time_zone: str = strawberry.field(default="UTC", description="IANA name, e.g. Asia/Manila.")
    kickoff_days: int = 14
    available_days_per_week: int | None = strawberry.field(default=None, description="1 to 7.")
    available_hours_per_day: float | None = strawberry.field(default=None, description="Above 0, at most 24.")
    languages: list[str] | None = None
    communication_style: str | None = strawberry.field(default=None, description="At most 2000 characters.")
    response_hours: float | None = strawberry.field(default=None, description=">= 0.")


@strawberry.input(description="Fields left out (or null) stay as they are.")
class UpdateVendorInput:
    id: relay.GlobalID
    name: str | None = None
    workforce_type: WorkforceType | None = None
    pricing_model: PricingModel | None = None
    rate: float | None = None
    currency: str | None = None
    data_types: list[DataType] | None = None
    industries: list[str] | None = None
    specialist_skills: list[str] | None = None
    certifications: list[Certification] | None = None
    time_zone: str | None = None
    kickoff_days: int | None = None
    available_days_per_week: int | None = None
    available_hours_per_day: float | None = None
    languages: list[str] | None = None
    communication_style: str | None = None
    response_hours: float | None = None


@strawberry.input(description="A move along PROSPECT -> TRIAL -> ONBOARDED (or OFFBOARDED from any status).")
class AdvanceVendorStatusInput:
    vendor_id: relay.GlobalID
    to_status: VendorStatus
    trial_quality: float | None = strawberry.field(default=None, description="Share accepted in the trial, 0 to 1.")
    trial_labels_per_hour: float | None = None
    trial_notes: str | None = None


@strawberry.type
class VendorPayload:
    vendor: VendorNode


VendorResult = Annotated[VendorPayload | MutationError, strawberry.union("VendorResult")]


def _fields(values: CreateVendorInput | UpdateVendorInput) -> VendorFields:
    return VendorFields(
        name=values.name,
        workforce_type=values.workforce_type,
        data_types=values.data_types,
        industries=values.industries,
        specialist_skills=values.specialist_skills,
        certifications=values.certifications,
        time_zone=values.time_zone,
        pricing_model=values.pricing_model,
        rate=values.rate,
        currency=values.currency,
        kickoff_days=values.kickoff_days,
        available_days_per_week=values.available_days_per_week,
        available_hours_per_day=values.available_hours_per_day,
        languages=values.languages,
        communication_style=values.communication_style,
        response_hours=values.response_hours,
    )


def _payload(row: Vendor) -> VendorPayload:
    return VendorPayload(vendor=VendorNode.from_model(row))


@strawberry.type
class VendorMutations:
    @mutation(ADMINS, description="Add a vendor as a PROSPECT.")
    async def create_vendor(self, info: Info, input: CreateVendorInput) -> VendorResult:
        return await mutate_row(info, _payload, lambda session: crud_vendors.create_vendor(session, _fields(input)))

    @mutation(ADMINS)
    async def update_vendor(self, info: Info, input: UpdateVendorInput) -> VendorResult:
        async def operation(session: AsyncSession) -> Vendor:
            key = decode_id(input.id, "Vendor", ("id",))
            return await crud_vendors.update_vendor(session, key, _fields(input))

        return await mutate_row(info, _payload, operation)

    @mutation(ADMINS, description="Hide a vendor from default listings; its history stays.")
    async def archive_vendor(self, info: Info, id: relay.GlobalID) -> VendorResult:
        async def operation(session: AsyncSession) -> Vendor:
            return await crud_vendors.archive_vendor(session, decode_id(id, "Vendor", ("id",)))

        return await mutate_row(info, _payload, operation, root=ARGUMENTS)

    @mutation(ADMINS, description="Move a vendor along its pipeline, recording trial results with the move.")
    async def advance_vendor_status(self, info: Info, input: AdvanceVendorStatusInput) -> VendorResult:
        async def operation(session: AsyncSession) -> Vendor:
            return await workflow.advance_vendor_status(
                session,
                vendor_id=decode_id(input.vendor_id, "Vendor", ("vendor_id",)),
                to_status=input.to_status,
                trial_quality=input.trial_quality,
                trial_labels_per_hour=input.trial_labels_per_hour,
                trial_notes=input.trial_notes,
            )

        return await mutate_row(info, _payload, operation)
