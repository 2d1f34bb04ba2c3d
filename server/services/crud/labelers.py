"""Creating, updating and archiving labelers (stage moves go through the workflow's onboarding rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import LabelerStage, VendorStatus
from server.db.models import Labeler, LabelerStageEvent, Vendor
from server.db.rates import FROM_THE_START, LabelerRate
from server.db.types import utcnow
from server.services.crud.checks import (
    archive_row,
    check_name,
    check_time_zone,
    check_words,
    get_or_not_found,
)
from server.services.errors import Conflict, ValidationFailed
from server.services.rates import money, record_labeler_rate

__all__ = ["LabelerFields", "archive_labeler", "create_labeler", "update_labeler"]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class LabelerFields:
    """Labeler attributes to set; None leaves an attribute as it is (or at its default on create)."""

    name: str | None = None
    email: str | None = None
    hourly_rate: float | None = None
    skills: list[str] | None = None
    time_zone: str | None = None


async def _checked(session: AsyncSession, values: LabelerFields, *, except_id: int | None = None) -> dict[str, object]:
    checked: dict[str, object] = {}
    if values.name is not None:
        checked["name"] = check_name(("name",), values.name)
    if values.email is not None:
        email = values.email.strip().lower()
        if not _EMAIL.fullmatch(email) or len(email) > 320:
            raise ValidationFailed(("email",), values.email, "must be an email address")
        query = select(Labeler.id).where(func.lower(Labeler.email) == email)
        if except_id is not None:
            query = query.where(Labeler.id != except_id)
        if await session.scalar(query.limit(1)) is not None:
            raise Conflict(f"a labeler with email {email!r} already exists", path=("email",))
        checked["email"] = email
    if values.hourly_rate is not None:
        checked["hourly_rate"] = float(money(("hourly_rate",), values.hourly_rate))
    if values.skills is not None:
        checked["skills"] = check_words(("skills",), values.skills)
    if values.time_zone is not None:
        checked["time_zone"] = check_time_zone(("time_zone",), values.time_zone)
    return checked


async def create_labeler(session: AsyncSession, vendor_id: int, values: LabelerFields) -> Labeler:
    """A new labeler of a live vendor, entering HIRING now (the first entry of the stage history)."""
    vendor = await get_or_not_found(session, Vendor, vendor_id, field=("vendor_id",))
    if vendor.archived_at is not None or vendor.status is VendorStatus.OFFBOARDED:
        raise ValidationFailed(("vendor_id",), vendor_id, "must name a vendor that is not archived or offboarded")
    checked = await _checked(session, values)
    if "name" not in checked:
        raise ValidationFailed(("name",), None, "must not be empty")
    now = utcnow()
    labeler = Labeler(vendor_id=vendor.id, stage=LabelerStage.HIRING, **checked)
    labeler.stage_events.append(LabelerStageEvent(stage=LabelerStage.HIRING, entered_at=now, note="created"))
    session.add(labeler)
    await session.flush()
    # The rate it is created with applies to everything it does until a change.
    session.add(
        LabelerRate(
            labeler_id=labeler.id,
            effective_day=FROM_THE_START,
            hourly_rate=money(("hourly_rate",), labeler.hourly_rate),
        )
    )
    await session.flush()
    return labeler


async def update_labeler(session: AsyncSession, labeler_id: int, values: LabelerFields) -> Labeler:
    labeler = await get_or_not_found(session, Labeler, labeler_id, field=("id",))
    checked = await _checked(session, values, except_id=labeler.id)
    new_rate = checked.get("hourly_rate")
    if isinstance(new_rate, float) and new_rate != labeler.hourly_rate:
        await record_labeler_rate(session, labeler, money(("hourly_rate",), new_rate))
    for name, value in checked.items():
        setattr(labeler, name, value)
    await session.flush()
    return labeler


async def archive_labeler(session: AsyncSession, labeler_id: int) -> Labeler:
    """Hide a labeler from default listings; idempotent, history kept (offboarding is a separate move)."""
    return await archive_row(session, Labeler, labeler_id)
