"""Batch loads of guideline versions by id (a label's version)."""

from __future__ import annotations

from server.db.guidelines import GuidelineVersion
from server.graphql.context import Context
from server.graphql.loaders import load_by_keys

__all__ = ["guideline_versions_by_id"]


async def guideline_versions_by_id(context: Context, keys: list[int]) -> list[GuidelineVersion | None]:
    async with context.read() as session:
        return await load_by_keys(session, GuidelineVersion, keys)
