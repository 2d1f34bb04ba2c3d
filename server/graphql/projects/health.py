"""GraphQL types of a project's health: one verdict, with every aspect's reason in words (see `services.health`)."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from server.auth.permissions import require_metrics_scope
from server.graphql.context import Info
from server.graphql.convert import from_service, mirrors
from server.graphql.errors import as_graphql_error
from server.services import health
from server.services.errors import DomainError, NotFound, ValidationFailed

__all__ = ["HealthAspect", "HealthReason", "HealthVerdict", "ProjectHealth", "resolve_health"]

HealthVerdict = strawberry.enum(
    health.Verdict,
    name="HealthVerdict",
    description="NO_DATA (a draft or empty project), ON_TRACK, AT_RISK or OFF_TRACK, from best to worst.",
)
HealthAspect = strawberry.enum(health.Aspect, name="HealthAspect", description="What a health reason judges.")


@mirrors(health.Reason)
@strawberry.type(description="One aspect's verdict and why, in words.")
class HealthReason:
    aspect: HealthAspect  # type: ignore[valid-type]
    verdict: HealthVerdict  # type: ignore[valid-type]
    message: str


@mirrors(health.ProjectHealth)
@strawberry.type(
    description="A project's health: the worst of its SLA, forecast with incoming demand, budget and quality "
    "verdicts over the last `lookbackDays` whole UTC days, with every reason, worst first."
)
class ProjectHealth:
    verdict: HealthVerdict  # type: ignore[valid-type]
    summary: str = strawberry.field(description="The worst reason, in words.")
    reasons: list[HealthReason]
    as_of: datetime
    lookback_days: int


async def resolve_health(info: Info, project_id: int, as_of: datetime | None) -> ProjectHealth | None:
    """The project's health, or null for callers who may not see its dashboard."""
    if as_of is not None and as_of.tzinfo is None:
        raise as_graphql_error(
            ValidationFailed(("as_of",), as_of.isoformat(), "must carry a time zone (e.g. 2024-03-01T00:00:00Z)")
        )
    try:
        require_metrics_scope(info, project_id=project_id, vendor_id=None, dashboard=True)
    except (NotFound, ValidationFailed):
        return None
    try:
        async with info.context.database.session() as session:
            result = await health.project_health(session, project_id, as_of=as_of and as_of.astimezone(UTC))
    except DomainError as error:
        raise as_graphql_error(error) from error
    return from_service(ProjectHealth, result)
