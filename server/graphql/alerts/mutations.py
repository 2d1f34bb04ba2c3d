"""Alert mutations: manage a project's rules, and evaluate them now (admins and the project's program managers)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.alerts import (
    DeliveryPolicy,
    RuleFields,
    create_rule,
    delete_rule,
    deliver_due,
    evaluate_project,
    update_rule,
)
from server.alerts.evaluation import Evaluation
from server.alerts.targets import TargetPolicy
from server.auth.permissions import PROGRAM_MANAGERS, mutation
from server.db.alerts import AlertDelivery, AlertEvent, AlertKind
from server.db.types import utcnow
from server.graphql.alerts.types import AlertDeliveryType, AlertEventType, AlertRuleType, alert_delivery_type
from server.graphql.context import Info
from server.graphql.convert import from_service
from server.graphql.errors import ARGUMENTS, MutationError, mutate
from server.graphql.ids import decode_id

__all__ = ["AlertMutations"]


@strawberry.input
class CreateAlertRuleInput:
    project_id: relay.GlobalID
    name: str
    kind: AlertKind
    webhook_url: str = strawberry.field(
        description="Where events are POSTed (http or https); internal addresses only where the operator allows "
        "their networks (README, Alerts)."
    )
    threshold: float | None = strawberry.field(default=None, description="By kind; see the README, Alerts.")
    window_days: int = strawberry.field(default=7, description="1 to 90.")
    profiles: list[str] = strawberry.field(default_factory=list, description="LABELER_FLAGGED only.")
    secret: str | None = strawberry.field(
        default=None, description="The HMAC key, 16 to 200 characters; generated when left out."
    )
    enabled: bool = True


@strawberry.input(description="Fields left out stay as they are; `threshold: null` returns it to the kind's default.")
class UpdateAlertRuleInput:
    id: relay.GlobalID
    name: str | None = None
    kind: AlertKind | None = None
    threshold: float | None = strawberry.UNSET
    window_days: int | None = None
    profiles: list[str] | None = None
    webhook_url: str | None = None
    secret: str | None = None
    enabled: bool | None = None


@strawberry.type
class AlertRulePayload:
    rule: AlertRuleType


@strawberry.type(description="A new rule, with its signing secret: the only time the API shows it.")
class AlertRuleCreated:
    rule: AlertRuleType
    secret: str


@strawberry.type
class DeletedAlertRule:
    id: relay.GlobalID


@strawberry.type(description="One rule's condition now, and the transition it caused, if any.")
class AlertRuleEvaluation:
    rule: AlertRuleType
    firing: bool
    value: float | None
    summary: str
    transition: AlertEventType | None


@strawberry.type
class AlertEvaluation:
    evaluated_at: datetime
    rules: list[AlertRuleEvaluation]
    deliveries: list[AlertDeliveryType] = strawberry.field(
        description="The deliveries of the transitions, after their first attempt."
    )


AlertRuleResult = Annotated[AlertRulePayload | MutationError, strawberry.union("AlertRuleResult")]
AlertRuleCreatedResult = Annotated[AlertRuleCreated | MutationError, strawberry.union("AlertRuleCreatedResult")]
DeleteAlertRuleResult = Annotated[DeletedAlertRule | MutationError, strawberry.union("DeleteAlertRuleResult")]
EvaluateAlertsResult = Annotated[AlertEvaluation | MutationError, strawberry.union("EvaluateAlertsResult")]


def _fields(values: CreateAlertRuleInput | UpdateAlertRuleInput) -> RuleFields:
    threshold = values.threshold if values.threshold is not strawberry.UNSET else None
    return RuleFields(
        name=values.name,
        kind=values.kind,
        threshold=threshold,
        clear_threshold=isinstance(values, UpdateAlertRuleInput) and values.threshold is None,
        window_days=values.window_days,
        profiles=values.profiles,
        webhook_url=values.webhook_url,
        secret=values.secret,
        enabled=values.enabled,
    )


def _evaluated(item: Evaluation) -> AlertRuleEvaluation:
    return AlertRuleEvaluation(
        rule=from_service(AlertRuleType, item.rule),
        firing=item.reading.firing,
        value=item.reading.value,
        summary=item.reading.summary,
        transition=None if item.event is None else from_service(AlertEventType, item.event),
    )


@strawberry.type
class AlertMutations:
    @mutation(PROGRAM_MANAGERS, description="Add an alert rule to a project; it starts OK.")
    async def create_alert_rule(self, info: Info, input: CreateAlertRuleInput) -> AlertRuleCreatedResult:
        async def operation(session: AsyncSession) -> AlertRuleCreated:
            project = decode_id(input.project_id, "Project", ("project_id",))
            targets = TargetPolicy.of(info.context.settings)
            rule = await create_rule(session, project, _fields(input), targets=targets)
            return AlertRuleCreated(rule=from_service(AlertRuleType, rule), secret=rule.secret)

        return await mutate(info, operation)

    @mutation(
        PROGRAM_MANAGERS,
        description="Change a rule. Disabling a FIRING rule resolves it (its resolved webhook is sent); enabling a "
        "rule starts it OK.",
    )
    async def update_alert_rule(self, info: Info, input: UpdateAlertRuleInput) -> AlertRuleResult:
        project = 0

        async def operation(session: AsyncSession) -> AlertRulePayload:
            nonlocal project
            targets = TargetPolicy.of(info.context.settings)
            rule = await update_rule(
                session, decode_id(input.id, "AlertRule", ("id",)), _fields(input), targets=targets
            )
            project = rule.project_id
            return AlertRulePayload(rule=from_service(AlertRuleType, rule))

        result = await mutate(info, operation)
        if isinstance(result, AlertRulePayload):
            # A resolution recorded by disabling goes out now, like an evaluation's (retries are the loop's).
            await deliver_due(info.context.database, DeliveryPolicy.of(info.context.settings), project_id=project)
        return result

    @mutation(PROGRAM_MANAGERS, description="Delete an alert rule with its events and delivery log.")
    async def delete_alert_rule(self, info: Info, id: relay.GlobalID) -> DeleteAlertRuleResult:
        async def operation(session: AsyncSession) -> DeletedAlertRule:
            await delete_rule(session, decode_id(id, "AlertRule", ("id",)))
            return DeletedAlertRule(id=id)

        return await mutate(info, operation, root=ARGUMENTS)

    @mutation(
        PROGRAM_MANAGERS,
        description="Evaluate a project's enabled rules now; transitions are recorded and their webhooks sent "
        "(failed ones are retried by the server's alerts loop).",
    )
    async def evaluate_alerts(self, info: Info, project_id: relay.GlobalID) -> EvaluateAlertsResult:
        now = utcnow()
        key = 0

        async def operation(session: AsyncSession) -> list[Evaluation]:
            nonlocal key
            key = decode_id(project_id, "Project", ("project_id",))
            return await evaluate_project(session, key, now=now)

        evaluations = await mutate(info, operation, root=ARGUMENTS)
        if not isinstance(evaluations, list):
            return evaluations
        database = info.context.database
        await deliver_due(database, DeliveryPolicy.of(info.context.settings), now=now, project_id=key)
        event_ids = [item.event.id for item in evaluations if item.event is not None]
        async with database.session() as session:
            rows = (
                await session.execute(
                    select(AlertDelivery, AlertEvent)
                    .join(AlertEvent, AlertEvent.id == AlertDelivery.event_id)
                    .where(AlertDelivery.event_id.in_(event_ids))
                    .order_by(AlertDelivery.id)
                )
            ).all()
        return AlertEvaluation(
            evaluated_at=now,
            rules=[_evaluated(item) for item in evaluations],
            deliveries=[alert_delivery_type(delivery, event) for delivery, event in rows],
        )
