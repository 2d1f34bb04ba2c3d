"""Server-side request forgery through alert webhooks: a program manager points a rule at the server itself, its
loopback, the cloud metadata endpoint or the private network, in the spellings resolvers accept. Every attempt is a
ValidationError naming `input.webhookUrl` and the URL, never "Unexpected error.", and no rule is saved; where the
operator allows loopback receivers, the server's own port stays refused."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from server.db import Database
from server.db.alerts import AlertRule
from tests.server.access_world import AccessWorld, build_access_world
from tests.server.attacks.live import Attacker, serving
from tests.server.webhook_receiver import receiver

CREATE = """
mutation($input: CreateAlertRuleInput!) {
  createAlertRule(input: $input) {
    __typename ... on AlertRuleCreated { rule { id } } ... on ValidationError { field value message }
  }
}
"""
UPDATE = """
mutation($input: UpdateAlertRuleInput!) {
  updateAlertRule(input: $input) { __typename ... on ValidationError { field value message } }
}
"""
TARGETS = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://metadata.google.internal.localhost/computeMetadata/v1/",
    "http://localhost:5432/",
    "http://127.0.0.1:6379/",
    "http://2130706433:8000/graphql",
    "http://0x7f000001/graphql",
    "http://0/graphql",
    "http://[::]:8000/graphql",
    "http://[0:0:0:0:0:0:0:1]/graphql",
    "http://10.0.0.1/admin",
    "http://192.168.0.1/admin",
    "http://[fd00::1]/admin",
    "http://239.255.255.250:1900/",
    "http://[::7f00:1]:8000/graphql",
    "http://[::ffff:0:7f00:1]/graphql",
    "http://[2002:7f00:1::]/graphql",
    "http://[::a9fe:a9fe]/latest/meta-data/",
    "http://[2002:a9fe:a9fe::1]/latest/meta-data/",
    "http://[64:ff9b::a00:1]/admin",
    "http://[::ffff:0:c0a8:1]/admin",
]


@pytest.fixture
async def world(database: Database) -> AccessWorld:
    return await build_access_world(database)


@pytest.fixture
async def live(database: Database, world: AccessWorld) -> AsyncIterator[Attacker]:
    async with serving(database) as url, httpx.AsyncClient(timeout=30) as client:
        yield Attacker(client, url, world)


def _rule(world: AccessWorld, url: str) -> dict[str, object]:
    return {
        "projectId": world.gid("Project", "p1"),
        "name": "exfiltrate",
        "kind": "BACKLOG_ABOVE",
        "threshold": 0,
        "webhookUrl": url,
    }


async def _rules(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(AlertRule)) or 0)


async def test_internal_targets_are_refused_at_create_and_at_update(
    live: Attacker, database: Database, world: AccessWorld
) -> None:
    own = f"{live.base_url}/graphql"
    for url in [*TARGETS, own]:
        answer = (await live.post("pm", CREATE, input=_rule(world, url)))["data"]["createAlertRule"]
        assert answer["__typename"] == "ValidationError", (url, answer)
        assert answer["field"] == "input.webhookUrl" and answer["value"] == url, (url, answer)
    assert await _rules(database) == 0

    public = (await live.post("pm", CREATE, input=_rule(world, "https://8.8.8.8/hook")))["data"]["createAlertRule"]
    rule_id = public["rule"]["id"]
    for url in [*TARGETS, own]:
        answer = (await live.post("pm", UPDATE, input={"id": rule_id, "webhookUrl": url}))["data"]
        assert answer["updateAlertRule"]["__typename"] == "ValidationError", (url, answer)
        assert answer["updateAlertRule"]["value"] == url
    async with database.session() as session:
        assert await session.scalar(select(AlertRule.webhook_url)) == "https://8.8.8.8/hook"


async def test_where_the_operator_allows_loopback_the_servers_own_port_is_still_refused(
    database: Database, world: AccessWorld
) -> None:
    allowed = ("127.0.0.0/8", "::1/128")
    async with serving(database, webhook_allowed_networks=allowed) as url, httpx.AsyncClient(timeout=30) as client:
        live = Attacker(client, url, world)
        port = url.rsplit(":", 1)[1]
        own = [f"{url}/graphql", f"http://localhost:{port}/graphql", f"http://[::1]:{port}/graphql"]
        refused = [(await live.post("pm", CREATE, input=_rule(world, target)))["data"] for target in own]
        other_port = (await live.post("pm", CREATE, input=_rule(world, "http://127.0.0.1:9/hook")))["data"]

    for target, answer in zip(own, refused, strict=True):
        created = answer["createAlertRule"]
        assert created["__typename"] == "ValidationError" and created["value"] == target, created
        assert "this server itself" in created["message"]
    assert other_port["createAlertRule"]["__typename"] == "AlertRuleCreated"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:+8000/", "http://example.com:99999/", "http://example.com:-1/", "http://example.com:80 /"]
)
async def test_a_port_the_url_parser_cannot_read_is_a_validation_error_at_create_and_update(
    live: Attacker, database: Database, world: AccessWorld, url: str
) -> None:
    created = (await live.post("pm", CREATE, input=_rule(world, url)))["data"]["createAlertRule"]
    assert created["__typename"] == "ValidationError", created
    assert (created["field"], created["value"]) == ("input.webhookUrl", url)
    assert "valid port" in created["message"]
    assert await _rules(database) == 0

    public = (await live.post("pm", CREATE, input=_rule(world, "https://8.8.8.8/hook")))["data"]["createAlertRule"]
    updated = (await live.post("pm", UPDATE, input={"id": public["rule"]["id"], "webhookUrl": url}))["data"]
    assert updated["updateAlertRule"]["__typename"] == "ValidationError", updated
    assert updated["updateAlertRule"]["value"] == url


EVALUATE = """
mutation($projectId: ID!) {
  evaluateAlerts(projectId: $projectId) {
    __typename ... on AlertEvaluation { deliveries { status lastStatusCode lastError } }
  }
}
"""


@contextmanager
def _redirecting_to(location: str) -> Iterator[str]:
    """A receiver on loopback that answers every POST with a 307 to `location`; yields its URL."""

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(307)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


async def test_a_receiver_redirecting_elsewhere_is_not_followed(database: Database, world: AccessWorld) -> None:
    # Given an operator who allows loopback receivers, and one that redirects to another receiver (the hop a
    # public receiver would use to reach an internal address the check never saw)
    allowed = ("127.0.0.0/8",)
    with receiver("x" * 16) as target, _redirecting_to(target.url) as redirecting:
        async with serving(database, webhook_allowed_networks=allowed) as url, httpx.AsyncClient(timeout=30) as client:
            live = Attacker(client, url, world)
            created = (await live.post("pm", CREATE, input=_rule(world, redirecting)))["data"]["createAlertRule"]
            assert created["__typename"] == "AlertRuleCreated", created

            # When the rule fires (P1 has two open tasks) and its webhook is sent
            answer = await live.post("pm", EVALUATE, projectId=world.gid("Project", "p1"))

        # Then the redirect is the receiver's answer, logged as a failed attempt, and never followed
        deliveries = answer["data"]["evaluateAlerts"]["deliveries"]
        assert deliveries == [{"status": "PENDING", "lastStatusCode": 307, "lastError": "HTTP 307"}]
        assert target.requests == []
