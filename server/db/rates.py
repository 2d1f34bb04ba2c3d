"""Rate history: the hourly rate of each labeler and the rate of each vendor, by the UTC day they apply from.

Work is costed at the rate in force on the UTC day it was done (a label on the day it was submitted, a review on
the day it was made), so changing a rate never reprices past work. A rate applies from the start of its
`effective_day` until the next row's; a change made through the API takes effect from the next UTC day, so the
day's work already done keeps its rate. `FROM_THE_START` marks the rate that applies before any later row (the
rate a labeler or vendor was created with, or had when the history began). Money is stored as exact decimals.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base

__all__ = ["FROM_THE_START", "MONEY", "LabelerRate", "VendorRate"]

FROM_THE_START = "0001-01-01"
# Rates to 1/10000 of a currency unit (per-label prices run to fractions of a cent).
MONEY = Numeric(14, 4)


class LabelerRate(Base):
    """A labeler's hourly rate from one UTC day on."""

    __tablename__ = "labeler_rates"
    __table_args__ = (UniqueConstraint("labeler_id", "effective_day", name="uq_labeler_rates_labeler_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labelers.id", ondelete="CASCADE"))
    effective_day: Mapped[str] = mapped_column(String(10))  # 'YYYY-MM-DD', UTC
    hourly_rate: Mapped[Decimal] = mapped_column(MONEY)


class VendorRate(Base):
    """A vendor's rate (per hour or per accepted label, by its pricing model) from one UTC day on."""

    __tablename__ = "vendor_rates"
    __table_args__ = (UniqueConstraint("vendor_id", "effective_day", name="uq_vendor_rates_vendor_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"))
    effective_day: Mapped[str] = mapped_column(String(10))
    rate: Mapped[Decimal] = mapped_column(MONEY)
