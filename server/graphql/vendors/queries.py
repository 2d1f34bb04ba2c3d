"""Vendor queries: the filtered, ordered connection and the lookup by id."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import func, or_, select
from strawberry import relay

from server.auth.permissions import CanOrderByPrice, enforce
from server.db.channels import CommunicationChannel
from server.db.models import Vendor
from server.graphql.context import Info
from server.graphql.filters import contains_text, json_list_contains, json_text_contains
from server.graphql.node_loading import lookup_node
from server.graphql.pagination import PageArgs, filtered_connection
from server.graphql.vendors.loaders import vendors_by_id
from server.graphql.vendors.types import VendorConnection, VendorFilter, VendorNode, VendorOrder

__all__ = ["VendorQueries"]


@strawberry.type
class VendorQueries:
    @strawberry.field(
        description="Vendors; archived ones only with `includeArchived: true`.",
        extensions=[enforce(CanOrderByPrice(Vendor, "rate"))],
    )
    async def vendors(
        self,
        info: Info,
        filter: VendorFilter | None = None,
        order_by: VendorOrder | None = None,
        include_archived: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> VendorConnection:
        return await filtered_connection(
            info,
            Vendor,
            filter=filter,
            conditions=_conditions,
            order=order_by or VendorOrder(),
            args=PageArgs(first, after, last, before),
            to_node=VendorNode.from_model,
            connection=VendorConnection,
            include_archived=include_archived,
        )

    @strawberry.field(description="One vendor by global id (archived ones included); null when it does not exist.")
    async def vendor(self, info: Info, id: relay.GlobalID) -> VendorNode | None:
        return await lookup_node(info, id, "Vendor", vendors_by_id, VendorNode.from_model)


def _conditions(filter: VendorFilter) -> list[Any]:
    conditions: list[Any] = []
    if filter.status is not None:
        conditions.append(Vendor.status.in_(filter.status))
    if filter.workforce_type is not None:
        conditions.append(Vendor.workforce_type.in_(filter.workforce_type))
    if filter.certification is not None:
        conditions.append(json_list_contains(Vendor.certifications, filter.certification.value))
    if filter.data_type is not None:
        conditions.append(json_list_contains(Vendor.data_types, filter.data_type.value))
    if filter.pricing_model is not None:
        conditions.append(Vendor.pricing_model == filter.pricing_model)
    if filter.name_contains:
        conditions.append(contains_text(Vendor.name, filter.name_contains))
    for column, wanted in (
        (Vendor.industries, filter.industry),
        (Vendor.specialist_skills, filter.skill),
        (Vendor.languages, filter.language),
    ):
        if wanted is not None:
            conditions.append(json_list_contains(column, wanted.strip(), any_case=True))
    if filter.max_kickoff_days is not None:
        conditions.append(Vendor.kickoff_days <= filter.max_kickoff_days)
    if filter.min_hours_per_day is not None:
        conditions.append(Vendor.available_hours_per_day >= filter.min_hours_per_day)
    if filter.min_days_per_week is not None:
        conditions.append(Vendor.available_days_per_week >= filter.min_days_per_week)
    if filter.channel_kind is not None:
        reachable = select(CommunicationChannel.id).where(
            CommunicationChannel.vendor_id == Vendor.id, CommunicationChannel.kind == filter.channel_kind
        )
        conditions.append(reachable.exists())
    if filter.search:
        text = filter.search.strip()
        conditions.append(
            or_(
                contains_text(Vendor.name, text),
                contains_text(func.coalesce(Vendor.communication_style, ""), text),
                *(
                    json_text_contains(column, text)
                    for column in (Vendor.industries, Vendor.specialist_skills, Vendor.languages)
                ),
            )
        )
    return conditions
