"""Webhook signatures: HMAC-SHA256 of `<timestamp>.<body>` with the rule's secret.

Receivers recompute it from the `X-LabelOps-Timestamp` header and the raw body, compare it in constant time with
`X-LabelOps-Signature: sha256=<hex>`, and refuse timestamps too old (a replayed request carries an old one: the
timestamp is signed, so it cannot be refreshed without the secret).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = [
    "DELIVERY_HEADER",
    "EVENT_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "new_secret",
    "signature",
    "verify",
]

SIGNATURE_HEADER = "X-LabelOps-Signature"
TIMESTAMP_HEADER = "X-LabelOps-Timestamp"
EVENT_HEADER = "X-LabelOps-Event"
DELIVERY_HEADER = "X-LabelOps-Delivery"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-LabelOps-Signature` header value for `body` sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, header: str, *, now: float, tolerance: float = 300.0) -> bool:
    """Whether `header` signs `body` at `timestamp` with `secret`, and the timestamp is within `tolerance` of `now`."""
    # Headers are the sender's to forge: anything but ASCII digits and an ASCII signature is refused, not raised on
    # (str.isdigit() accepts digits int() rejects, and compare_digest() rejects non-ASCII text).
    if not (timestamp.isascii() and timestamp.isdigit()) or abs(now - int(timestamp)) > tolerance:
        return False
    return header.isascii() and hmac.compare_digest(signature(secret, int(timestamp), body), header)
