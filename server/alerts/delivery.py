"""Webhook deliveries: signed POSTs of alert events, retried with exponential backoff, every attempt logged.

A delivery is due while PENDING with `next_attempt_at` in the past. Whoever sends it first claims it by moving
`next_attempt_at` past the attempt's timeout in a conditional UPDATE, so two server processes never send the same
attempt. A 2xx answer delivers it; anything else (another status, a refused connection, a timeout) is logged and
retried after `retry_seconds · 2^(attempts - 1)` (at most `MAX_BACKOFF_SECONDS`) until `max_attempts` attempts,
after which the delivery is FAILED: the receiver has given no sign of life, and the log says why.

Every attempt resolves the URL's host and checks each address against the policy's `TargetPolicy`
(`server.alerts.targets`), then connects to the checked address itself (the name is not resolved again, so a
rebinding DNS answer cannot slip an internal address in between). A refused address fails the delivery at once.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from server.alerts.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from server.alerts.targets import BlockedTarget, Resolved, TargetPolicy, resolve_target
from server.db import Database
from server.db.alerts import AlertDelivery, AlertEvent, AlertRule, AlertState, DeliveryStatus
from server.db.types import utcnow
from server.settings import Settings

__all__ = ["MAX_BACKOFF_SECONDS", "DeliveryPolicy", "deliver_due", "next_due"]

MAX_BACKOFF_SECONDS = 3600.0
_BATCH = 100
_CONCURRENCY = 8
_ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    retry_seconds: float = 30.0
    max_attempts: int = 6
    timeout_seconds: float = 10.0
    targets: TargetPolicy = field(default_factory=TargetPolicy)

    def __post_init__(self) -> None:
        if not self.retry_seconds > 0:
            raise ValueError(f"retry_seconds must be > 0, got {self.retry_seconds!r}")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts!r}")
        if not self.timeout_seconds > 0:
            raise ValueError(f"timeout_seconds must be > 0, got {self.timeout_seconds!r}")

    @classmethod
    def of(cls, settings: Settings) -> DeliveryPolicy:
        return cls(
            settings.alert_retry_seconds,
            settings.alert_max_attempts,
            settings.alert_timeout_seconds,
            TargetPolicy.of(settings),
        )

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt."""
        return min(self.retry_seconds * 2.0 ** (attempts - 1), MAX_BACKOFF_SECONDS)


async def next_due(database: Database) -> datetime | None:
    """When the earliest pending delivery is due, if any."""
    statement = select(AlertDelivery.next_attempt_at).where(AlertDelivery.status == DeliveryStatus.PENDING)
    async with database.session() as session:
        return await session.scalar(statement.order_by(AlertDelivery.next_attempt_at).limit(1))


async def deliver_due(
    database: Database,
    policy: DeliveryPolicy,
    *,
    now: datetime | None = None,
    project_id: int | None = None,
    client: httpx.AsyncClient | None = None,
) -> list[int]:
    """Attempt every delivery due at `now` (of one project's rules, or all); returns the ids attempted."""
    now = now or utcnow()
    statement = (
        select(AlertDelivery.id, AlertDelivery.next_attempt_at)
        .where(AlertDelivery.status == DeliveryStatus.PENDING, AlertDelivery.next_attempt_at <= now)
        .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
        .limit(_BATCH)
    )
    if project_id is not None:
        statement = statement.join(AlertRule, AlertRule.id == AlertDelivery.rule_id).where(
            AlertRule.project_id == project_id
        )
    async with database.session() as session:
        due = (await session.execute(statement)).all()
    if not due:
        return []
    own_client = client is None
    # No proxies from the environment: the address checked must be the address connected to.
    http = client or httpx.AsyncClient(timeout=policy.timeout_seconds, follow_redirects=False, trust_env=False)
    gate = asyncio.Semaphore(_CONCURRENCY)

    async def one(delivery_id: int, due_at: datetime) -> int | None:
        async with gate:
            return await _attempt(database, policy, http, delivery_id, due_at, now)

    try:
        attempted = await asyncio.gather(*(one(row.id, row.next_attempt_at) for row in due))
    finally:
        if own_client:
            await http.aclose()
    return [delivery_id for delivery_id in attempted if delivery_id is not None]


