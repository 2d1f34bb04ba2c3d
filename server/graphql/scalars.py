"""A strict `DateTime` input scalar: a timestamp must fit the calendar once moved to UTC (`9999-12-31T23:59:59-14:00`
does not, and neither database could give it back). It is refused before anything runs, with the value in the
message, instead of failing in the database as an unexpected error. Timestamps without a UTC offset pass, to be
refused by the service that reads them, as a typed error naming the field (`crud.checks.check_aware`).

Timestamps are kept to the microsecond. Digits past the sixth round the moment up to the next microsecond rather
than being cut off: every stored time is a whole microsecond, so a window [from, to) with its bounds rounded up
selects exactly the rows it selects at full precision (`t >= from` and `t < to` keep their answer), where cutting
them off would count a label a nanosecond before `from` and leave out one a nanosecond before `to`.

(`String` and `ID` are reserved by graphql-core and cannot be replaced: `server/graphql/input_guard.py` checks them.)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import dateutil.parser
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.types.scalar import ScalarDefinition, scalar

__all__ = ["SCALAR_OVERRIDES", "parse_datetime"]


def parse_datetime(value: object) -> datetime:
    """An ISO 8601 timestamp that stays within the calendar in UTC (as given: naive ones stay naive)."""
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(f"DateTime must be an ISO 8601 string, got {value!r}")
    try:
        parsed = dateutil.parser.isoparse(value)
    except (ValueError, OverflowError):
        raise StrawberryInputCoercionError(f"DateTime {value!r} is not an ISO 8601 timestamp") from None
    try:
        if _finer_than_microseconds(value):
            parsed += timedelta(microseconds=1)  # isoparse cut them off: round up instead (see the docstring)
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            return parsed
        parsed.astimezone(UTC)
    except OverflowError:
        raise StrawberryInputCoercionError(
            f"DateTime {value!r} is outside the supported range (0001-01-01 to 9999-12-31 in UTC)"
        ) from None
    return parsed


# The fraction of a second: the first run of digits after a decimal point or comma (the date part has neither).
_FRACTION = re.compile(r"[.,](\d+)")


def _finer_than_microseconds(value: str) -> bool:
    """Whether the timestamp text has a non-zero digit past the sixth of its fraction of a second."""
    fraction = _FRACTION.search(value)
    return fraction is not None and fraction.group(1)[6:].strip("0") != ""


def _serialize_datetime(value: Any) -> str:
    return str(value.isoformat())


_DATETIME = scalar(
    name="DateTime",
    description="Date with time (isoformat)",
    serialize=_serialize_datetime,
    parse_value=parse_datetime,
)
# For `strawberry.Schema(scalar_overrides=...)`.
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {datetime: _DATETIME}
