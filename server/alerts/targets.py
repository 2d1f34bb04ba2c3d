"""Where alert webhooks may go: public addresses only, unless the operator allows an internal network.

A rule's URL is chosen by a program manager, and the server POSTs to it: without a guard that is a way to make the
server talk to its own loopback services, to the cloud metadata endpoint (169.254.169.254) or to the private
network it sits in. So an address is refused when it is loopback, link-local, private (RFC 1918, fc00::/7, and the
other special-purpose ranges that are not globally routable), unspecified or multicast, unless it is inside one of
`LABELOPS_WEBHOOK_ALLOWED_NETWORKS`; the server's own port on its own addresses is refused even then. An IPv6
address that carries an IPv4 address (IPv4-mapped, IPv4-compatible, SIIT, NAT64's 64:ff9b::/96, 6to4) is refused
when the IPv4 address inside would be.

URLs are checked when a rule is saved (a literal address, or a name that resolves now) and again at every send on
the addresses the name resolves to then: a name may resolve elsewhere later (DNS rebinding). The sender connects
to the address it checked, never resolving the name a second time, and follows no redirects.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from server.auth.proxies import Networks, parse_networks
from server.settings import Settings

__all__ = ["BlockedTarget", "Resolved", "TargetPolicy", "literal_address", "resolve_target"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_RESOLVE_TIMEOUT = 5.0


class BlockedTarget(Exception):
    """A webhook URL whose address the policy refuses; the message says which address and why."""


@dataclass(frozen=True, slots=True)
class Resolved:
    """A URL's host, port and the checked address to connect to."""

    host: str
    port: int
    address: Address


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    allowed: Networks = ()
    server_port: int | None = None  # the port this server listens on, when known

    @classmethod
    def of(cls, settings: Settings) -> TargetPolicy:
        allowed = parse_networks(settings.webhook_allowed_networks, setting="LABELOPS_WEBHOOK_ALLOWED_NETWORKS")
        return cls(allowed, settings.server_port)

    def refusal(self, address: Address, port: int) -> str | None:
        """Why `address:port` may not receive webhooks, or None when it may."""
        address = _unwrap(address)
        reason = self._own_refusal(address, port)
        embedded = _embedded_ipv4(address)
        if reason is None and embedded is not None:
            # Routed on to (or translated into) the IPv4 address inside: it must pass on its own.
            inner = self._own_refusal(embedded, port)
            reason = None if inner is None else f"{address} embeds {embedded}: {inner}"
        return reason

    def _own_refusal(self, address: Address, port: int) -> str | None:
        if self.server_port is not None and port == self.server_port and _is_own(address):
            return f"{address} port {port} is this server itself"
        kind = _internal_kind(address)
        if kind is None or any(address in network for network in self.allowed):
            return None
        return f"{address} is {kind} (LABELOPS_WEBHOOK_ALLOWED_NETWORKS allows internal receivers)"

    def check(self, addresses: list[Address], port: int) -> None:
        """Raise BlockedTarget for the first refused address (every address a name has must pass)."""
        for address in addresses:
            reason = self.refusal(address, port)
            if reason is not None:
                raise BlockedTarget(reason)


def _unwrap(address: Address) -> Address:
    """IPv4 written as IPv6 (::ffff:127.0.0.1): the socket connects to the IPv4 address itself."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d (RFC 4291)
_SIIT = ipaddress.IPv6Network("::ffff:0:0:0/96")  # ::ffff:0:a.b.c.d (RFC 2765)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # well-known NAT64 prefix (RFC 6052)


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries to a translator or tunnel (6to4 2002:a.b.c.d::/48 included).

    Each of these reaches the IPv4 address inside (a NAT64 gateway translates 64:ff9b::7f00:1 to 127.0.0.1, a
    6to4 relay tunnels 2002:7f00:1:: to it), so the check must see that address, not the global-looking outer one.
    """
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in (_IPV4_COMPATIBLE, _SIIT, _NAT64)):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _internal_kind(address: Address) -> str | None:
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "not globally routable"
    return None


def _is_own(address: Address) -> bool:
    if address.is_loopback or address.is_unspecified:
        return True
    try:
        names = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        return False
    return any(_unwrap(ipaddress.ip_address(str(entry[4][0]).split("%")[0])) == address for entry in names)


def literal_address(host: str) -> Address | None:
    """The address a URL's host spells, including the legacy IPv4 forms (2130706433, 0x7f.1, 127.1) that
    resolvers accept."""
    try:
        return _unwrap(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.hostname is None:
        raise BlockedTarget(f"{url!r} has no host")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


async def resolve_target(url: str, policy: TargetPolicy, *, strict: bool = True) -> Resolved | None:
    """Resolve `url`'s host and check every address; the first checked address is the one to connect to.

    With `strict=False` (saving a rule) a name that does not resolve now passes: the send checks it again."""
    host, port = _host_port(url)
    if host.rstrip(".") == "localhost" or host.rstrip(".").endswith(".localhost"):
        # RFC 6761: loopback by definition, whatever the resolver here says (or does not) today.
        policy.check([ipaddress.IPv4Address("127.0.0.1")], port)
    literal = literal_address(host)
    if literal is not None:
        policy.check([literal], port)
        return Resolved(host, port, literal)
    loop = asyncio.get_running_loop()
    try:
        entries = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=_RESOLVE_TIMEOUT
        )
    except (OSError, TimeoutError):
        if strict:
            raise  # a resolver's failure may pass: the delivery is retried
        return None
    addresses = [_unwrap(ipaddress.ip_address(str(entry[4][0]).split("%")[0])) for entry in entries]
    if not addresses:
        raise BlockedTarget(f"{host} has no address")
    policy.check(addresses, port)
    return Resolved(host, port, addresses[0])
