"""Guideline mutations: publishing a new version of a project's guidelines (old versions never change)."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.permissions import PROGRAM_MANAGERS, mutation, viewer_of
from server.graphql.context import Info
from server.graphql.errors import mutate
from server.graphql.guidelines.queries import issue_ids_of
from server.graphql.guidelines.types import (
    GuidelineVersionNode,
    GuidelineVersionPayload,
    GuidelineVersionResult,
    PublishGuidelineVersionInput,
)
from server.graphql.ids import decode_id, decode_ids
from server.services.guidelines import GuidelineChange, publish_version

__all__ = ["GuidelineMutations"]


def _list(value: Any) -> list[dict[str, Any]] | None:
    """A JSON input as the service takes it; the service checks its shape and names the field at fault."""
    return value


@strawberry.type
class GuidelineMutations:
    @mutation(
        PROGRAM_MANAGERS,
        description="Publish the next version of a project's guidelines; it becomes the project's ontology and "
        "instructions, and labels started from now on are made under it.",
    )
    async def publish_guideline_version(
        self, info: Info, input: PublishGuidelineVersionInput
    ) -> GuidelineVersionResult:
        author = viewer_of(info).email or "system"

        async def operation(session: AsyncSession) -> GuidelineVersionPayload:
            project_id = decode_id(input.project_id, "Project", ("project_id",))
            change = GuidelineChange(
                change_note=input.change_note,
                ontology=input.ontology,  # type: ignore[arg-type]
                instructions=input.instructions,
                examples=_list(input.examples),
                common_mistakes=_list(input.common_mistakes),
                issue_ids=tuple(decode_ids(input.issue_ids, "Issue", ("issue_ids",))),
                created_at=input.created_at,
            )
            version = await publish_version(session, project_id, change, author=author)
            issues = await issue_ids_of(session, [version.id])
            return GuidelineVersionPayload(version=GuidelineVersionNode.from_model(version, issues.get(version.id, [])))

        return await mutate(info, operation)
