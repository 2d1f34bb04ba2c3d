"""Alerts end to end: rules over GraphQL, evaluation on demand, and signed webhooks to a real receiver on a
loopback port: one that answers, one that fails once then answers, and one that is down."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from server.alerts import DeliveryPolicy, deliver_due
from server.alerts.signing import signature, verify
from server.alerts.targets import TargetPolicy
from server.auth.proxies import parse_networks
from server.db import Database
from server.db import models as m
from server.db.access import AuditEntry
from server.db.alerts import AlertDelivery, AlertEvent, DeliveryStatus
from server.db.enums import TaskStatus
from server.settings import load_settings
from tests.server.access_world import AccessWorld, build_access_world
from tests.server.conftest import http_client
from tests.server.live_server import free_port
from tests.server.webhook_receiver import receiver

SECRET = "s3cret-of-the-receiver-0123456789"
RETRY_SECONDS = 30.0
MAX_ATTEMPTS = 3
LOOPBACK = ("127.0.0.0/8",)

CREATE = """
mutation($input: CreateAlertRuleInput!) {
  createAlertRule(input: $input) {
    __typename
    ... on AlertRuleCreated { secret rule { id state kind threshold } }
    ... on UserError { message field }
    ... on ValidationError { value }
  }
}
"""
UPDATE = """
mutation($input: UpdateAlertRuleInput!) {
  updateAlertRule(input: $input) {
    __typename ... on AlertRulePayload { rule { threshold name } } ... on UserError { message field }
  }
}
"""
DELETE = "mutation($id: ID!) { deleteAlertRule(id: $id) { __typename ... on UserError { message } } }"
EVALUATE = """
mutation($projectId: ID!) {
  evaluateAlerts(projectId: $projectId) {
    __typename
    ... on AlertEvaluation {
      rules { firing value summary rule { state } transition { state value } }
      deliveries { status attempts lastStatusCode lastError nextAttemptAt }
    }
    ... on UserError { message }
  }
}
"""
RULES = "query($projectId: ID!) { alertRules(projectId: $projectId) { id name state lastValue } }"
DELIVERIES = """
query($projectId: ID!) {
  alertDeliveries(projectId: $projectId) {
    status attempts lastStatusCode lastError nextAttemptAt
    event { state value summary }
    log { statusCode error }
  }
}
"""


@pytest.fixture
async def world(database: Database) -> AccessWorld:
    return await build_access_world(database)


def _client(database: Database, world: AccessWorld, role: str = "pm") -> httpx.AsyncClient:
    return http_client(
        database,
        world.headers(role),
        alert_retry_seconds=RETRY_SECONDS,
        alert_max_attempts=MAX_ATTEMPTS,
        alert_timeout_seconds=2.0,
        webhook_allowed_networks=LOOPBACK,  # the receivers here listen on loopback
    )


@pytest.fixture
async def client(database: Database, world: AccessWorld) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(database, world) as http:
        yield http


async def _call(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


async def _backlog_rule(client: httpx.AsyncClient, world: AccessWorld, url: str, threshold: float = 1) -> str:
    """P1 has two open tasks (t1, t3): a backlog rule above 1 fires."""
    answer = await _call(
        client,
        CREATE,
        input={
            "projectId": world.gid("Project", "p1"),
            "name": "backlog",
            "kind": "BACKLOG_ABOVE",
            "threshold": threshold,
            "webhookUrl": url,
            "secret": SECRET,
        },
    )
    created = answer["data"]["createAlertRule"]
    assert created["__typename"] == "AlertRuleCreated", created
    return str(created["rule"]["id"])


async def _complete(database: Database, world: AccessWorld, task: str) -> None:
    async with database.transaction() as session:
        row = await session.get(m.Task, world.ids[task])
        assert row is not None
        row.status, row.completed_at = TaskStatus.DONE, datetime.now(UTC)


def test_signature_is_hmac_sha256_of_timestamp_dot_body_and_verification_refuses_tampering() -> None:
    body = b'{"a":1}'
    # Reference value: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
    assert signature("key", 1_700_000_000, body) == (
        "sha256=" + __import__("hmac").new(b"key", b'1700000000.{"a":1}', "sha256").hexdigest()
    )
    header = signature("key", 1_700_000_000, body)
    assert verify("key", "1700000000", body, header, now=1_700_000_010)
    assert not verify("key", "1700000000", b'{"a":2}', header, now=1_700_000_010)  # body changed
    assert not verify("other", "1700000000", body, header, now=1_700_000_010)  # wrong secret
    assert not verify("key", "1700000001", body, header, now=1_700_000_010)  # timestamp changed
    assert not verify("key", "1700000000", body, header, now=1_700_001_000)  # replayed late


@pytest.mark.parametrize(
    ("timestamp", "header"),
    [
        ("\u00b2", "sha256=00"),  # a superscript two: str.isdigit() says yes, int() says no
        ("\u0661\u0667\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660", "sha256=00"),  # Arabic-Indic digits
        ("1700000000", "sha256=\u00e9"),  # a non-ASCII signature, as a latin-1 header decodes to
        ("", ""),
    ],
)
def test_verification_refuses_forged_headers_rather_than_raising(timestamp: str, header: str) -> None:
    assert verify("key", timestamp, b'{"a":1}', header, now=1_700_000_010) is False


async def test_given_a_backlog_rule_when_it_fires_stays_and_clears_then_one_signed_webhook_per_transition(
    database: Database, world: AccessWorld, client: httpx.AsyncClient
) -> None:
    with receiver(SECRET) as hook:
        rule_id = await _backlog_rule(client, world, hook.url)

        first = (await _call(client, EVALUATE, projectId=world.gid("Project", "p1")))["data"]["evaluateAlerts"]
        again = (await _call(client, EVALUATE, projectId=world.gid("Project", "p1")))["data"]["evaluateAlerts"]
        await _complete(database, world, "t1")
        cleared = (await _call(client, EVALUATE, projectId=world.gid("Project", "p1")))["data"]["evaluateAlerts"]

        assert first["rules"][0]["firing"] is True and first["rules"][0]["transition"] == {
            "state": "FIRING",
            "value": 2,
        }
        assert first["deliveries"] == [
            {"status": "DELIVERED", "attempts": 1, "lastStatusCode": 200, "lastError": None, "nextAttemptAt": None}
        ]
        assert again["rules"][0]["firing"] is True and again["rules"][0]["transition"] is None  # no repeat
        assert again["deliveries"] == []
        assert cleared["rules"][0]["transition"] == {"state": "OK", "value": 1}
        assert [request.event for request in hook.requests] == ["alert.firing", "alert.resolved"]
        assert all(request.verified for request in hook.requests)
        fired = hook.requests[0].body
        assert fired["type"] == "alert.firing" and fired["rule"]["kind"] == "BACKLOG_ABOVE"
        assert fired["project"] == {"id": world.ids["p1"], "name": "P1"} and fired["value"] == 2
        assert hook.requests[1].body["state"] == "OK"
        rules = (await _call(client, RULES, projectId=world.gid("Project", "p1")))["data"]["alertRules"]
        assert rules == [{"id": rule_id, "name": "backlog", "state": "OK", "lastValue": 1.0}]


async def test_given_a_receiver_failing_once_then_the_retry_after_the_backoff_delivers_the_same_signed_body(
    database: Database, world: AccessWorld, client: httpx.AsyncClient
) -> None:
    with receiver(SECRET, statuses=[500, 200]) as hook:
        await _backlog_rule(client, world, hook.url)
        answer = (await _call(client, EVALUATE, projectId=world.gid("Project", "p1")))["data"]["evaluateAlerts"]
        pending = answer["deliveries"][0]
        retry_at = datetime.fromisoformat(pending["nextAttemptAt"])

        early = await deliver_due(database, _policy(), now=retry_at - timedelta(seconds=1))
        on_time = await deliver_due(database, _policy(), now=retry_at)

    assert pending["status"] == "PENDING" and pending["attempts"] == 1 and pending["lastStatusCode"] == 500
    evaluated_at = await _evaluated_at(database)
    assert retry_at - evaluated_at == timedelta(seconds=RETRY_SECONDS)
    assert early == [] and len(on_time) == 1
    assert len(hook.requests) == 2 and all(request.verified for request in hook.requests)
    assert hook.requests[0].raw == hook.requests[1].raw and hook.requests[0].delivery == hook.requests[1].delivery
    log = (await _call(client, DELIVERIES, projectId=world.gid("Project", "p1")))["data"]["alertDeliveries"]
    assert log[0]["status"] == "DELIVERED" and log[0]["attempts"] == 2 and log[0]["nextAttemptAt"] is None
    assert [entry["statusCode"] for entry in log[0]["log"]] == [500, 200]
    assert log[0]["log"][0]["error"] == "HTTP 500"
    assert log[0]["event"]["state"] == "FIRING"


async def test_given_a_receiver_that_is_down_then_retries_back_off_exponentially_and_it_gives_up(
    database: Database, world: AccessWorld, client: httpx.AsyncClient
) -> None:
    url = f"http://127.0.0.1:{free_port()}/nobody-listens"
    await _backlog_rule(client, world, url)
    await _call(client, EVALUATE, projectId=world.gid("Project", "p1"))
    waits = []
    for _ in range(MAX_ATTEMPTS):
        delivery = await _delivery(database)
        if delivery.status is not DeliveryStatus.PENDING:
            break
        assert delivery.next_attempt_at is not None
        waits.append(delivery.next_attempt_at)
        await deliver_due(database, _policy(), now=delivery.next_attempt_at)

    delivery = await _delivery(database)
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == MAX_ATTEMPTS
    assert delivery.next_attempt_at is None and delivery.last_status_code is None
    assert delivery.last_error is not None and "ConnectError" in delivery.last_error
    # Retries due after the first and second failures: the retry interval, then twice it.
    assert waits[0] - await _evaluated_at(database) == timedelta(seconds=RETRY_SECONDS)
    assert [later - earlier for earlier, later in itertools.pairwise(waits)] == [timedelta(seconds=2 * RETRY_SECONDS)]
    log = (await _call(client, DELIVERIES, projectId=world.gid("Project", "p1")))["data"]["alertDeliveries"]
    assert log[0]["status"] == "FAILED" and len(log[0]["log"]) == MAX_ATTEMPTS
    assert all(entry["statusCode"] is None and "ConnectError" in entry["error"] for entry in log[0]["log"])
    assert await deliver_due(database, _policy(), now=datetime.now(UTC) + timedelta(days=1)) == []  # gave up


async def test_given_bad_rule_inputs_then_typed_errors_name_the_field_and_nothing_is_written(
    world: AccessWorld, client: httpx.AsyncClient
) -> None:
    base = {"projectId": world.gid("Project", "p1"), "name": "x", "webhookUrl": "https://example.com/hook"}
    cases = [
        ({**base, "kind": "BACKLOG_ABOVE"}, "input.threshold"),
        ({**base, "kind": "SLA_BELOW_TARGET", "threshold": 1.5}, "input.threshold"),
        ({**base, "kind": "BACKLOG_ABOVE", "threshold": 3, "webhookUrl": "ftp://example.com"}, "input.webhookUrl"),
        ({**base, "kind": "LABELER_FLAGGED", "profiles": ["SLEEPY"]}, "input.profiles[0]"),
        ({**base, "kind": "BACKLOG_ABOVE", "threshold": 3, "windowDays": 0}, "input.windowDays"),
        ({**base, "kind": "BACKLOG_ABOVE", "threshold": 3, "secret": "short"}, "input.secret"),
    ]
    for values, field in cases:
        answer = (await _call(client, CREATE, input=values))["data"]["createAlertRule"]
        assert answer["__typename"] == "ValidationError" and answer["field"] == field, (values, answer)
    assert (await _call(client, RULES, projectId=world.gid("Project", "p1")))["data"]["alertRules"] == []


async def test_given_a_rule_when_updated_and_deleted_then_threshold_clears_and_the_rule_is_gone(
    world: AccessWorld, client: httpx.AsyncClient
) -> None:
    answer = (
        await _call(
            client,
            CREATE,
            input={
                "projectId": world.gid("Project", "p1"),
                "name": "sla",
                "kind": "SLA_BELOW_TARGET",
                "threshold": 0.9,
                "webhookUrl": "https://example.com/hook",
            },
        )
    )["data"]["createAlertRule"]
    rule_id = answer["rule"]["id"]

    renamed = (await _call(client, UPDATE, input={"id": rule_id, "name": "sla!"}))["data"]["updateAlertRule"]
    cleared = (await _call(client, UPDATE, input={"id": rule_id, "threshold": None}))["data"]["updateAlertRule"]
    deleted = (await _call(client, DELETE, id=rule_id))["data"]["deleteAlertRule"]

    assert len(answer["secret"]) >= 32  # generated
    assert renamed["rule"] == {"threshold": 0.9, "name": "sla!"}
    assert cleared["rule"] == {"threshold": None, "name": "sla!"}
    assert deleted["__typename"] == "DeletedAlertRule"
    assert (await _call(client, RULES, projectId=world.gid("Project", "p1")))["data"]["alertRules"] == []


@pytest.mark.parametrize(
    ("role", "project", "allowed"),
    [("admin", "p2", True), ("pm", "p1", True), ("pm", "p2", False), ("vm", "p1", False), ("reviewer", "p1", False)],
)
async def test_access_who_may_create_alert_rules(
    database: Database, world: AccessWorld, role: str, project: str, allowed: bool
) -> None:
    async with _client(database, world, role) as client:
        variables = {
            "projectId": world.gid("Project", project),
            "name": "b",
            "kind": "BACKLOG_ABOVE",
            "threshold": 5,
            "webhookUrl": "https://example.com/hook",
        }
        answer = await _call(client, CREATE, input=variables)
        evaluated = await _call(client, EVALUATE, projectId=world.gid("Project", project))
        listed = (await _call(client, RULES, projectId=world.gid("Project", project)))["data"]["alertRules"]

    if allowed:
        assert answer["data"]["createAlertRule"]["__typename"] == "AlertRuleCreated"
        assert evaluated["data"]["evaluateAlerts"]["__typename"] == "AlertEvaluation"
        assert len(listed) == 1
    else:
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert evaluated["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert listed == []


async def test_a_program_manager_cannot_touch_or_see_another_projects_rule(
    database: Database, world: AccessWorld
) -> None:
    down = f"http://127.0.0.1:{free_port()}/down"
    async with _client(database, world, "admin") as admin:
        rule_id = await _backlog_rule(admin, world, down)
        await _call(
            admin,
            CREATE,
            input={
                "projectId": world.gid("Project", "p2"),
                "name": "other",
                "kind": "BACKLOG_ABOVE",
                "threshold": 0,
                "webhookUrl": down,
            },
        )
        p2_rule = (await _call(admin, RULES, projectId=world.gid("Project", "p2")))["data"]["alertRules"][0]["id"]
        await _call(admin, EVALUATE, projectId=world.gid("Project", "p2"))  # fires: P2 has one open task
        admin_sees = await _call(admin, DELIVERIES, projectId=world.gid("Project", "p2"))
    async with _client(database, world, "pm") as pm:
        own = await _call(pm, UPDATE, input={"id": rule_id, "name": "mine"})
        foreign = await _call(pm, UPDATE, input={"id": p2_rule, "name": "theirs"})
        removed = await _call(pm, DELETE, id=p2_rule)
        rules = await _call(pm, RULES, projectId=world.gid("Project", "p2"))
        deliveries = await _call(pm, DELIVERIES, projectId=world.gid("Project", "p2"))
    async with _client(database, world, "vm") as vm:
        vendor_rules = await _call(vm, RULES, projectId=world.gid("Project", "p1"))

    assert own["data"]["updateAlertRule"]["rule"]["name"] == "mine"
    assert foreign["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert removed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert len(admin_sees["data"]["alertDeliveries"]) == 1
    assert rules["data"]["alertRules"] == [] and deliveries["data"]["alertDeliveries"] == []
    assert vendor_rules["data"]["alertRules"] == []  # P1 is in the vendor's reach, its alerts are not


async def test_the_audit_log_never_holds_a_rules_secret(
    database: Database, world: AccessWorld, client: httpx.AsyncClient
) -> None:
    await _backlog_rule(client, world, "https://example.com/hook")

    async with database.session() as session:
        entries = (await session.scalars(select(AuditEntry))).all()

    assert any(entry.operation == "createAlertRule" for entry in entries)
    assert all(SECRET not in json.dumps(entry.arguments) for entry in entries)


def test_the_documented_defaults_loop_every_minute_and_retry_six_times_doubling_up_to_an_hour(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("ALERTS_INTERVAL", "ALERTS_DEBOUNCE", "ALERT_RETRY", "ALERT_ATTEMPTS", "ALERT_TIMEOUT"):
        monkeypatch.delenv(f"LABELOPS_{name}", raising=False)
    settings = load_settings()
    policy = DeliveryPolicy.of(settings)

    assert (settings.alerts_interval_seconds, settings.alerts_debounce_seconds) == (60.0, 5.0)
    assert (policy.retry_seconds, policy.max_attempts, policy.timeout_seconds) == (30.0, 6, 10.0)
    assert [policy.backoff(failed) for failed in range(1, 6)] == [30.0, 60.0, 120.0, 240.0, 480.0]
    assert [policy.backoff(failed) for failed in (7, 8, 30)] == [1920.0, 3600.0, 3600.0]  # at most an hour
    monkeypatch.setenv("LABELOPS_ALERTS_INTERVAL", "0")
    assert load_settings().alerts_interval_seconds == 0  # the loop is off


def _policy() -> DeliveryPolicy:
    targets = TargetPolicy(parse_networks(LOOPBACK))
    return DeliveryPolicy(retry_seconds=RETRY_SECONDS, max_attempts=MAX_ATTEMPTS, timeout_seconds=2.0, targets=targets)


async def _delivery(database: Database) -> AlertDelivery:
    async with database.session() as session:
        return (await session.scalars(select(AlertDelivery))).one()


async def _evaluated_at(database: Database) -> datetime:
    async with database.session() as session:
        delivery = (await session.scalars(select(AlertDelivery))).one()
    return datetime.fromisoformat(json.loads(delivery.body)["occurredAt"])


ENABLE = """
mutation($input: UpdateAlertRuleInput!) {
  updateAlertRule(input: $input) { __typename ... on AlertRulePayload { rule { state enabled } } }
}
"""


async def test_given_a_firing_rule_when_disabled_then_it_resolves_and_when_re_enabled_it_starts_ok(
    database: Database, world: AccessWorld, client: httpx.AsyncClient
) -> None:
    with receiver(SECRET) as hook:
        rule_id = await _backlog_rule(client, world, hook.url)
        await _call(client, EVALUATE, projectId=world.gid("Project", "p1"))  # fires: two open tasks

        disabled = (await _call(client, ENABLE, input={"id": rule_id, "enabled": False}))["data"]["updateAlertRule"]
        still_disabled = (await _call(client, ENABLE, input={"id": rule_id, "name": "quiet"}))["data"]
        enabled = (await _call(client, ENABLE, input={"id": rule_id, "enabled": True}))["data"]["updateAlertRule"]
        after_enabling = list(hook.requests)
        refired = (await _call(client, EVALUATE, projectId=world.gid("Project", "p1")))["data"]["evaluateAlerts"]

    assert disabled["rule"] == {"state": "OK", "enabled": False}
    assert still_disabled["updateAlertRule"]["rule"] == {"state": "OK", "enabled": False}  # one resolution only
    assert enabled["rule"] == {"state": "OK", "enabled": True}
    assert [request.event for request in after_enabling] == ["alert.firing", "alert.resolved"]
    resolved = after_enabling[1].body
    assert resolved["state"] == "OK" and resolved["detail"] == {"reason": "disabled"} and resolved["value"] == 2
    assert all(request.verified for request in hook.requests)
    # Enabled again, the still-true condition is a new transition: a new FIRING event, sent.
    assert refired["rules"][0]["transition"] == {"state": "FIRING", "value": 2}
    assert [request.event for request in hook.requests][-1] == "alert.firing"


async def test_given_a_firing_rule_with_a_pending_delivery_when_deleted_then_its_events_go_and_nothing_is_sent(
    database: Database, world: AccessWorld, client: httpx.AsyncClient
) -> None:
    port = free_port()
    rule_id = await _backlog_rule(client, world, f"http://127.0.0.1:{port}/hook")
    await _call(client, EVALUATE, projectId=world.gid("Project", "p1"))  # fires; nobody listens: a retry is due
    pending = await _delivery(database)
    assert pending.status is DeliveryStatus.PENDING and pending.next_attempt_at is not None

    deleted = (await _call(client, DELETE, id=rule_id))["data"]["deleteAlertRule"]
    with receiver(SECRET, port=port) as hook:  # the receiver is back when the retry would be due
        sent = await deliver_due(database, _policy(), now=pending.next_attempt_at + timedelta(days=1))

    assert deleted["__typename"] == "DeletedAlertRule"
    async with database.session() as session:
        assert (await session.scalars(select(AlertEvent))).all() == []
        assert (await session.scalars(select(AlertDelivery))).all() == []
    assert (sent, hook.requests) == ([], [])