async def _claim(database: Database, policy: DeliveryPolicy, delivery_id: int, due_at: datetime, now: datetime) -> bool:
    lease = now + timedelta(seconds=policy.timeout_seconds + 5.0)
    statement = (
        update(AlertDelivery)
        .where(
            AlertDelivery.id == delivery_id,
            AlertDelivery.status == DeliveryStatus.PENDING,
            AlertDelivery.next_attempt_at == due_at,
        )
        .values(next_attempt_at=lease)
    )
    async with database.transaction() as session:
        result: Any = await session.execute(statement)
        return bool(result.rowcount == 1)


async def _attempt(
    database: Database,
    policy: DeliveryPolicy,
    http: httpx.AsyncClient,
    delivery_id: int,
    due_at: datetime,
    now: datetime,
) -> int | None:
    if not await _claim(database, policy, delivery_id, due_at, now):
        return None  # another process has it
    async with database.session() as session:
        row = (
            await session.execute(
                select(AlertDelivery, AlertRule.secret, AlertEvent.state)
                .join(AlertRule, AlertRule.id == AlertDelivery.rule_id)
                .join(AlertEvent, AlertEvent.id == AlertDelivery.event_id)
                .where(AlertDelivery.id == delivery_id)
            )
        ).one_or_none()
    if row is None:
        return None  # its rule was deleted meanwhile
    delivery, secret, state = row
    body = delivery.body.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "LabelOps-Alerts/1",
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        TIMESTAMP_HEADER: str(timestamp),
        EVENT_HEADER: "alert.firing" if state is AlertState.FIRING else "alert.resolved",
        DELIVERY_HEADER: str(delivery_id),
    }
    started = time.perf_counter()
    status_code: int | None = None
    error: str | None = None
    blocked = False
    try:
        target = await resolve_target(delivery.url, policy.targets)
        assert target is not None  # strict resolution returns an address or raises
        url, extensions = _pinned(delivery.url, target)
        headers["Host"] = httpx.URL(delivery.url).netloc.decode("ascii")
        response = await http.post(
            url, content=body, headers=headers, timeout=policy.timeout_seconds, extensions=extensions
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            # The receiver's body is not kept: the log is readable over the API, and it should not relay what an
            # address answered to whoever set the rule up.
            error = f"HTTP {status_code}"
    except BlockedTarget as refused:  # not retried: the address is the rule's, not a passing failure
        error, blocked = f"blocked: {refused}"[:_ERROR_LENGTH], True
    except Exception as failure:  # refused, timed out, a malformed address: each is an attempt that failed
        error = f"{type(failure).__name__}: {failure}"[:_ERROR_LENGTH]
    milliseconds = round((time.perf_counter() - started) * 1000.0, 1)
    await _record(database, policy, delivery_id, status_code, error, milliseconds, now, give_up=blocked)
    return delivery_id


def _pinned(url: str, target: Resolved) -> tuple[httpx.URL, dict[str, Any]]:
    """`url` with its host replaced by the checked address; TLS still verifies the certificate for the name."""
    original = httpx.URL(url)
    pinned = original.copy_with(host=str(target.address))
    extensions: dict[str, Any] = {}
    if original.scheme == "https":
        extensions["sni_hostname"] = target.host
    return pinned, extensions


async def _record(
    database: Database,
    policy: DeliveryPolicy,
    delivery_id: int,
    status_code: int | None,
    error: str | None,
    milliseconds: float,
    now: datetime,
    *,
    give_up: bool = False,
) -> None:
    attempted_at = utcnow()
    async with database.transaction() as session:
        delivery = await session.get(AlertDelivery, delivery_id)
        if delivery is None:
            return
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error
        entry = {
            "at": attempted_at.isoformat(),
            "statusCode": status_code,
            "error": error,
            "milliseconds": milliseconds,
        }
        delivery.log = [*delivery.log, entry]  # a new list: JSON columns do not track changes in place
        if error is None:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = attempted_at
            delivery.next_attempt_at = None
        elif give_up or delivery.attempts >= policy.max_attempts:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + timedelta(seconds=policy.backoff(delivery.attempts))
