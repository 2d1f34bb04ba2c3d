"""Webhook targets: internal addresses are refused when a rule is saved and again at every send, on the addresses
the name resolves to then; the operator's LABELOPS_WEBHOOK_ALLOWED_NETWORKS lets internal receivers through."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from server.alerts import DeliveryPolicy, deliver_due, evaluate_all
from server.alerts.delivery import _pinned
from server.alerts.targets import Resolved, TargetPolicy, literal_address
from server.auth.proxies import parse_networks
from server.db import Database
from server.db.alerts import AlertDelivery, AlertKind, AlertRule, DeliveryStatus
from server.db.types import utcnow
from server.settings import load_settings
from tests.server.access_world import AccessWorld, build_access_world
from tests.server.conftest import http_client
from tests.server.webhook_receiver import receiver

SECRET = "s3cret-of-the-receiver-0123456789"
LOOPBACK = ("127.0.0.0/8",)

# One URL per refused class, with a spelling resolvers accept that a naive string check would miss.
BLOCKED = {
    "loopback": "http://127.0.0.1:9/hook",
    "loopback (decimal)": "http://2130706433/hook",
    "loopback (short)": "http://127.1/hook",
    "loopback (IPv6)": "http://[::1]/hook",
    "loopback (IPv4-mapped IPv6)": "http://[::ffff:127.0.0.1]/hook",
    "loopback (name)": "http://localhost:9/hook",
    "link-local (cloud metadata)": "http://169.254.169.254/latest/meta-data/",
    "link-local (IPv6)": "http://[fe80::1]/hook",
    "private 10/8": "https://10.0.0.5/hook",
    "private 172.16/12": "http://172.20.1.1/hook",
    "private 192.168/16": "http://192.168.1.10:8080/hook",
    "private fc00::/7": "http://[fd12:3456::1]/hook",
    "unspecified": "http://0.0.0.0:8000/hook",
    "unspecified (IPv6)": "http://[::]/hook",
    "multicast": "http://224.0.0.1/hook",
    "multicast (IPv6)": "http://[ff02::1]/hook",
    "loopback (IPv4-compatible IPv6)": "http://[::7f00:1]/hook",
    "loopback (SIIT IPv6)": "http://[::ffff:0:7f00:1]/hook",
    "loopback (6to4 IPv6)": "http://[2002:7f00:1::]/hook",
    "loopback (NAT64 IPv6)": "http://[64:ff9b::7f00:1]/hook",
    "link-local (IPv4-compatible IPv6)": "http://[::a9fe:a9fe]/latest/meta-data/",
}

# IPv6 forms that carry an IPv4 address to a translator or tunnel, and the IPv4 ranges refused on their own.
EMBEDDINGS = {
    "IPv4-compatible": "::{}",
    "SIIT": "::ffff:0:{}",
    "NAT64": "64:ff9b::{}",
    "6to4": "2002:{}::",
}
EMBEDDED = [
    ("loopback", "127.0.0.1"),
    ("private", "10.1.2.3"),
    ("private", "172.16.0.1"),
    ("private", "192.168.1.1"),
    ("link-local", "169.254.169.254"),
    ("private", "0.0.0.7"),  # "this network", 0/8
    ("not globally routable", "100.64.0.1"),  # shared address space (carrier-grade NAT)
]

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


@pytest.mark.parametrize(("kind", "host"), [("private", "10.1.2.3"), ("link-local", "169.254.169.254")])
def test_refusals_say_which_address_and_why(kind: str, host: str) -> None:
    reason = TargetPolicy().refusal(ipaddress.ip_address(host), 80)
    assert reason is not None and host in reason and kind in reason


def test_public_addresses_pass_and_allowed_networks_open_internal_ones_but_never_the_servers_own_port() -> None:
    strict = TargetPolicy()
    operator = TargetPolicy(parse_networks(("10.0.0.0/8", "127.0.0.0/8")), server_port=8000)

    assert strict.refusal(ipaddress.ip_address("93.184.216.34"), 443) is None
    assert strict.refusal(ipaddress.ip_address("2606:4700::1111"), 443) is None
    assert operator.refusal(ipaddress.ip_address("10.1.2.3"), 8000) is None  # another machine's port 8000
    assert operator.refusal(ipaddress.ip_address("127.0.0.1"), 9000) is None
    assert "this server itself" in str(operator.refusal(ipaddress.ip_address("127.0.0.1"), 8000))
    assert operator.refusal(ipaddress.ip_address("192.168.1.1"), 80) is not None  # not in the allowed networks


def _embed(form: str, ipv4: str) -> ipaddress.IPv6Address:
    """`ipv4` written in `form`, as its two last groups (or, for 6to4, the two after 2002:)."""
    value = int(ipaddress.IPv4Address(ipv4))
    return ipaddress.IPv6Address(form.format(f"{value >> 16:x}:{value & 0xFFFF:x}"))


@pytest.mark.parametrize("form", EMBEDDINGS.values(), ids=EMBEDDINGS.keys())
@pytest.mark.parametrize(("kind", "ipv4"), EMBEDDED, ids=[ipv4 for _, ipv4 in EMBEDDED])
def test_an_ipv6_address_carrying_an_internal_ipv4_address_is_refused_as_that_address(
    form: str, kind: str, ipv4: str
) -> None:
    address = _embed(form, ipv4)

    reason = TargetPolicy().refusal(address, 80)

    assert reason is not None, address
    assert reason.startswith(f"{address} embeds {ipv4}: {ipv4} is {kind}"), reason


@pytest.mark.parametrize("form", EMBEDDINGS.values(), ids=EMBEDDINGS.keys())
def test_an_ipv6_address_carrying_a_public_ipv4_address_passes_unless_that_is_the_servers_own(form: str) -> None:
    operator = TargetPolicy(parse_networks(LOOPBACK), server_port=8000)

    assert TargetPolicy().refusal(_embed(form, "8.8.8.8"), 443) is None
    assert operator.refusal(_embed(form, "127.0.0.1"), 9000) is None  # the operator allows what it carries
    assert "this server itself" in str(operator.refusal(_embed(form, "127.0.0.1"), 8000))


def test_a_bad_allowed_network_is_refused_at_startup_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELOPS_WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/8, intranet")
    with pytest.raises(ValueError, match=r"LABELOPS_WEBHOOK_ALLOWED_NETWORKS .*'intranet'"):
        load_settings()
    monkeypatch.setenv("LABELOPS_WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/8, fd00::/8")
    assert load_settings().webhook_allowed_networks == ("10.0.0.0/8", "fd00::/8")


def test_a_pinned_https_request_goes_to_the_checked_address_and_still_verifies_the_name() -> None:
    target = Resolved("hooks.example.com", 8443, ipaddress.ip_address("93.184.216.34"))

    url, extensions = _pinned("https://hooks.example.com:8443/in?x=1", target)
    plain, none = _pinned("http://hooks.example.com:8443/in", target)

    assert str(url) == "https://93.184.216.34:8443/in?x=1"
    assert extensions == {"sni_hostname": "hooks.example.com"}  # SNI and the certificate check use the name
    assert str(plain) == "http://93.184.216.34:8443/in" and none == {}


def test_legacy_ipv4_spellings_are_read_as_the_address_they_reach() -> None:
    assert literal_address("2130706433") == ipaddress.ip_address("127.0.0.1")
    assert literal_address("0x7f.1") == ipaddress.ip_address("127.0.0.1")
    assert literal_address("::ffff:169.254.169.254") == ipaddress.ip_address("169.254.169.254")
    assert literal_address("example.com") is None


@pytest.fixture
async def world(database: Database) -> AccessWorld:
    return await build_access_world(database)


@pytest.fixture
async def client(database: Database, world: AccessWorld) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(database, world.headers("pm")) as http:
        yield http


async def _call(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def _rule(world: AccessWorld, url: str) -> dict[str, Any]:
    return {
        "projectId": world.gid("Project", "p1"),
        "name": "backlog",
        "kind": "BACKLOG_ABOVE",
        "threshold": 0,
        "webhookUrl": url,
        "secret": SECRET,
    }


async def test_given_each_internal_address_class_when_a_rule_is_created_then_it_is_refused_naming_the_url(
    world: AccessWorld, client: httpx.AsyncClient
) -> None:
    for case, url in BLOCKED.items():
        answer = (await _call(client, CREATE, input=_rule(world, url)))["createAlertRule"]
        assert answer["__typename"] == "ValidationError", (case, answer)
        assert answer["field"] == "input.webhookUrl" and answer["value"] == url, (case, answer)
        assert "internal address" in answer["message"], (case, answer)


async def test_given_a_public_rule_when_its_url_is_changed_to_an_internal_one_then_the_update_is_refused(
    world: AccessWorld, client: httpx.AsyncClient
) -> None:
    created = (await _call(client, CREATE, input=_rule(world, "https://203.0.113.7/hook")))["createAlertRule"]
    # 203.0.113.0/24 is documentation space: not globally routable, refused too.
    assert created["__typename"] == "ValidationError"
    created = (await _call(client, CREATE, input=_rule(world, "https://8.8.8.8/hook")))["createAlertRule"]
    metadata = "http://169.254.169.254/latest/meta-data/"

    answer = await _call(client, UPDATE, input={"id": created["rule"]["id"], "webhookUrl": metadata})

    assert answer["updateAlertRule"] == {
        "__typename": "ValidationError",
        "field": "input.webhookUrl",
        "value": metadata,
        "message": answer["updateAlertRule"]["message"],
    }
    assert "link-local" in answer["updateAlertRule"]["message"]


async def test_given_the_operator_allows_loopback_then_a_loopback_receiver_is_accepted(
    database: Database, world: AccessWorld
) -> None:
    async with http_client(database, world.headers("pm"), webhook_allowed_networks=LOOPBACK) as client:
        answer = (await _call(client, CREATE, input=_rule(world, "http://localhost:9/hook")))["createAlertRule"]
    assert answer["__typename"] == "AlertRuleCreated"


async def _saved_rule(database: Database, world: AccessWorld, url: str) -> None:
    """A rule and a due delivery to `url`, written past the checks: as if `url`'s name resolved to a public
    address when the rule was saved and to an internal one now (DNS rebinding)."""
    async with database.transaction() as session:
        rule = AlertRule(
            project_id=world.ids["p1"],
            name="rebound",
            kind=AlertKind.BACKLOG_ABOVE,
            threshold=0,
            window_days=7,
            profiles=[],
            webhook_url=url,
            secret=SECRET,
            enabled=True,
        )
        session.add(rule)
        await session.flush()
    await evaluate_all(database)  # P1 has open tasks: the rule fires and its delivery is due


async def _delivery(database: Database) -> AlertDelivery:
    async with database.session() as session:
        return (await session.scalars(select(AlertDelivery))).one()


async def test_given_a_name_resolving_to_loopback_at_send_time_then_nothing_is_sent_and_the_delivery_fails(
    database: Database, world: AccessWorld
) -> None:
    with receiver(SECRET) as hook:
        port = hook.url.split(":")[2].split("/")[0]
        await _saved_rule(database, world, f"http://localhost:{port}/hooks/labelops")
        await deliver_due(database, DeliveryPolicy(), now=utcnow())
        delivery = await _delivery(database)

    assert hook.requests == []
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 1  # refused, not retried
    assert delivery.last_error is not None and delivery.last_error.startswith("blocked: ")
    assert "loopback" in delivery.last_error


async def test_given_the_operator_allows_loopback_then_the_same_delivery_goes_to_the_checked_address(
    database: Database, world: AccessWorld
) -> None:
    with receiver(SECRET) as hook:
        port = hook.url.split(":")[2].split("/")[0]
        await _saved_rule(database, world, f"http://localhost:{port}/hooks/labelops")
        allowed = DeliveryPolicy(targets=TargetPolicy(parse_networks(LOOPBACK)))
        await deliver_due(database, allowed, now=utcnow())
        delivery = await _delivery(database)

    assert delivery.status is DeliveryStatus.DELIVERED, delivery.last_error
    assert len(hook.requests) == 1 and hook.requests[0].verified
    assert hook.requests[0].host == f"localhost:{port}"  # the name is kept in Host while the address is pinned


async def test_given_the_servers_own_port_then_delivery_is_refused_even_where_loopback_is_allowed(
    database: Database, world: AccessWorld
) -> None:
    with receiver(SECRET) as hook:
        port = int(hook.url.split(":")[2].split("/")[0])
        await _saved_rule(database, world, hook.url)
        own = DeliveryPolicy(targets=TargetPolicy(parse_networks(LOOPBACK), server_port=port))
        await deliver_due(database, own, now=utcnow())
        delivery = await _delivery(database)

    assert hook.requests == []
    assert delivery.status is DeliveryStatus.FAILED and "this server itself" in str(delivery.last_error)


def _resolving(monkeypatch: pytest.MonkeyPatch, name: str, address: str) -> None:
    """`name` resolves to `address` (other names as usual): the resolver's answer, not a literal in the URL."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port or 0), 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize("address", ["::7f00:1", "::ffff:0:a9fe:a9fe", "2002:a00:1::", "64:ff9b::c0a8:101"])
async def test_given_a_name_resolving_to_an_ipv6_address_carrying_an_internal_one_then_create_and_send_refuse_it(
    database: Database, world: AccessWorld, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    url = "http://hooks.example.test:8080/in"
    _resolving(monkeypatch, "hooks.example.test", address)

    created = (await _call(client, CREATE, input=_rule(world, url)))["createAlertRule"]
    assert created["__typename"] == "ValidationError" and created["value"] == url, created
    assert f"{address} embeds " in created["message"], created

    await _saved_rule(database, world, url)
    await deliver_due(database, DeliveryPolicy(), now=utcnow())
    delivery = await _delivery(database)
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 1  # refused, not retried
    assert str(delivery.last_error).startswith(f"blocked: {address} embeds "), delivery.last_error
