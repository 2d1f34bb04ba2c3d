"""Alert queries: a project's rules and the delivery log of their webhooks, scoped to the viewer (admins and the
project's program managers; everyone else sees none)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry import relay

from server.db.alerts import AlertDelivery, AlertEvent, AlertRule, DeliveryStatus
from server.graphql.alerts.types import AlertDeliveryType, AlertRuleType, alert_delivery_type
from server.graphql.context import Info
from server.graphql.convert import from_service
from server.graphql.errors import as_graphql_error
from server.graphql.ids import decode_id
from server.services.errors import DomainError, ValidationFailed

__all__ = ["AlertQueries"]

_MAX_DELIVERIES = 100


@strawberry.type
class AlertQueries:
    @strawberry.field(description="The alert rules of a project, oldest first (a project has at most 50).")
    async def alert_rules(self, info: Info, project_id: relay.GlobalID) -> list[AlertRuleType]:
        try:
            key = decode_id(project_id, "Project", ("project_id",))
        except DomainError as error:
            raise as_graphql_error(error) from None
        async with info.context.read() as session:
            rows = await session.scalars(select(AlertRule).where(AlertRule.project_id == key).order_by(AlertRule.id))
            return [from_service(AlertRuleType, row) for row in rows]

    @strawberry.field(
        description="The webhook deliveries of a project's alerts, newest first: status, attempts, the receiver's "
        "last status code or error, and when the next retry is due. At most 100, before `beforeId` when given."
    )
    async def alert_deliveries(
        self,
        info: Info,
        project_id: relay.GlobalID,
        rule_id: relay.GlobalID | None = None,
        status: DeliveryStatus | None = None,
        before_id: Annotated[
            int | None, strawberry.argument(description="Page on: deliveries older than this.")
        ] = None,
        limit: int = 50,
    ) -> list[AlertDeliveryType]:
        try:
            key = decode_id(project_id, "Project", ("project_id",))
            rule = None if rule_id is None else decode_id(rule_id, "AlertRule", ("rule_id",))
            if not 1 <= limit <= _MAX_DELIVERIES:
                raise ValidationFailed(("limit",), limit, f"must be between 1 and {_MAX_DELIVERIES}")
        except DomainError as error:
            raise as_graphql_error(error) from None
        statement = (
            select(AlertDelivery, AlertEvent)
            .join(AlertEvent, AlertEvent.id == AlertDelivery.event_id)
            .join(AlertRule, AlertRule.id == AlertDelivery.rule_id)
            .where(AlertRule.project_id == key)
            .order_by(AlertDelivery.id.desc())
            .limit(limit)
        )
        if rule is not None:
            statement = statement.where(AlertDelivery.rule_id == rule)
        if status is not None:
            statement = statement.where(AlertDelivery.status == status)
        if before_id is not None:
            statement = statement.where(AlertDelivery.id < before_id)
        async with info.context.read() as session:
            rows = (await session.execute(statement)).all()
        return [alert_delivery_type(delivery, event) for delivery, event in rows]
