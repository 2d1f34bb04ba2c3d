"""Delivery plan operations: `setDeliveryPlan` (program managers of the project) and `deliveryStatus`."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.auth.permissions import PROGRAM_MANAGERS, mutation, require_metrics_scope, viewer_of
from server.graphql.context import Info
from server.graphql.convert import from_service
from server.graphql.delivery.types import (
    DeliveryPlanPayload,
    DeliveryPlanResult,
    DeliveryStatusResult,
    DeliveryStatusType,
    SetDeliveryPlanInput,
)
from server.graphql.errors import lookup_error, mutate
from server.graphql.ids import decode_id
from server.services.analytics.delivery import fetch_delivery_status
from server.services.delivery import CheckpointSpec, MilestoneSpec, PlanSpec, check_moment, set_delivery_plan
from server.services.errors import DomainError

__all__ = ["DeliveryMutations", "DeliveryQueries"]


@strawberry.type
class DeliveryMutations:
    @mutation(
        PROGRAM_MANAGERS,
        description="Replace a project's delivery plan: milestones, expected time per task, budget checkpoints.",
    )
    async def set_delivery_plan(self, info: Info, input: SetDeliveryPlanInput) -> DeliveryPlanResult:
        author = viewer_of(info).email or "system"

        async def operation(session: AsyncSession) -> DeliveryPlanPayload:
            project_id = decode_id(input.project_id, "Project", ("project_id",))
            plan = PlanSpec(
                expected_seconds_per_task=input.expected_seconds_per_task,
                milestones=tuple(
                    MilestoneSpec(m.name, m.due_at, m.target_tasks, m.target_share) for m in input.milestones
                ),
                budget_checkpoints=tuple(CheckpointSpec(c.at, c.planned_spend) for c in input.budget_checkpoints),
            )
            row = await set_delivery_plan(session, project_id, plan, author=author)
            return DeliveryPlanPayload(
                project_id=input.project_id,
                expected_seconds_per_task=row.expected_seconds_per_task,
                milestones=len(plan.milestones),
                budget_checkpoints=len(plan.budget_checkpoints),
            )

        return await mutate(info, operation)


@strawberry.type
class DeliveryQueries:
    @strawberry.field(
        description="A project's delivery against its plan as of `asOf` (default now): each milestone's target, "
        "done, planned by now, ahead/behind and forecast date; actual against expected time per task. Program "
        "managers of the project and admins."
    )
    async def delivery_status(
        self, info: Info, project_id: relay.GlobalID, as_of: datetime | None = None
    ) -> DeliveryStatusResult:
        try:
            key = decode_id(project_id, "Project", ("project_id",))
            moment = datetime.now(UTC) if as_of is None else check_moment(("as_of",), as_of)
            require_metrics_scope(info, project_id=key, vendor_id=None, dashboard=True)
            async with info.context.database.session() as session:
                status = await fetch_delivery_status(session, key, moment)
        except DomainError as error:
            return lookup_error(error)
        return from_service(DeliveryStatusType, status)
