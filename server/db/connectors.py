"""Connector records: a labeling tool's webhooks bound to one project, with the secret that authenticates them and
a tally of what was delivered."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base
from server.db.types import enum_column_type, utcnow

__all__ = ["Connector", "ConnectorSource", "DeliveredVersion", "PendingReview"]


class ConnectorSource(enum.StrEnum):
    """The tool sending the webhooks; its lower-case value names the import format that reads them."""

    LABELSTUDIO = "LABELSTUDIO"
    LABELBOX = "LABELBOX"

    @property
    def format_name(self) -> str:
        return self.value.lower()


class Connector(Base):
    """Webhooks of one source project in a labeling tool, imported live into one LabelOps project."""

    __tablename__ = "connectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[ConnectorSource] = mapped_column(enum_column_type(ConnectorSource))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    # The vendor new labelers join; null: the source's default vendor ("Label Studio", "Labelbox").
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id", ondelete="SET NULL"), default=None)
    # The tool's own project id whose events are imported; null: every project the webhook reports.
    source_project: Mapped[str | None] = mapped_column(String(200), default=None)
    # Kept in clear: an HMAC can only be checked with the key itself. Shown once, when created or rotated.
    secret: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Authenticated deliveries only: a request that fails authentication writes nothing.
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    last_delivery_at: Mapped[datetime | None] = mapped_column(default=None)
    last_event: Mapped[str | None] = mapped_column(String(100), default=None)
    last_status: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class PendingReview(Base):
    """A review delivered before the label it reviews (webhooks arrive in any order): kept until the label is
    imported, then applied and removed."""

    __tablename__ = "connector_pending_reviews"

    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors.id", ondelete="CASCADE"), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), primary_key=True)  # the label's id in the source
    review_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    review: Mapped[dict[str, Any]] = mapped_column(JSON)  # as the webhook reader gives it
    creation: Mapped[bool] = mapped_column(Boolean)  # the review's first version (REVIEW_CREATED)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveredVersion(Base):
    """When the source last changed a label, as the newest delivery applied said: an older update delivered later
    (a retry overtaken by a later edit) is stale and is not applied."""

    __tablename__ = "connector_label_versions"

    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors.id", ondelete="CASCADE"), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), primary_key=True)  # the label's id in the source
    updated_at: Mapped[datetime] = mapped_column()
