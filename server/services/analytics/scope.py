"""The slice of labeling work a metric covers: a project, vendor or labeler (or all), over a time window.

A `Scope` holds the values; its `ScopeShape` holds only which filters are set and whether the window is whole
UTC days, which is all the SQL of a metric depends on. Statements are therefore built once per shape, with the
values as named bind parameters (`Scope.parameters`), and reused: a request pays neither for building the
statement nor, through SQLAlchemy's compiled cache, for compiling it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, or_
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from server.db.models import Label, Labeler, Task
from server.db.types import UTCDateTime
from server.services.errors import ValidationFailed

__all__ = ["Scope", "ScopeShape", "day_of", "moment", "moment_values", "number"]


def number(name: str) -> BindParameter[int]:
    """An integer bind parameter named `name`."""
    return bindparam(name, type_=Integer())


def moment(name: str) -> BindParameter[datetime]:
    """A timezone-aware timestamp bind parameter named `name`."""
    return bindparam(name, type_=UTCDateTime())


def day_of(name: str) -> BindParameter[str]:
    """The 'YYYY-MM-DD' UTC day of the timestamp bind parameter `name` (see `moment_values`)."""
    return bindparam(f"{name}_day", type_=String())


def moment_values(name: str, value: datetime) -> dict[str, Any]:
    """The values of `moment(name)` and `day_of(name)` for the timestamp `value`."""
    return {name: value, f"{name}_day": value.astimezone(UTC).date().isoformat()}


@dataclass(frozen=True, slots=True)
class ScopeShape:
    """Which filters a scope sets; `start` and `end` name the bind parameters of the window's bounds (None when
    the bound is open), so a shape can also bound a window by another bound, e.g. `end="start"` for the history
    before a window."""

    project: bool = False
    vendor: bool = False
    labeler: bool = False
    start: str | None = None
    end: str | None = None
    whole_days: bool = True

    @property
    def project_id(self) -> BindParameter[int]:
        return number("project_id")

    @property
    def vendor_id(self) -> BindParameter[int]:
        return number("vendor_id")

    @property
    def labeler_id(self) -> BindParameter[int]:
        return number("labeler_id")

    @property
    def without_labelers(self) -> bool:
        """A project or vendor (or both) with no labeler filter: its totals and days are sums of the project- or
        vendor-grain rollups' rows, without the labeler."""
        return (self.project or self.vendor) and not self.labeler

    def before_start(self) -> ScopeShape:
        """The same filters over everything before this window's start."""
        return replace(self, start=None, end=self.start)

    def without_people(self) -> ScopeShape:
        """The same project and window, any vendor and labeler."""
        return replace(self, vendor=False, labeler=False)

    def matching(self, project: Any, vendor: Any, labeler: Any) -> list[ColumnElement[bool]]:
        """The scope's filters on the columns that hold a row's project, vendor and labeler: one for each set."""
        filters = ((self.project, project, self.project_id), (self.vendor, vendor, self.vendor_id))
        wanted = [*filters, (self.labeler, labeler, self.labeler_id)]
        return [column == value for is_set, column, value in wanted if is_set]

    def in_days(self, column: Any) -> list[ColumnElement[bool]]:
        """The window on a 'YYYY-MM-DD' day column, for a whole-days window."""
        conditions: list[ColumnElement[bool]] = []
        if self.start is not None:
            conditions.append(column >= day_of(self.start))
        if self.end is not None:
            conditions.append(column < day_of(self.end))
        return conditions

    def inner_days(self, column: Any) -> list[ColumnElement[bool]]:
        """The whole UTC days inside a window cut inside days, on a 'YYYY-MM-DD' day column (see `Scope.parameters`:
        none when the window lies within one day)."""
        conditions: list[ColumnElement[bool]] = []
        if self.start is not None:
            conditions.append(column >= day_of(f"{self.start}_up"))
        if self.end is not None:
            conditions.append(column < day_of(f"{self.end}_down"))
        return conditions

    def edges(self, column: Any) -> ColumnElement[bool]:
        """The parts of the window outside `inner_days`, on a timestamp column: from the start to the first
        midnight, and from the last midnight to the end (each shorter than a day)."""
        parts: list[ColumnElement[bool]] = []
        if self.start is not None:
            parts.append(and_(column >= moment(self.start), column < moment(f"{self.start}_up")))
        if self.end is not None:
            parts.append(and_(column >= moment(f"{self.end}_down"), column < moment(self.end)))
        return or_(*parts)

    def in_window(self, column: Any) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.start is not None:
            conditions.append(column >= moment(self.start))
        if self.end is not None:
            conditions.append(column < moment(self.end))
        return conditions

    def who(self) -> list[ColumnElement[bool]]:
        """Project, vendor and labeler filters on a query that joins Label, Task and Labeler."""
        conditions: list[ColumnElement[bool]] = []
        if self.project:
            conditions.append(Task.project_id == self.project_id)
        if self.vendor:
            conditions.append(Labeler.vendor_id == self.vendor_id)
        if self.labeler:
            conditions.append(Label.labeler_id == self.labeler_id)
        return conditions

    def labels(self) -> list[ColumnElement[bool]]:
        """Everything that selects a label in scope (on a Label ⋈ Task ⋈ Labeler join)."""
        return [*self.who(), *self.in_window(Label.submitted_at)]


