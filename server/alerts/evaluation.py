"""Evaluating a project's alert rules: read each condition, record transitions, queue their webhook deliveries.

A rule fires on the transition from OK to firing and resolves on the way back; while it stays firing (or OK),
evaluations only refresh its last value. Each transition is one `AlertEvent` and one `AlertDelivery` whose body is
fixed when the event happens, so every retry sends the same bytes. Rules sharing a window share one dashboard.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.alerts.conditions import Reading, read_condition
from server.db.alerts import AlertDelivery, AlertEvent, AlertRule, AlertState
from server.db.models import Project
from server.services.analytics import ProjectDashboard, project_dashboard
from server.services.crud.checks import get_or_not_found

__all__ = ["Evaluation", "evaluate_project", "event_body", "projects_with_rules", "record_transition"]


@dataclass(frozen=True, slots=True)
class Evaluation:
    rule: AlertRule
    reading: Reading
    event: AlertEvent | None  # the transition this evaluation caused, if any
    delivery: AlertDelivery | None


def event_body(rule: AlertRule, project: Project, event: AlertEvent) -> str:
    """The webhook's JSON body for `event` (compact, keys in a fixed order)."""
    document: dict[str, Any] = {
        "type": "alert.firing" if event.state is AlertState.FIRING else "alert.resolved",
        "eventId": event.id,
        "occurredAt": event.occurred_at.isoformat(),
        "rule": {
            "id": rule.id,
            "name": rule.name,
            "kind": rule.kind.value,
            "threshold": rule.threshold,
            "windowDays": rule.window_days,
        },
        "project": {"id": project.id, "name": project.name},
        "state": event.state.value,
        "value": event.value,
        "summary": event.summary,
        "detail": event.detail,
    }
    return json.dumps(document, separators=(",", ":"), allow_nan=False)


async def projects_with_rules(session: AsyncSession) -> list[int]:
    """Projects having at least one enabled rule, for the scheduled evaluation."""
    statement = select(AlertRule.project_id).where(AlertRule.enabled.is_(True)).distinct()
    return sorted((await session.scalars(statement)).all())


async def evaluate_project(session: AsyncSession, project_id: int, *, now: datetime) -> list[Evaluation]:
    """Evaluate every enabled rule of the project as of `now`, inside the caller's transaction."""
    project = await get_or_not_found(session, Project, project_id, field=("project_id",))
    # Locked (PostgreSQL) so that two servers evaluating at once cannot both record the same transition.
    rules_statement = (
        select(AlertRule)
        .where(AlertRule.project_id == project_id, AlertRule.enabled.is_(True))
        .order_by(AlertRule.id)
        .with_for_update()
    )
    rules = list((await session.scalars(rules_statement)).all())
    dashboards: dict[int, ProjectDashboard] = {}
    evaluations: list[Evaluation] = []
    for rule in rules:
        if rule.window_days not in dashboards:
            start = now - timedelta(days=rule.window_days)
            dashboards[rule.window_days] = await project_dashboard(session, project_id, start=start, end=now, as_of=now)
        reading = read_condition(rule, project, dashboards[rule.window_days], now)
        evaluations.append(await _record(session, rule, project, reading, now))
    return evaluations


async def _record(
    session: AsyncSession, rule: AlertRule, project: Project, reading: Reading, now: datetime
) -> Evaluation:
    rule.last_value = reading.value
    rule.last_evaluated_at = now
    target = AlertState.FIRING if reading.firing else AlertState.OK
    if target is rule.state:
        return Evaluation(rule, reading, None, None)
    event, delivery = await record_transition(
        session,
        rule,
        project,
        target,
        value=reading.value,
        summary=reading.summary,
        detail=reading.detail,
        now=now,
    )
    return Evaluation(rule, reading, event, delivery)


async def record_transition(
    session: AsyncSession,
    rule: AlertRule,
    project: Project,
    state: AlertState,
    *,
    value: float | None,
    summary: str,
    detail: dict[str, Any],
    now: datetime,
    url: str | None = None,
) -> tuple[AlertEvent, AlertDelivery]:
    """Move `rule` to `state`: one event and its delivery (to `url`, by default the rule's), due now."""
    rule.state = state
    rule.state_changed_at = now
    event = AlertEvent(rule_id=rule.id, state=state, value=value, summary=summary, detail=detail, occurred_at=now)
    session.add(event)
    await session.flush()
    delivery = AlertDelivery(
        event_id=event.id,
        rule_id=rule.id,
        url=url or rule.webhook_url,
        body=event_body(rule, project, event),
        next_attempt_at=now,
        log=[],
    )
    session.add(delivery)
    await session.flush()
    return event, delivery
