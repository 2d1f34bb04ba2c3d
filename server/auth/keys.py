"""API keys: issuing (the secret is shown once), verifying a presented bearer token, and revoking.

A key reads `lo_<prefix>_<secret>`: the prefix finds the row, the SHA-256 of the whole token is compared in
constant time. The secret carries 256 bits from `secrets`, so a plain hash suffices (nothing to brute-force).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.access import ApiKey, User
from server.db.types import utcnow

__all__ = [
    "KEY_PREFIX",
    "InvalidKey",
    "IssuedKey",
    "hash_secret",
    "issue_key",
    "needs_touch",
    "parse_token",
    "revoke_key",
    "touch_key",
    "verify_key",
]

KEY_PREFIX = "lo"
_PREFIX_BYTES = 6
_SECRET_BYTES = 32
# Writing last_used_at on every request would turn each read into a write; a minute's precision is enough.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class InvalidKey(Exception):
    """A bearer token that does not grant access; the message is safe to show the client."""


@dataclass(frozen=True)
class IssuedKey:
    """A freshly issued key: the stored record and the token, which exists nowhere else after this."""

    record: ApiKey
    token: str


def hash_secret(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_token(token: str) -> str:
    """The lookup prefix of a well-formed token, or InvalidKey."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        raise InvalidKey("malformed API key")
    return parts[1]


async def issue_key(
    session: AsyncSession, user: User, *, name: str = "", expires_at: datetime | None = None
) -> IssuedKey:
    """Create a key for `user`; the caller shows `token` once and never stores it."""
    prefix = secrets.token_hex(_PREFIX_BYTES)
    token = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    record = ApiKey(user_id=user.id, name=name, prefix=prefix, secret_hash=hash_secret(token), expires_at=expires_at)
    session.add(record)
    await session.flush()
    return IssuedKey(record=record, token=token)


async def verify_key(session: AsyncSession, token: str) -> tuple[User, ApiKey]:
    """The active user and live key behind `token`, or InvalidKey saying why it was refused."""
    prefix = parse_token(token)
    row = (
        await session.execute(select(ApiKey, User).join(User, User.id == ApiKey.user_id).where(ApiKey.prefix == prefix))
    ).one_or_none()
    # Compare even when no row matched, so a miss and a wrong secret take the same time.
    expected = row[0].secret_hash if row is not None else hash_secret("")
    if not hmac.compare_digest(expected, hash_secret(token)) or row is None:
        raise InvalidKey("invalid API key")
    key, user = row
    now = utcnow()
    if key.revoked_at is not None:
        raise InvalidKey("API key revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise InvalidKey("API key expired")
    if not user.active:
        raise InvalidKey("user deactivated")
    return user, key


def needs_touch(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use of a key at `now` is to be recorded (at most once per minute)."""
    return last_used_at is None or now - last_used_at >= _LAST_USED_RESOLUTION


async def touch_key(session: AsyncSession, key: ApiKey) -> bool:
    """Record that `key` was used now, at most once per minute; True when a write was made."""
    now = utcnow()
    if not needs_touch(key.last_used_at, now):
        return False
    await session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    return True


async def revoke_key(session: AsyncSession, key: ApiKey) -> ApiKey:
    """Revoke `key` from now on; revoking twice keeps the first time."""
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await session.flush()
    return key
