"""Input checks and steps shared by the create/update/archive services; each failure names the field and the value."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.types import utcnow
from server.services.errors import Conflict, NotFound, Path, ValidationFailed

__all__ = [
    "ISO_CURRENCIES",
    "archive_row",
    "check_aware",
    "check_between",
    "check_currency",
    "check_name",
    "check_non_negative",
    "check_positive_int",
    "check_share",
    "check_text",
    "check_time_zone",
    "check_words",
    "get_or_not_found",
    "refuse_duplicate_name",
]

_T = TypeVar("_T")


class _Archivable(Protocol):
    archived_at: Any


_A = TypeVar("_A", bound=_Archivable)

# Active ISO 4217 codes; a typo such as "USS" should fail here, not in an invoice.
ISO_CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD
    CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ
    GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR
    LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN
    PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB
    TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL
    """.split()  # noqa: SIM905
)

_CURRENCY_SHAPE = re.compile(r"[A-Z]{3}")


def check_aware(field: Path, value: datetime) -> datetime:
    """A timestamp with its time zone, in UTC; naive times are refused rather than guessed at."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(field, value.isoformat(), "must carry a time zone offset (e.g. 2025-01-31T12:00:00Z)")
    return value.astimezone(UTC)


def check_name(field: Path, value: str, *, max_length: int = 200) -> str:
    """A non-blank name, trimmed, at most `max_length` characters."""
    trimmed = value.strip()
    if not trimmed:
        raise ValidationFailed(field, value, "must not be empty")
    if len(trimmed) > max_length:
        raise ValidationFailed(field, value, f"must be at most {max_length} characters")
    return trimmed


def check_text(field: Path, value: str, *, max_length: int) -> str:
    """Free text, trimmed (empty allowed), at most `max_length` characters."""
    text = value.strip()
    if len(text) > max_length:
        raise ValidationFailed(field, value, f"must be at most {max_length} characters")
    return text


def check_share(field: Path, value: float) -> float:
    """A share (fraction) between 0 and 1 inclusive."""
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValidationFailed(field, value, "must be between 0 and 1")
    return value


def check_between(field: Path, value: float, low: float, high: float, *, open_low: bool = False) -> float:
    """A finite number from ``low`` to ``high`` inclusive (above ``low`` with ``open_low``)."""
    if not math.isfinite(value) or value > high or value < low or (open_low and value == low):
        raise ValidationFailed(field, value, f"must be {'above' if open_low else 'from'} {low:g} to {high:g}")
    return value


def check_non_negative(field: Path, value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise ValidationFailed(field, value, "must be a finite number >= 0")
    return value


def check_positive_int(field: Path, value: int, *, minimum: int = 1) -> int:
    if value < minimum:
        raise ValidationFailed(field, value, f"must be >= {minimum}")
    return value


def check_currency(field: Path, value: str) -> str:
    if not _CURRENCY_SHAPE.fullmatch(value) or value not in ISO_CURRENCIES:
        raise ValidationFailed(field, value, "must be an ISO 4217 currency code such as USD or EUR")
    return value


def check_time_zone(field: Path, value: str) -> str:
    """An IANA time zone name such as `Europe/Berlin`."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(field, value, "must be an IANA time zone name such as Europe/Berlin") from None
    return value


def check_words(field: Path, values: Iterable[str], *, max_length: int = 100) -> list[str]:
    """A list of short non-blank words (skills, industries), trimmed and deduplicated in order."""
    words: dict[str, None] = {}
    for index, value in enumerate(values):
        words[check_name((*field, index), value, max_length=max_length)] = None
    return list(words)


async def get_or_not_found(session: AsyncSession, entity: type[_T], key: int, *, field: Path = ("id",)) -> _T:
    row = await session.get(entity, key)
    if row is None:
        raise NotFound(entity.__name__, key, path=field)
    return row


async def archive_row(session: AsyncSession, entity: type[_A], key: int) -> _A:
    """Hide a row from default listings; idempotent (the first archiving time stays), history kept."""
    row = await get_or_not_found(session, entity, key)
    if row.archived_at is None:
        row.archived_at = utcnow()
        await session.flush()
    return row


async def refuse_duplicate_name(
    session: AsyncSession, entity: Any, noun: str, name: str, *, except_id: int | None = None
) -> None:
    """A Conflict on `input.name` when another `entity` row has `name`, compared case-insensitively."""
    query = select(entity.id).where(func.lower(entity.name) == name.lower())
    if except_id is not None:
        query = query.where(entity.id != except_id)
    if await session.scalar(query.limit(1)) is not None:
        raise Conflict(f"a {noun} named {name!r} already exists", path=("name",))
