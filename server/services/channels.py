"""Communication channels with vendors: adding, changing and removing them (admins), with one preferred channel
per vendor and project at most."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.channels import CommunicationChannel
from server.db.enums import ChannelCadence, ChannelKind
from server.db.models import Vendor, project_vendors
from server.services.crud.checks import check_text, get_or_not_found
from server.services.errors import Path, ValidationFailed

__all__ = ["ChannelFields", "add_channel", "remove_channel", "update_channel"]

_LINK_SCHEMES = ("http", "https", "mailto")
MAX_LINK = 2000
MAX_TEXT = 2000


@dataclass(frozen=True)
class ChannelFields:
    """What to set; None leaves a field as it is (or at its default when adding)."""

    kind: ChannelKind | None = None
    link: str | None = None
    note: str | None = None
    cadence: ChannelCadence | None = None
    preferred: bool | None = None


def check_link(field: Path, value: str) -> str:
    """Empty, or an http(s) or mailto address."""
    link = value.strip()
    if not link:
        return ""
    if len(link) > MAX_LINK:
        raise ValidationFailed(field, value, f"must be at most {MAX_LINK} characters")
    parts = urlsplit(link)
    if parts.scheme not in _LINK_SCHEMES or not (parts.netloc or (parts.scheme == "mailto" and parts.path)):
        raise ValidationFailed(field, value, "must be an http, https or mailto address (or empty)")
    return link


async def _check_project(session: AsyncSession, vendor_id: int, project_id: int) -> None:
    assigned = await session.scalar(
        select(project_vendors.c.project_id).where(
            project_vendors.c.vendor_id == vendor_id, project_vendors.c.project_id == project_id
        )
    )
    if assigned is None:
        raise ValidationFailed(("project_id",), project_id, "must be a project the vendor is assigned to")


def _apply(channel: CommunicationChannel, values: ChannelFields) -> None:
    if values.kind is not None:
        channel.kind = values.kind
    if values.link is not None:
        channel.link = check_link(("link",), values.link)
    if values.note is not None:
        channel.note = check_text(("note",), values.note, max_length=MAX_TEXT)
    if values.cadence is not None:
        channel.cadence = values.cadence
    if values.preferred is not None:
        channel.preferred = values.preferred
    if not channel.link and not channel.note:
        raise ValidationFailed(("link",), channel.link, "or the note must say where to reach the vendor")


async def _only_preferred(session: AsyncSession, channel: CommunicationChannel) -> None:
    """A preferred channel takes the preference from the others of its vendor and project."""
    if not channel.preferred:
        return
    same_project = (
        CommunicationChannel.project_id.is_(None)
        if channel.project_id is None
        else CommunicationChannel.project_id == channel.project_id
    )
    await session.execute(
        update(CommunicationChannel)
        .where(
            CommunicationChannel.vendor_id == channel.vendor_id,
            same_project,
            CommunicationChannel.id != channel.id,
        )
        .values(preferred=False)
    )


async def add_channel(
    session: AsyncSession, vendor_id: int, project_id: int | None, values: ChannelFields
) -> CommunicationChannel:
    await get_or_not_found(session, Vendor, vendor_id, field=("vendor_id",))
    if project_id is not None:
        await _check_project(session, vendor_id, project_id)
    if values.kind is None:
        raise ValueError("add_channel needs a kind")
    channel = CommunicationChannel(
        vendor_id=vendor_id, project_id=project_id, link="", note="", cadence=ChannelCadence.AS_NEEDED
    )
    channel.preferred = False
    _apply(channel, values)
    session.add(channel)
    await session.flush()
    await _only_preferred(session, channel)
    return channel


async def update_channel(session: AsyncSession, channel_id: int, values: ChannelFields) -> CommunicationChannel:
    channel = await get_or_not_found(session, CommunicationChannel, channel_id, field=("id",))
    _apply(channel, values)
    await session.flush()
    await _only_preferred(session, channel)
    return channel


async def remove_channel(session: AsyncSession, channel_id: int) -> int:
    channel = await get_or_not_found(session, CommunicationChannel, channel_id, field=("id",))
    await session.delete(channel)
    await session.flush()
    return channel_id
