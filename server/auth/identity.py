"""The viewer: who is asking, with their role and scope, resolved once per request from the bearer token."""

from __future__ import annotations

import dataclasses
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.key_cache import KeyCache, credential_generation, token_digest
from server.auth.keys import InvalidKey, needs_touch, parse_token, touch_key, verify_key
from server.db.access import ApiKey, Role, User, user_projects
from server.db.session import Database
from server.db.types import utcnow

__all__ = [
    "ANONYMOUS",
    "SYSTEM",
    "Unauthenticated",
    "Viewer",
    "authenticate",
    "bearer_token",
    "viewer_for",
    "viewer_from_request",
]

_log = logging.getLogger(__name__)


class Unauthenticated(Exception):
    """No usable credential; the message is safe to show the client (HTTP 401)."""


@dataclass(frozen=True)
class Viewer:
    """An authenticated caller and the records their role covers.

    `project_ids` scope PROGRAM_MANAGER and REVIEWER, `vendor_id` scopes VENDOR_MANAGER, `labeler_id` scopes
    LABELER (and names the labeler a REVIEWER reviews as, when set).
    """

    role: Role | None
    user_id: int | None = None
    email: str = ""
    project_ids: frozenset[int] = field(default_factory=frozenset)
    vendor_id: int | None = None
    labeler_id: int | None = None
    api_key_id: int | None = None
    ip: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_anonymous(self) -> bool:
        return self.role is None


# In-process callers (the CLI, the seeder, tests executing the schema directly) are trusted: authentication
# happens where requests cross the network, in the HTTP and websocket entry points.
SYSTEM = Viewer(role=Role.ADMIN, email="system")
# A network caller not (yet) authenticated, e.g. a websocket before its connection_init: sees and does nothing.
ANONYMOUS = Viewer(role=None, email="anonymous")


def viewer_from_request(request: Any) -> Viewer:
    """The viewer the access guard attached to an HTTP request or websocket; SYSTEM for in-process callers."""
    if request is None:
        return SYSTEM
    viewer = request.scope.get("state", {}).get("viewer")
    return viewer if isinstance(viewer, Viewer) else ANONYMOUS


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` value, or Unauthenticated."""
    if not authorization:
        raise Unauthenticated("missing API key: send the header 'Authorization: Bearer <key>'")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("malformed Authorization header: expected 'Bearer <key>'")
    return token.strip()


async def viewer_for(session: AsyncSession, user: User, key: ApiKey | None = None, *, ip: str | None = None) -> Viewer:
    """The viewer of `user`, with the project scope read now (it is fixed for the rest of the request)."""
    projects = (
        await session.scalars(select(user_projects.c.project_id).where(user_projects.c.user_id == user.id))
    ).all()
    return Viewer(
        role=user.role,
        user_id=user.id,
        email=user.email,
        project_ids=frozenset(projects),
        vendor_id=user.vendor_id,
        labeler_id=user.labeler_id,
        api_key_id=key.id if key is not None else None,
        ip=ip,
    )


# One cache per database (an app's engine); see `server.auth.key_cache` for when entries stop counting.
_caches: weakref.WeakKeyDictionary[Database, KeyCache] = weakref.WeakKeyDictionary()


def _cache_of(database: Database, seconds: float) -> KeyCache | None:
    if seconds <= 0:
        return None
    cache = _caches.get(database)
    if cache is None or cache.ttl != seconds:
        cache = _caches[database] = KeyCache(seconds)
    return cache


async def authenticate(
    database: Database, authorization: str | None, *, ip: str | None = None, cache_seconds: float = 0.0
) -> Viewer:
    """Resolve an Authorization header value to a viewer, or raise Unauthenticated with the reason.

    With `cache_seconds`, a key verified in the last that many seconds is not read again (unless credentials were
    written in this process since, see `server.auth.key_cache`).
    """
    token = bearer_token(authorization)
    cache = _cache_of(database, cache_seconds)
    digest = token_digest(token)
    now = utcnow()
    if cache is not None and (hit := cache.get(digest, now)) is not None and not needs_touch(hit.last_used_at, now):
        return hit.viewer if hit.viewer.ip == ip else dataclasses.replace(hit.viewer, ip=ip)
    generation = credential_generation()
    # A read-only session: authenticating must not queue behind writers (SQLite has one writer at a time).
    try:
        async with database.session() as session:
            user, key = await verify_key(session, token)
            viewer = await viewer_for(session, user, key, ip=ip)
    except InvalidKey as error:
        raise Unauthenticated(str(error)) from None
    last_used = key.last_used_at
    if needs_touch(last_used, now):
        try:
            async with database.transaction() as session:
                await touch_key(session, key)
            last_used = now
        except SQLAlchemyError:
            # `last_used_at` is informational; a busy database must not turn a valid key into a failed request.
            _log.debug("could not record the use of API key %s", key.prefix, exc_info=True)
    if cache is not None:
        cache.put(
            digest,
            viewer,
            prefix=parse_token(token),
            expires_at=key.expires_at,
            last_used_at=last_used,
            generation=generation,
        )
    return viewer
