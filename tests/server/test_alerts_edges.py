"""Alert rules on their edges: conditions exactly on a threshold, no data, repeated evaluation, and a receiver that
is down and then comes up on the same port (the retry delivers the same body, signed afresh, verifiable)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.alerts import DeliveryPolicy, deliver_due
from server.alerts.evaluation import evaluate_project
from server.alerts.targets import TargetPolicy
from server.auth.proxies import parse_networks
from server.db import Database
from server.db.alerts import AlertDelivery, AlertEvent, AlertKind, AlertRule, AlertState, DeliveryStatus
from server.db.enums import TaskStatus
from tests.server.live_server import free_port
from tests.server.test_analytics_world import World
from tests.server.webhook_receiver import receiver

SECRET = "s3cret-of-the-receiver-0123456789"
NOW = datetime(2024, 3, 20, 12, tzinfo=UTC)
SLA_HOURS = 10.0


def _policy() -> DeliveryPolicy:
    return DeliveryPolicy(
        retry_seconds=30.0, max_attempts=4, timeout_seconds=2.0, targets=TargetPolicy(parse_networks(("127.0.0.0/8",)))
    )


async def _project(database: Database, *, open_tasks: int, completions: list[float], target: float) -> int:
    """A project with `open_tasks` open and one completed task per turnaround in `completions` (hours), all
    completed in the last day before NOW."""
    async with database.transaction() as session:
        w = World(session)
        project = await w.project(sla_turnaround_hours=SLA_HOURS, sla_target_share=target)
        for hours in completions:
            done = NOW - timedelta(hours=6)
            await w.task(project, created_at=done - timedelta(hours=hours), status=TaskStatus.DONE, completed_at=done)
        for _ in range(open_tasks):
            await w.task(project, created_at=NOW - timedelta(hours=1))
        return project.id


async def _rule(database: Database, project_id: int, kind: AlertKind, threshold: float | None, url: str) -> int:
    async with database.transaction() as session:
        rule = AlertRule(
            project_id=project_id, name=kind.value, kind=kind, threshold=threshold, window_days=7, profiles=[],
            webhook_url=url, secret=SECRET, enabled=True,
        )  # fmt: skip
        session.add(rule)
        await session.flush()
        return rule.id


async def _evaluate(database: Database, project_id: int, now: datetime = NOW) -> dict[str, tuple[bool, float | None]]:
    async with database.transaction() as session:
        evaluations = await evaluate_project(session, project_id, now=now)
    return {e.rule.kind.value: (e.reading.firing, e.reading.value) for e in evaluations}


async def test_conditions_exactly_on_their_thresholds_do_not_fire(database: Database) -> None:
    # Three of four within the SLA (the fourth a microsecond past it): attainment 0.75, the target.
    on_limit, past = SLA_HOURS, SLA_HOURS + 1e-6 / 3600
    project_id = await _project(database, open_tasks=3, completions=[1.0, on_limit, 2.0, past], target=0.75)
    url = "http://127.0.0.1:9/unused"
    await _rule(database, project_id, AlertKind.SLA_BELOW_TARGET, None, url)
    await _rule(database, project_id, AlertKind.BACKLOG_ABOVE, 3, url)
    readings = await _evaluate(database, project_id)
    assert readings == {"SLA_BELOW_TARGET": (False, 0.75), "BACKLOG_ABOVE": (False, 3.0)}
    async with database.session() as session:
        assert (await session.scalars(select(AlertEvent))).all() == []


async def test_a_project_with_no_data_is_quiet(database: Database) -> None:
    project_id = await _project(database, open_tasks=0, completions=[], target=0.95)
    url = "http://127.0.0.1:9/unused"
    for kind, threshold in (
        (AlertKind.SLA_BELOW_TARGET, None),
        (AlertKind.BACKLOG_ABOVE, 0),
        (AlertKind.FORECAST_AFTER_DEADLINE, None),
        (AlertKind.BUDGET_AHEAD_OF_PLAN, None),
        (AlertKind.LABELER_FLAGGED, None),
    ):
        await _rule(database, project_id, kind, threshold, url)
    readings = await _evaluate(database, project_id)
    assert not any(firing for firing, _ in readings.values()), readings
    assert readings["SLA_BELOW_TARGET"] == (False, None) and readings["BACKLOG_ABOVE"] == (False, 0.0)


async def test_a_receiver_down_then_up_gets_the_event_once_on_the_retry_signed_afresh(database: Database) -> None:
    project_id = await _project(database, open_tasks=4, completions=[], target=0.95)
    port = free_port()
    url = f"http://127.0.0.1:{port}/hooks/labelops"
    rule_id = await _rule(database, project_id, AlertKind.BACKLOG_ABOVE, 3, url)
    assert (await _evaluate(database, project_id)) == {"BACKLOG_ABOVE": (True, 4.0)}
    # Evaluated again and again while firing: no second event, no second delivery.
    for later in (1, 2, 3):
        await _evaluate(database, project_id, NOW + timedelta(seconds=later))

    assert await deliver_due(database, _policy(), now=NOW) != []  # nobody listens yet
    async with database.session() as session:
        delivery = (await session.scalars(select(AlertDelivery))).one()
    assert delivery.status is DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at == NOW + timedelta(seconds=30)
    assert delivery.last_status_code is None and "ConnectError" in (delivery.last_error or "")

    with receiver(SECRET, port=port) as hook:
        assert await deliver_due(database, _policy(), now=NOW + timedelta(seconds=29)) == []  # not due yet
        assert await deliver_due(database, _policy(), now=NOW + timedelta(seconds=30)) == [delivery.id]
        assert await deliver_due(database, _policy(), now=NOW + timedelta(days=1)) == []  # delivered: no more

    assert len(hook.requests) == 1
    got = hook.requests[0]
    assert got.verified and got.event == "alert.firing" and got.delivery == str(delivery.id)
    assert got.raw == delivery.body.encode()
    assert got.body["rule"]["id"] == rule_id and got.body["value"] == 4.0 and got.body["state"] == "FIRING"
    async with database.session() as session:
        delivery = (await session.scalars(select(AlertDelivery))).one()
        events = (await session.scalars(select(AlertEvent))).all()
        rule = await session.get(AlertRule, rule_id)
    assert len(events) == 1 and rule is not None and rule.state is AlertState.FIRING
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 2
    assert [(entry["statusCode"], entry["error"] is None) for entry in delivery.log] == [(None, False), (200, True)]
    assert json.loads(delivery.body)["eventId"] == events[0].id


async def test_a_project_finished_before_its_deadline_is_not_late_once_the_deadline_has_passed(
    database: Database,
) -> None:
    # Every task done two days before the deadline; evaluated a week after it.
    async with database.transaction() as session:
        w = World(session)
        project = await w.project(deadline=NOW - timedelta(days=7), sla_turnaround_hours=SLA_HOURS)
        done = NOW - timedelta(days=9)
        for _ in range(3):
            await w.task(project, created_at=done - timedelta(hours=2), status=TaskStatus.DONE, completed_at=done)
        project_id = project.id
    await _rule(database, project_id, AlertKind.FORECAST_AFTER_DEADLINE, None, "http://127.0.0.1:9/unused")
    assert await _evaluate(database, project_id) == {"FORECAST_AFTER_DEADLINE": (False, None)}
