"""How a webhook proves it comes from the connector's tool, checked in constant time.

Label Studio lets a webhook carry headers of the user's choosing: it sends `Authorization: Token <secret>`.
Labelbox signs the raw body: `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the body with the webhook's secret>`.
"""

from __future__ import annotations

import hashlib
import hmac

from server.db.connectors import ConnectorSource

__all__ = ["SIGNATURE_HEADER", "TOKEN_SCHEMES", "authentic", "labelbox_signature"]

SIGNATURE_HEADER = "X-Hub-Signature"
TOKEN_SCHEMES = ("token", "bearer")
# Compared against when no connector matched, so an unknown id costs what a wrong secret does.
_DECOY = "decoy-secret-never-matches-anything"


def labelbox_signature(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature` value Labelbox sends for `body`."""
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def _token(authorization: str) -> str:
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() in TOKEN_SCHEMES else ""


def authentic(
    source: ConnectorSource, secret: str | None, *, authorization: str | None, signature: str | None, body: bytes
) -> bool:
    """Whether the request's credential matches `secret` (None: no such connector, always False)."""
    key = secret if secret is not None else _DECOY
    if source is ConnectorSource.LABELSTUDIO:
        offered = _token(authorization or "")
        matches = hmac.compare_digest(offered.encode(), key.encode())
    else:
        matches = hmac.compare_digest((signature or "").strip().encode(), labelbox_signature(key, body).encode())
    return matches and secret is not None
