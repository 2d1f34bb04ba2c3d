"""Guideline queries: a project's versions, newest first, and the diff between two of them."""

from __future__ import annotations

from collections import defaultdict

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.auth.permissions import require_metrics_scope
from server.db.guidelines import GuidelineVersion, guideline_version_issues
from server.db.models import Issue
from server.graphql.context import Info
from server.graphql.convert import from_service
from server.graphql.errors import as_graphql_error, lookup_error
from server.graphql.guidelines.impact import GuidelineImpactResult, GuidelineImpactType
from server.graphql.guidelines.types import GuidelineDiffType, GuidelineVersionNode
from server.graphql.ids import decode_id
from server.services.analytics.guideline_impact import fetch_guideline_impact
from server.services.errors import DomainError, NotFound
from server.services.guideline_diff import diff_versions

__all__ = ["GuidelineQueries", "issue_ids_of"]


async def issue_ids_of(session: AsyncSession, version_ids: list[int]) -> dict[int, list[int]]:
    """The issues linked to each version, those the session may see (reads are scoped to the viewer)."""
    statement = (
        select(guideline_version_issues.c.version_id, Issue.id)
        .join(Issue, Issue.id == guideline_version_issues.c.issue_id)
        .where(guideline_version_issues.c.version_id.in_(version_ids))
        .order_by(Issue.id)
    )
    found: dict[int, list[int]] = defaultdict(list)
    for version_id, issue_id in (await session.execute(statement)).all():
        found[version_id].append(issue_id)
    return found


@strawberry.type
class GuidelineQueries:
    @strawberry.field(description="A project's guideline versions, newest first; empty when it is not visible.")
    async def guideline_versions(self, info: Info, project_id: relay.GlobalID) -> list[GuidelineVersionNode]:
        try:
            key = decode_id(project_id, "Project", ("project_id",))
        except DomainError as error:
            raise as_graphql_error(error) from error
        async with info.context.read() as session:
            rows = list(
                (
                    await session.scalars(
                        select(GuidelineVersion)
                        .where(GuidelineVersion.project_id == key)
                        .order_by(GuidelineVersion.number.desc())
                    )
                ).all()
            )
            issues = await issue_ids_of(session, [row.id for row in rows])
        return [GuidelineVersionNode.from_model(row, issues.get(row.id, [])) for row in rows]

    @strawberry.field(description="What changed from version `fromNumber` to `toNumber` of a project's guidelines.")
    async def guideline_diff(
        self, info: Info, project_id: relay.GlobalID, from_number: int, to_number: int
    ) -> GuidelineDiffType:
        try:
            key = decode_id(project_id, "Project", ("project_id",))
            async with info.context.read() as session:
                rows = {
                    row.number: row
                    for row in (
                        await session.scalars(
                            select(GuidelineVersion).where(
                                GuidelineVersion.project_id == key,
                                GuidelineVersion.number.in_([from_number, to_number]),
                            )
                        )
                    ).all()
                }
            for number, field in ((from_number, "from_number"), (to_number, "to_number")):
                if number not in rows:
                    raise NotFound("GuidelineVersion", number, path=(field,))
        except DomainError as error:
            raise as_graphql_error(error) from error
        return GuidelineDiffType.from_diff(from_number, to_number, diff_versions(rows[from_number], rows[to_number]))

    @strawberry.field(
        description="Before and after each guideline change: time per label, approval, rework, benchmark accuracy "
        "and agreement of the labels made under each version, with 95% intervals, and each change's effect. "
        "Program managers of the project and admins."
    )
    async def guideline_impact(self, info: Info, project_id: relay.GlobalID) -> GuidelineImpactResult:
        try:
            key = decode_id(project_id, "Project", ("project_id",))
            require_metrics_scope(info, project_id=key, vendor_id=None, dashboard=True)
            async with info.context.database.session() as session:
                impact = await fetch_guideline_impact(session, key)
        except DomainError as error:
            return lookup_error(error)
        return from_service(GuidelineImpactType, impact)
