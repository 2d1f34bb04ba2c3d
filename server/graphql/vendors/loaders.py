"""Batch loads of vendors: by id and by project."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import Vendor, project_vendors
from server.graphql.context import Context
from server.graphql.loaders import load_by_keys, load_child_lists

__all__ = ["vendors_by_id", "vendors_by_project"]


async def vendors_by_id(context: Context, keys: list[int]) -> list[Vendor | None]:
    async with context.read() as session:
        return await load_by_keys(session, Vendor, keys)


async def vendors_by_project(context: Context, keys: list[int]) -> list[list[Vendor]]:
    """The vendors assigned to each project, by name."""
    statement = (
        select(Vendor, project_vendors.c.project_id)
        .join(project_vendors, project_vendors.c.vendor_id == Vendor.id)
        .order_by(Vendor.name, Vendor.id)
    )
    async with context.read() as session:
        return await load_child_lists(session, statement, project_vendors.c.project_id, keys)
