"""The client's address: the peer of the connection, or what a trusted proxy in front of the server says it is.

`X-Forwarded-For` is a list any client can start: only the entries appended by proxies the operator trusts
(`LABELOPS_TRUSTED_PROXIES`, addresses or networks; none by default) are believed. Walking the list from the right,
past trusted proxies, the first address that is not one is the client. uvicorn's own proxy-header handling is off
(`server.platform_commands.uvicorn_config`): by default it believes any client on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any, TypeAlias

__all__ = ["Networks", "client_address", "forwarded_for_values", "parse_networks"]

Networks: TypeAlias = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def parse_networks(values: Iterable[str], *, setting: str = "LABELOPS_TRUSTED_PROXIES") -> Networks:
    """Addresses or CIDR networks; a bad entry raises ValueError naming the setting and the entry."""
    networks = []
    for value in values:
        if not value.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{setting} must list IP addresses or networks, got {value.strip()!r}") from None
    return tuple(networks)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: Networks) -> bool:
    return any(address in network for network in trusted)


def client_address(peer: str | None, forwarded_for: list[str], trusted: Networks) -> str | None:
    """The client of a request whose connection came from `peer` with these `X-Forwarded-For` header values."""
    if peer is None or not trusted:
        return peer
    current = _address(peer)
    if current is None or not _trusted(current, trusted):
        return peer
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # garbage from the client's side of the list: stop at the last address a proxy vouched for
        current = address
        if not _trusted(address, trusted):
            break
    return str(current)


def forwarded_for_values(headers: Iterable[tuple[bytes, Any]]) -> list[str]:
    """Every `X-Forwarded-For` value of raw ASGI headers, in order."""
    return [bytes(value).decode("latin-1") for key, value in headers if key.lower() == b"x-forwarded-for"]
