"""Creating, updating and archiving vendors (the pipeline moves through `workflow.advance_vendor_status`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import Certification, DataType, PricingModel, WorkforceType
from server.db.models import Vendor
from server.db.rates import FROM_THE_START, VendorRate
from server.services.crud.checks import (
    archive_row,
    check_between,
    check_currency,
    check_name,
    check_non_negative,
    check_positive_int,
    check_text,
    check_time_zone,
    check_words,
    get_or_not_found,
    refuse_duplicate_name,
)
from server.services.errors import Path
from server.services.rates import money, record_vendor_rate

__all__ = ["VendorFields", "archive_vendor", "create_vendor", "update_vendor"]


@dataclass(frozen=True)
class VendorFields:
    """Vendor attributes to set; None leaves an attribute as it is (or at its default on create)."""

    name: str | None = None
    workforce_type: WorkforceType | None = None
    data_types: list[DataType] | None = None
    industries: list[str] | None = None
    specialist_skills: list[str] | None = None
    certifications: list[Certification] | None = None
    time_zone: str | None = None
    pricing_model: PricingModel | None = None
    rate: float | None = None
    currency: str | None = None
    kickoff_days: int | None = None
    available_days_per_week: int | None = None
    available_hours_per_day: float | None = None
    languages: list[str] | None = None
    communication_style: str | None = None
    response_hours: float | None = None


def _checked(values: VendorFields, prefix: Path) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for item in fields(values):
        value = getattr(values, item.name)
        if value is None:
            continue
        path = (*prefix, item.name)
        match item.name:
            case "name":
                value = check_name(path, value)
            case "industries" | "specialist_skills" | "languages":
                value = check_words(path, value)
            case "data_types" | "certifications":
                value = list(dict.fromkeys(str(member) for member in value))
            case "time_zone":
                value = check_time_zone(path, value)
            case "rate":
                value = float(money(path, value))
            case "currency":
                value = check_currency(path, value)
            case "kickoff_days":
                value = check_positive_int(path, value, minimum=0)
            case "available_days_per_week":
                value = int(check_between(path, value, 1, 7))
            case "available_hours_per_day":
                value = check_between(path, value, 0.0, 24.0, open_low=True)
            case "communication_style":
                value = check_text(path, value, max_length=2000)
            case "response_hours":
                value = check_non_negative(path, value)
        checked[item.name] = value
    return checked


async def create_vendor(session: AsyncSession, values: VendorFields) -> Vendor:
    for required in ("name", "workforce_type", "pricing_model", "rate"):
        if getattr(values, required) is None:
            raise ValueError(f"create_vendor needs {required}")
    checked = _checked(values, ())
    await refuse_duplicate_name(session, Vendor, "vendor", checked["name"])
    vendor = Vendor(**checked)
    session.add(vendor)
    await session.flush()
    session.add(VendorRate(vendor_id=vendor.id, effective_day=FROM_THE_START, rate=money(("rate",), vendor.rate)))
    await session.flush()
    return vendor


async def update_vendor(session: AsyncSession, vendor_id: int, values: VendorFields) -> Vendor:
    vendor = await get_or_not_found(session, Vendor, vendor_id, field=("id",))
    checked = _checked(values, ())
    if "name" in checked:
        await refuse_duplicate_name(session, Vendor, "vendor", checked["name"], except_id=vendor.id)
    if "rate" in checked and checked["rate"] != vendor.rate:
        await record_vendor_rate(session, vendor, money(("rate",), checked["rate"]))
    for name, value in checked.items():
        setattr(vendor, name, value)
    await session.flush()
    return vendor


async def archive_vendor(session: AsyncSession, vendor_id: int) -> Vendor:
    """Hide a vendor from default listings; idempotent, history kept."""
    return await archive_row(session, Vendor, vendor_id)
