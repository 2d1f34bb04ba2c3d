"""Alert records: rules watching a project's metrics, the events of their transitions, and webhook deliveries."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base
from server.db.types import enum_column_type, utcnow

__all__ = ["AlertDelivery", "AlertEvent", "AlertKind", "AlertRule", "AlertState", "DeliveryStatus"]


class AlertKind(enum.StrEnum):
    """What a rule watches; the README's "Alerts" section says what each threshold means."""

    SLA_BELOW_TARGET = "SLA_BELOW_TARGET"
    FORECAST_AFTER_DEADLINE = "FORECAST_AFTER_DEADLINE"
    BUDGET_AHEAD_OF_PLAN = "BUDGET_AHEAD_OF_PLAN"
    LABELER_FLAGGED = "LABELER_FLAGGED"
    BACKLOG_ABOVE = "BACKLOG_ABOVE"


class AlertState(enum.StrEnum):
    OK = "OK"
    FIRING = "FIRING"


class DeliveryStatus(enum.StrEnum):
    """PENDING (first attempt or a retry due at `next_attempt_at`) -> DELIVERED | FAILED (gave up)."""

    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class AlertRule(Base):
    """One condition on one project's metrics, and where to send its transitions."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AlertKind] = mapped_column(enum_column_type(AlertKind))
    threshold: Mapped[float | None] = mapped_column(Float, default=None)
    window_days: Mapped[int] = mapped_column(Integer, default=7)
    profiles: Mapped[list[str]] = mapped_column(default=list)  # LABELER_FLAGGED: which profiles count (all if empty)
    webhook_url: Mapped[str] = mapped_column(String(2000))
    # Kept in clear: signing needs it. Shown once, when the rule is created.
    secret: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[AlertState] = mapped_column(enum_column_type(AlertState), default=AlertState.OK)
    last_value: Mapped[float | None] = mapped_column(Float, default=None)
    last_evaluated_at: Mapped[datetime | None] = mapped_column(default=None)
    state_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AlertEvent(Base):
    """A rule's transition: FIRING (it went from OK to firing) or OK (it resolved)."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"), index=True)
    state: Mapped[AlertState] = mapped_column(enum_column_type(AlertState))
    value: Mapped[float | None] = mapped_column(Float, default=None)
    summary: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertDelivery(Base):
    """The webhook delivery of one event: its body as signed, and every attempt made."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_alert_deliveries_status_next_attempt", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("alert_events.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(enum_column_type(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    # One entry per attempt: {"at", "statusCode", "error", "milliseconds"}.
    log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