@dataclass(frozen=True, slots=True)
class Scope:
    """Which labels count: filters are combined with AND; the window is half-open, start <= t < end.

    Labels are placed in time by `submitted_at`, reviews by their `created_at`, task completions by `completed_at`.
    A day is the window [midnight UTC, next midnight UTC), see `Scope.day`.
    """

    project_id: int | None = None
    vendor_id: int | None = None
    labeler_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValidationFailed((name,), value, "must be timezone-aware")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationFailed(("end",), self.end, f"must be after start {self.start.isoformat()}")

    @classmethod
    def day(cls, day: date, **filters: Any) -> Scope:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return cls(start=start, end=start + timedelta(days=1), **filters)

    @property
    def whole_days(self) -> bool:
        """The window starts and ends at UTC midnights (or is open): the per-day rollups answer it exactly."""
        return all(value is None or value.astimezone(UTC).time() == time(0) for value in (self.start, self.end))

    @property
    def holds_a_whole_day(self) -> bool:
        """The window holds at least one whole UTC day (an open bound holds them all)."""
        if self.start is None or self.end is None:
            return True
        return _midnight_up(self.start) + timedelta(days=1) <= _midnight_down(self.end)

    @property
    def shape(self) -> ScopeShape:
        return ScopeShape(
            project=self.project_id is not None,
            vendor=self.vendor_id is not None,
            labeler=self.labeler_id is not None,
            start=None if self.start is None else "start",
            end=None if self.end is None else "end",
            whole_days=self.whole_days,
        )

    def parameters(self) -> dict[str, Any]:
        """The values of the bind parameters a statement built for `shape` takes."""
        values: dict[str, Any] = {}
        for name in ("project_id", "vendor_id", "labeler_id"):
            value = getattr(self, name)
            if value is not None:
                values[name] = value
        for name in ("start", "end"):
            bound: datetime | None = getattr(self, name)
            if bound is not None:
                values |= moment_values(name, bound)
                # The midnights at or after (up) and at or before (down) each bound, for windows split into whole
                # days and edges (`ScopeShape.inner_days`, `ScopeShape.edges`).
                up, down = _midnight_up(bound), _midnight_down(bound)
                if name == "start" and self.end is not None and up > _midnight_down(self.end):
                    up = self.end  # within one day: no whole day inside, the first edge is the whole window
                if name == "end" and self.start is not None and _midnight_up(self.start) > down:
                    down = bound  # and the last edge is empty
                values |= moment_values(f"{name}_up", up) | moment_values(f"{name}_down", down)
        return values


def _midnight_down(value: datetime) -> datetime:
    utc = value.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC)


def _midnight_up(value: datetime) -> datetime:
    down = _midnight_down(value)
    return down if down == value else down + timedelta(days=1)
