"""Each alert kind's condition, read off a dashboard: when it fires, what value it reports, and the edge cases
(nothing to judge, no deadline, no budget) where it stays quiet. Plus the scheduled loop on a real database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from server.alerts import alerts_lifespan, read_condition
from server.db import Database
from server.db import models as m
from server.db.alerts import AlertDelivery, AlertEvent, AlertKind, AlertRule, AlertState, DeliveryStatus
from server.db.enums import DataType, ProjectStatus
from server.settings import Settings
from tests.server.webhook_receiver import receiver

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _rule(kind: AlertKind, threshold: float | None = None, profiles: list[str] | None = None) -> Any:
    return SimpleNamespace(kind=kind, threshold=threshold, window_days=7, profiles=profiles or [])


def _project(**values: Any) -> Any:
    defaults = {"sla_target_share": 0.95, "deadline": None, "created_at": NOW - timedelta(days=10)}
    return SimpleNamespace(**(defaults | values))


def _dashboard(**values: Any) -> Any:
    sla = SimpleNamespace(attainment=None, completed=0, within_sla=0)
    forecast = SimpleNamespace(
        remaining_tasks=0, latest_date=None, expected_date=None, mean_per_day=0.0, lookback_days=14
    )
    cost = SimpleNamespace(budget=None)
    defaults = {"sla": sla, "forecast": forecast, "cost": cost, "labeler_outliers": ()}
    return SimpleNamespace(**(defaults | values))


@pytest.mark.parametrize(
    ("attainment", "threshold", "firing"),
    [(0.90, None, True), (0.95, None, False), (0.90, 0.85, False), (None, None, False)],
)
def test_sla_below_target_compares_attainment_with_the_threshold_or_the_projects_target(
    attainment: float | None, threshold: float | None, firing: bool
) -> None:
    dashboard = _dashboard(sla=SimpleNamespace(attainment=attainment, completed=20, within_sla=18))

    reading = read_condition(_rule(AlertKind.SLA_BELOW_TARGET, threshold), _project(), dashboard, NOW)

    assert reading.firing is firing and reading.value == attainment


def test_forecast_after_deadline_reports_days_late_and_a_stalled_project_fires() -> None:
    deadline = NOW + timedelta(days=5)
    late = _dashboard(
        forecast=SimpleNamespace(
            **vars(_dashboard().forecast)
            | {"remaining_tasks": 40, "latest_date": NOW + timedelta(days=8), "mean_per_day": 5.0}
        )
    )
    stalled = _dashboard(forecast=SimpleNamespace(**vars(_dashboard().forecast) | {"remaining_tasks": 3}))
    rule = _rule(AlertKind.FORECAST_AFTER_DEADLINE)

    on_late = read_condition(rule, _project(deadline=deadline), late, NOW)
    on_stalled = read_condition(rule, _project(deadline=deadline), stalled, NOW)
    without_deadline = read_condition(rule, _project(), late, NOW)

    assert on_late.firing and on_late.value == pytest.approx(3.0)
    assert on_stalled.firing and on_stalled.value is None and "none was completed" in on_stalled.summary
    assert not without_deadline.firing


@pytest.mark.parametrize(("burn", "margin", "firing"), [(0.75, None, True), (0.55, None, False), (0.75, 0.3, False)])
def test_budget_ahead_of_plan_compares_burn_with_the_elapsed_share_of_the_time_to_deadline(
    burn: float, margin: float | None, firing: bool
) -> None:
    # Created 10 days ago, deadline in 10 days: the plan is 50 % spent.
    project = _project(deadline=NOW + timedelta(days=10))
    budget = SimpleNamespace(burn=burn, spent=burn * 1000, budget=1000.0)

    reading = read_condition(
        _rule(AlertKind.BUDGET_AHEAD_OF_PLAN, margin), project, _dashboard(cost=SimpleNamespace(budget=budget)), NOW
    )

    assert reading.firing is firing and reading.detail["plan"] == pytest.approx(0.5)


def test_budget_needs_a_budget_and_a_deadline() -> None:
    reading = read_condition(_rule(AlertKind.BUDGET_AHEAD_OF_PLAN), _project(), _dashboard(), NOW)
    assert not reading.firing and reading.value is None


def test_labeler_flagged_counts_the_profiles_the_rule_asks_for() -> None:
    rows = (
        SimpleNamespace(labeler_id=1, profile="FAST_AND_CARELESS", quality_z=-4.0, speed_z=-3.0),
        SimpleNamespace(labeler_id=2, profile="CAREFUL", quality_z=4.0, speed_z=None),
        SimpleNamespace(labeler_id=3, profile=None, quality_z=0.1, speed_z=0.2),
    )
    dashboard = _dashboard(labeler_outliers=rows)

    any_profile = read_condition(_rule(AlertKind.LABELER_FLAGGED), _project(), dashboard, NOW)
    careless = read_condition(
        _rule(AlertKind.LABELER_FLAGGED, profiles=["FAST_AND_CARELESS"]), _project(), dashboard, NOW
    )
    slow = read_condition(_rule(AlertKind.LABELER_FLAGGED, profiles=["SLOW"]), _project(), dashboard, NOW)

    assert any_profile.firing and any_profile.value == 2
    assert careless.value == 1 and careless.detail["labelers"][0]["labelerId"] == 1
    assert not slow.firing and slow.value == 0


async def test_given_the_loop_is_on_then_rules_are_evaluated_on_schedule_and_webhooks_sent(database: Database) -> None:
    secret = "loop-secret-0123456789abcdef"
    with receiver(secret) as hook:
        async with database.transaction() as session:
            project = m.Project(name="Loop", data_type=DataType.IMAGE, status=ProjectStatus.ACTIVE)
            session.add(project)
            await session.flush()
            session.add_all([m.Task(project_id=project.id, external_id=f"t{i}", created_at=NOW) for i in range(3)])
            session.add(
                AlertRule(
                    project_id=project.id,
                    name="backlog",
                    kind=AlertKind.BACKLOG_ABOVE,
                    threshold=2,
                    webhook_url=hook.url,
                    secret=secret,
                )
            )
        settings = Settings(
            database_url=database.url, alerts_interval_seconds=0.1, webhook_allowed_networks=("127.0.0.0/8",)
        )
        async with alerts_lifespan(database, settings):
            for _ in range(100):
                await asyncio.sleep(0.1)
                if await _delivered(database):
                    break
        async with database.session() as session:
            rule = (await session.scalars(select(AlertRule))).one()
            events = (await session.scalars(select(AlertEvent))).all()
            delivery = (await session.scalars(select(AlertDelivery))).one()

    assert rule.state is AlertState.FIRING and rule.last_value == 3
    assert [event.state for event in events] == [AlertState.FIRING]
    assert delivery.status is DeliveryStatus.DELIVERED
    assert len(hook.requests) == 1 and hook.requests[0].verified


async def test_given_the_loop_is_off_then_nothing_is_evaluated(database: Database) -> None:
    async with alerts_lifespan(database, Settings(database_url=database.url)):
        await asyncio.sleep(0.05)
    async with database.session() as session:
        assert (await session.scalars(select(AlertEvent))).all() == []


async def _delivered(database: Database) -> bool:
    async with database.session() as session:
        statuses = (await session.scalars(select(AlertDelivery.status))).all()
    return statuses == [DeliveryStatus.DELIVERED]
