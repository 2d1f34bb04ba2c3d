"""GraphQL types of vendors: the node, its connection, its filter and ordering inputs."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay

from server.auth.permissions import CanSeeVendorPrices
from server.db import models
from server.graphql.context import Info
from server.graphql.convert import from_service
from server.graphql.enums import Certification, ChannelKind, DataType, PricingModel, VendorStatus, WorkforceType
from server.graphql.node_loading import load_nodes, resolve_nodes_with
from server.graphql.pagination import OrderDirection, child_connection
from server.graphql.vendors.loaders import vendors_by_id

if TYPE_CHECKING:
    from server.graphql.labelers.types import LabelerConnection
    from server.graphql.projects.types import ProjectNode
    from server.graphql.vendors.channels import CommunicationChannelType

__all__ = ["TrialResults", "VendorConnection", "VendorFilter", "VendorNode", "VendorOrder", "VendorOrderField"]


@strawberry.type(description="What a vendor showed in its trial.")
class TrialResults:
    quality: float | None = strawberry.field(description="Share of trial labels accepted, 0 to 1.")
    labels_per_hour: float | None
    notes: str | None


@strawberry.type(name="Vendor", description="A workforce provider, from prospect through trial to onboarded.")
class VendorNode(relay.Node):
    id: relay.NodeID[int]
    name: str
    workforce_type: WorkforceType
    data_types: list[DataType]
    industries: list[str]
    specialist_skills: list[str]
    certifications: list[Certification]
    time_zone: str
    pricing_model: PricingModel = strawberry.field(permission_classes=[CanSeeVendorPrices])
    rate: float = strawberry.field(
        description="Price per hour or per label, by `pricingModel`, in `currency`.",
        permission_classes=[CanSeeVendorPrices],
    )
    currency: str = strawberry.field(permission_classes=[CanSeeVendorPrices])
    kickoff_days: int
    status: VendorStatus
    trial_results: TrialResults | None = strawberry.field(permission_classes=[CanSeeVendorPrices])
    available_days_per_week: int | None = strawberry.field(description="Vetting: days a week its people work.")
    available_hours_per_day: float | None = strawberry.field(description="Vetting: hours a day its people work.")
    languages: list[str] = strawberry.field(description="Vetting: languages its people label in.")
    communication_style: str | None = strawberry.field(description="Vetting: how it reports and escalates.")
    response_hours: float | None = strawberry.field(description="Vetting: usual hours to answer a question.")
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None

    @classmethod
    def from_model(cls, row: models.Vendor) -> Self:
        trial = None
        if row.trial_quality is not None or row.trial_labels_per_hour is not None or row.trial_notes:
            trial = TrialResults(
                quality=row.trial_quality, labels_per_hour=row.trial_labels_per_hour, notes=row.trial_notes
            )
        return cls(
            id=row.id,
            name=row.name,
            workforce_type=row.workforce_type,
            data_types=[DataType(value) for value in row.data_types],
            industries=list(row.industries),
            specialist_skills=list(row.specialist_skills),
            certifications=[Certification(value) for value in row.certifications],
            time_zone=row.time_zone,
            pricing_model=row.pricing_model,
            rate=row.rate,
            currency=row.currency,
            kickoff_days=row.kickoff_days,
            status=row.status,
            trial_results=trial,
            available_days_per_week=row.available_days_per_week,
            available_hours_per_day=row.available_hours_per_day,
            languages=list(row.languages or ()),
            communication_style=row.communication_style,
            response_hours=row.response_hours,
            created_at=row.created_at,
            updated_at=row.updated_at,
            archived_at=row.archived_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await resolve_nodes_with(info, vendors_by_id, node_ids, cls.from_model, required=required)

    @strawberry.field(description="The vendor's labelers, by name.")
    async def labelers(
        self, info: Info, first: int | None = None, after: str | None = None, include_archived: bool = False
    ) -> Annotated[LabelerConnection, strawberry.lazy("server.graphql.labelers.types")]:
        from server.graphql.labelers.loaders import labeler_pages_by_vendor
        from server.graphql.labelers.types import LabelerConnection, LabelerNode

        return await child_connection(
            info,
            info.context.loader(labeler_pages_by_vendor),
            self.id,
            first=first,
            after=after,
            include_archived=include_archived,
            to_node=LabelerNode.from_model,
            connection=LabelerConnection,
        )

    @strawberry.field(
        description="How to reach the vendor, preferred first; with `projectId`, the channels for all its projects "
        "and those for that project."
    )
    async def channels(
        self, info: Info, project_id: relay.GlobalID | None = None
    ) -> list[Annotated[CommunicationChannelType, strawberry.lazy("server.graphql.vendors.channels")]]:
        from server.graphql.ids import decode_id
        from server.graphql.vendors.channels import CommunicationChannelType, channels_by_vendor

        rows = await info.context.loader(channels_by_vendor).load(self.id)
        if project_id is not None:
            project = decode_id(project_id, "Project", ("project_id",))
            rows = [row for row in rows if row.project_id in (None, project)]
        return [from_service(CommunicationChannelType, row) for row in rows]

    @strawberry.field(description="Projects the vendor is assigned to.")
    async def projects(
        self, info: Info
    ) -> list[Annotated[ProjectNode, strawberry.lazy("server.graphql.projects.types")]]:
        from server.graphql.projects.loaders import projects_by_vendor
        from server.graphql.projects.types import ProjectNode

        return await load_nodes(info, projects_by_vendor, self.id, ProjectNode.from_model)


@strawberry.type(name="VendorConnection")
class VendorConnection(relay.Connection[VendorNode]):
    total_count: int


@strawberry.enum
class VendorOrderField(enum.Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    RATE = "rate"
    KICKOFF_DAYS = "kickoff_days"
    STATUS = "status"


@strawberry.input
class VendorOrder:
    field: VendorOrderField = VendorOrderField.NAME
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Every given criterion must hold; lists match any of their values.")
class VendorFilter:
    status: list[VendorStatus] | None = None
    workforce_type: list[WorkforceType] | None = None
    certification: Certification | None = strawberry.field(default=None, description="Vendors holding it.")
    data_type: DataType | None = strawberry.field(default=None, description="Vendors labeling it.")
    pricing_model: PricingModel | None = None
    name_contains: str | None = None
    industry: str | None = strawberry.field(default=None, description="Vendors serving it (exact, any case).")
    skill: str | None = strawberry.field(default=None, description="Vendors listing it among specialist skills.")
    language: str | None = strawberry.field(default=None, description="Vendors labeling in it.")
    max_kickoff_days: int | None = strawberry.field(default=None, description="Vendors that can start this soon.")
    min_hours_per_day: float | None = strawberry.field(
        default=None, description="Vendors whose people work at least this many hours a day."
    )
    min_days_per_week: int | None = strawberry.field(
        default=None, description="Vendors whose people work at least this many days a week."
    )
    channel_kind: ChannelKind | None = strawberry.field(default=None, description="Vendors reachable this way.")
    search: str | None = strawberry.field(
        default=None,
        description="Text found in the name, industries, skills, languages or communication style (any case).",
    )
