"""Alert types: rules (never their secret, shown once on creation), events and webhook deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from server.db.alerts import AlertDelivery, AlertEvent, AlertKind, AlertRule, AlertState, DeliveryStatus
from server.graphql.convert import from_service, mirrors

__all__ = ["AlertDeliveryType", "AlertEventType", "AlertRuleType", "DeliveryAttempt", "alert_delivery_type"]

for _enum in (AlertKind, AlertState, DeliveryStatus):
    strawberry.enum(_enum)


@mirrors(AlertRule, ids={"id": "AlertRule", "project_id": "Project"})
@strawberry.type(name="AlertRule", description="A condition on a project's metrics and the webhook it reports to.")
class AlertRuleType:
    id: relay.GlobalID
    project_id: relay.GlobalID
    name: str
    kind: AlertKind
    threshold: float | None = strawberry.field(description="What it means depends on `kind` (README, Alerts).")
    window_days: int = strawberry.field(description="Days of history the SLA and labeler conditions look at.")
    profiles: list[str] = strawberry.field(description="LABELER_FLAGGED: the profiles that count (empty: all).")
    webhook_url: str
    enabled: bool
    state: AlertState
    last_value: float | None
    last_evaluated_at: datetime | None
    state_changed_at: datetime | None
    created_at: datetime
    updated_at: datetime


@mirrors(AlertEvent, ids={"rule_id": "AlertRule"})
@strawberry.type(name="AlertEvent", description="A rule's transition: to FIRING, or back to OK (resolved).")
class AlertEventType:
    id: int
    rule_id: relay.GlobalID
    state: AlertState
    value: float | None
    summary: str
    detail: JSON
    occurred_at: datetime


@strawberry.type(description="One attempt at delivering a webhook.")
class DeliveryAttempt:
    at: datetime
    status_code: int | None = strawberry.field(description="The receiver's HTTP status; null if it never answered.")
    error: str | None = strawberry.field(description="Why the attempt failed; null when it succeeded.")
    milliseconds: float

    @classmethod
    def of(cls, entry: dict[str, Any]) -> DeliveryAttempt:
        return cls(
            at=datetime.fromisoformat(entry["at"]),
            status_code=entry.get("statusCode"),
            error=entry.get("error"),
            milliseconds=float(entry.get("milliseconds", 0.0)),
        )


@mirrors(
    AlertDelivery,
    ids={"rule_id": "AlertRule"},
    computed={"log": lambda row: [DeliveryAttempt.of(entry) for entry in row.log]},
    given=["event"],
)
@strawberry.type(name="AlertDelivery", description="The webhook delivery of one alert event, with every attempt.")
class AlertDeliveryType:
    id: int
    rule_id: relay.GlobalID
    event: AlertEventType
    url: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None = strawberry.field(description="When the next retry is due (PENDING only).")
    delivered_at: datetime | None
    created_at: datetime
    log: list[DeliveryAttempt]
    body: str = strawberry.field(description="The JSON body as sent (and signed).")


def alert_delivery_type(row: AlertDelivery, event: AlertEvent) -> AlertDeliveryType:
    """A delivery with the event it delivers (read alongside it, in the same statement)."""
    return from_service(AlertDeliveryType, row, event=from_service(AlertEventType, event))
