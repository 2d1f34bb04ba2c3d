"""A brief, in-process memory of verified API keys, so that a request costs no credential reads.

Verifying a key reads the key, its user and the user's projects: three statements and a session on every request,
most of a trivial query's time. `KeyCache` keeps the resulting viewer for `ttl` seconds under the SHA-256 of the
token (a different secret never matches), and throws everything away as soon as anything in this process writes
to a credential table (`api_keys`, `users`, `user_projects`), whichever engine or session the write goes through:
a revoked key, a deactivated user or a changed role or project scope takes effect for the next request here.

Correctness against races: every write to those tables bumps a process-wide generation when the statement runs
and again when its connection goes back to the pool (after the commit), and an entry is stored only under the
generation that was current before its rows were read, and used only while that generation is current. A read
that overlaps a write is therefore never served from the cache afterwards.

Another server process learns of a write only by reading again: there the change takes effect within `ttl`
seconds (`LABELOPS_KEY_CACHE`, default 2; 0 turns the cache off). Expiry needs no invalidation: the expiry time
is stored with the entry and checked on every use.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

__all__ = ["CREDENTIAL_TABLES", "CachedKey", "KeyCache", "credential_generation", "token_digest"]

CREDENTIAL_TABLES = ("api_keys", "users", "user_projects")
_MENTIONS_CREDENTIALS = re.compile(rf"\b(?:{'|'.join(CREDENTIAL_TABLES)})\b", re.IGNORECASE)
# Statements that change nothing a viewer is made of.
_READS = ("SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "SHOW", "SET")
# Recording when a key was last used changes nothing about who it lets in (and happens at most once a minute).
_LAST_USED = re.compile(
    r"^\s*UPDATE\s+api_keys\s+SET\s+last_used_at\s*=[^,]*\sWHERE\s+api_keys\.id\s*=\s*\S+\s*$", re.IGNORECASE
)
_DIRTY = "labelops_credentials_written"
# Bound on entries: past it the cache starts over (a key per client; a sweep of forged tokens never gets in).
_MAX_ENTRIES = 10_000

_generation = 0


def credential_generation() -> int:
    """How many times credentials may have changed in this process; cache entries of an older one are void."""
    return _generation


def _bump() -> None:
    global _generation
    _generation += 1


def _writes_credentials(statement: str) -> bool:
    head = statement.lstrip()[:10].upper()
    if head.startswith(_READS):
        return False
    return bool(_MENTIONS_CREDENTIALS.search(statement)) and not _LAST_USED.match(statement)


@event.listens_for(Engine, "after_cursor_execute")
def _after_execute(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
    if _writes_credentials(statement):
        connection.info[_DIRTY] = True
        _bump()


@event.listens_for(Pool, "checkin")
def _after_checkin(dbapi_connection: Any, record: Any) -> None:
    # The transaction that wrote has ended (committed or rolled back): readers from now on see its outcome.
    if record is not None and record.info.pop(_DIRTY, False):
        _bump()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedKey:
    """What a verification found: the viewer (any `ip`), the key's expiry and when it was last recorded used."""

    viewer: Any  # server.auth.identity.Viewer (imported there; this module stays below it)
    prefix: str
    expires_at: datetime | None
    last_used_at: datetime | None
    generation: int
    stored_at: float


class KeyCache:
    """Verified keys of one database, each for at most `ttl` seconds and never past a credential write."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, CachedKey] = {}

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def get(self, digest: str, now: datetime) -> CachedKey | None:
        """The live entry for a token's digest, or None (absent, too old, invalidated or the key expired)."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if (
            entry.generation != _generation
            or time.monotonic() - entry.stored_at >= self.ttl
            or (entry.expires_at is not None and entry.expires_at <= now)
        ):
            del self._entries[digest]
            return None
        return entry

    def put(
        self,
        digest: str,
        viewer: Any,
        *,
        prefix: str,
        expires_at: datetime | None,
        last_used_at: datetime | None,
        generation: int,
    ) -> None:
        """Remember a verification whose reads began at `generation`; dropped when credentials changed since."""
        if not self.enabled or generation != _generation:
            return
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()
        self._entries[digest] = CachedKey(viewer, prefix, expires_at, last_used_at, generation, time.monotonic())

    def clear(self) -> None:
        self._entries.clear()
