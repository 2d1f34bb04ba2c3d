"""Batch loads of labelers: by id, pages per vendor and per project, and stage histories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from server.db.enums import LabelerStage
from server.db.models import Labeler, LabelerStageEvent, ProjectMembership
from server.graphql.context import Context
from server.graphql.loaders import ChildPage, ChildPageKey, load_by_keys, load_child_lists, load_child_pages

__all__ = ["labeler_pages_by_project", "labeler_pages_by_vendor", "labelers_by_id", "stage_events_by_labeler"]

_BY_NAME = (Labeler.name, Labeler.id)


async def labelers_by_id(context: Context, keys: list[int]) -> list[Labeler | None]:
    async with context.read() as session:
        return await load_by_keys(session, Labeler, keys)


async def labeler_pages_by_vendor(context: Context, keys: list[ChildPageKey]) -> list[ChildPage[Labeler]]:
    def statement(columns: Sequence[Any], include_archived: bool) -> Any:
        query = select(*columns).select_from(Labeler)
        return query if include_archived else query.where(Labeler.archived_at.is_(None))

    async with context.read() as session:
        return await load_child_pages(session, Labeler, statement, Labeler.vendor_id, _BY_NAME, keys)


async def labeler_pages_by_project(
    context: Context, keys: list[ChildPageKey], stage: LabelerStage | None
) -> list[ChildPage[Labeler]]:
    def statement(columns: Sequence[Any], include_archived: bool) -> Any:
        query = (
            select(*columns).select_from(Labeler).join(ProjectMembership, ProjectMembership.labeler_id == Labeler.id)
        )
        if stage is not None:
            query = query.where(Labeler.stage == stage)
        return query if include_archived else query.where(Labeler.archived_at.is_(None))

    async with context.read() as session:
        return await load_child_pages(session, Labeler, statement, ProjectMembership.project_id, _BY_NAME, keys)


async def stage_events_by_labeler(context: Context, keys: list[int]) -> list[list[LabelerStageEvent]]:
    statement = select(LabelerStageEvent, LabelerStageEvent.labeler_id).order_by(
        LabelerStageEvent.entered_at, LabelerStageEvent.id
    )
    async with context.read() as session:
        return await load_child_lists(session, statement, LabelerStageEvent.labeler_id, keys)
