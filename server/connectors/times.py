"""Reading timestamps from exports: ISO 8601 or a strftime pattern, naive times in a stated zone, all to UTC."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["EPOCH_PATTERN", "TimeReader", "pattern_problem", "zone"]

EPOCH_PATTERN = "%s"  # seconds since 1970-01-01 UTC (fractions allowed), which strptime does not read

# strptime's %Z knows only UTC/GMT and the local zone's names; crowd platforms (Mechanical Turk's
# "Wed Jan 24 09:48:10 PST 2018") print North American abbreviations, which are unambiguous offsets.
_ABBREVIATIONS = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
}
_ABBREVIATION = re.compile(r"\b(" + "|".join(_ABBREVIATIONS) + r")\b")

# Labeling history lies between these: earlier is a placeholder date (0001-01-01), later a clock gone wrong. A day
# of slack lets a tool's clock run a little ahead of ours.
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_CLOCK_SLACK = timedelta(days=1)


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is not a strftime pattern strptime can read (None: it is)."""
    if pattern == EPOCH_PATTERN:
        return None
    try:
        time.strptime("", pattern.replace("%Z", "%z"))
    except ValueError as error:
        if "does not match" not in str(error):  # a bad directive or a stray %
            return f"time_format {pattern!r} is not a strftime pattern: {error}"
    return None


def zone(name: str) -> tzinfo:
    """The IANA zone `name` (naive timestamps are read in it); a clear error names a bad one."""
    try:
        return UTC if name.upper() == "UTC" else ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"time zone {name!r} is not an IANA zone name (e.g. UTC, Europe/Berlin)") from None


class TimeReader:
    """Parses timestamps with `pattern` (strftime; None for ISO 8601) into aware UTC datetimes; a timestamp
    without an offset is read in `naive_zone`. Anything but text, and moments before 1970 or over a day ahead of
    the clock, are errors."""

    def __init__(self, pattern: str | None = None, naive_zone: str = "UTC") -> None:
        self.pattern = pattern
        self.zone = zone(naive_zone)
        self._offset_pattern = pattern.replace("%Z", "%z") if pattern and "%Z" in pattern else None
        self._latest = datetime.now(UTC) + _CLOCK_SLACK

    def __call__(self, text: Any) -> datetime:
        if not isinstance(text, str):
            raise ValueError(f"{text!r:.60} is not a timestamp (text such as 2026-03-02T09:15:00Z)")
        raw = text.strip()
        if not raw:
            raise ValueError("empty timestamp")
        if self.pattern is None:
            try:
                parsed = datetime.fromisoformat(raw)
            except ValueError:
                raise ValueError(f"{raw!r} is not an ISO 8601 timestamp") from None
        elif self.pattern == EPOCH_PATTERN:
            try:
                seconds = float(raw)
                parsed = datetime.fromtimestamp(seconds, UTC)
            except (ValueError, OverflowError, OSError):
                raise ValueError(f"{raw!r} is not a number of seconds since 1970 (--time-format %s)") from None
        elif self._offset_pattern is not None:
            replaced = _ABBREVIATION.sub(lambda m: _offset(_ABBREVIATIONS[m.group(1)]), raw)
            try:
                parsed = datetime.strptime(replaced, self._offset_pattern)
            except ValueError:
                raise ValueError(f"{raw!r} does not match --time-format {self.pattern!r}") from None
        else:
            try:
                parsed = datetime.strptime(raw, self.pattern)
            except ValueError:
                raise ValueError(f"{raw!r} does not match --time-format {self.pattern!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.zone)
        try:
            moment = parsed.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:00:00-05:00 is past the last moment Python holds
            raise ValueError(f"{raw!r} is out of range") from None
        if moment < _EARLIEST:
            raise ValueError(f"{raw!r} is before 1970")
        if moment > self._latest:
            raise ValueError(f"{raw!r} is in the future")
        return moment


def _offset(hours: int) -> str:
    sign = "-" if hours < 0 else "+"
    return f"{sign}{abs(hours):02d}00"
