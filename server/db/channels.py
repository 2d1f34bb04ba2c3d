"""Communication channels with vendors: how the team and a vendor talk, for all the vendor's projects
(`project_id` null) or for one of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.enums import ChannelCadence, ChannelKind
from server.db.models import Base
from server.db.types import enum_column_type, utcnow

__all__ = ["CommunicationChannel"]


class CommunicationChannel(Base):
    """One channel: its kind, a link (or an address) and a note, how often it is used, and whether it is the
    preferred one for its vendor and project."""

    __tablename__ = "communication_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ChannelKind] = mapped_column(enum_column_type(ChannelKind))
    link: Mapped[str] = mapped_column(String(2000), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    cadence: Mapped[ChannelCadence] = mapped_column(enum_column_type(ChannelCadence), default=ChannelCadence.AS_NEEDED)
    preferred: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
