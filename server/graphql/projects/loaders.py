"""Batch loads of projects: by id, by vendor and by labeler."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import Project, ProjectMembership, project_vendors
from server.graphql.context import Context
from server.graphql.loaders import load_by_keys, load_child_lists

__all__ = ["projects_by_id", "projects_by_labeler", "projects_by_vendor"]


async def projects_by_id(context: Context, keys: list[int]) -> list[Project | None]:
    async with context.read() as session:
        return await load_by_keys(session, Project, keys)


async def projects_by_vendor(context: Context, keys: list[int]) -> list[list[Project]]:
    statement = (
        select(Project, project_vendors.c.vendor_id)
        .join(project_vendors, project_vendors.c.project_id == Project.id)
        .order_by(Project.name, Project.id)
    )
    async with context.read() as session:
        return await load_child_lists(session, statement, project_vendors.c.vendor_id, keys)


async def projects_by_labeler(context: Context, keys: list[int]) -> list[list[Project]]:
    statement = (
        select(Project, ProjectMembership.labeler_id)
        .join(ProjectMembership, ProjectMembership.project_id == Project.id)
        .order_by(Project.name, Project.id)
    )
    async with context.read() as session:
        return await load_child_lists(session, statement, ProjectMembership.labeler_id, keys)
