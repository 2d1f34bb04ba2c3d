"""Connector records: a labeling tool's webhooks bound to one project, with the secret that authenticates them and
a tally of what was delivered."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base
from server.db.types import enum_column_type, utcnow

__all__ = ["Connector", "ConnectorSource"]


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
